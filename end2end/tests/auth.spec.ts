import { expect, test } from "@playwright/test";
import { createAdmin, expectAccessible, goto, mailedLink, navigate, PASSWORD, ready, signIn, uniqueEmail } from "./helpers";

test("an administrator signs in and out", async ({ page }, info) => {
  const email = uniqueEmail("admin", info);
  createAdmin(email);
  await signIn(page, email);
  await expect(page.getByRole("heading", { name: "Welcome, Test Admin" })).toBeVisible();
  await expect(page.getByTestId("role")).toHaveText("Administrator");
  await expect(page.getByTestId("users")).toContainText(email);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByText("You have signed out.")).toBeVisible();
  await ready(page);
  await goto(page, "/account");
  await expect(page.getByText("Please sign in to see this page.")).toBeVisible();
});

test("a wrong password is refused with a clear message", async ({ page }, info) => {
  const email = uniqueEmail("wrong", info);
  createAdmin(email);
  await goto(page, "/login");
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password").fill("this is not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toContainText("The email address or password is not correct.");
  await expect(page.getByTestId("whoami")).toHaveCount(0);
});

test("a forgotten password is reset through the emailed link", async ({ page }, info) => {
  const email = uniqueEmail("reset", info);
  createAdmin(email);
  await goto(page, "/login");
  await page.getByRole("link", { name: "Forgot your password?" }).click();
  await ready(page);
  await page.getByLabel("Email address").fill(email);
  await page.getByRole("button", { name: "Send reset link" }).click();
  await expect(page.getByText("If an account exists for that address")).toBeVisible();

  const link = await mailedLink(email, "/reset-password");
  await goto(page, link);
  await page.getByLabel("New password", { exact: true }).fill("short");
  await page.getByLabel("Repeat the new password").fill("short");
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByText("Use at least 12 characters.")).toBeVisible();
  await ready(page);

  const fresh = "my fresh and long passphrase";
  await page.getByLabel("New password", { exact: true }).fill(fresh);
  await page.getByLabel("Repeat the new password").fill(fresh);
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByText("Your password has been changed.")).toBeVisible();
  await ready(page);
  await signIn(page, email, fresh);

  // The link is single use.
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByText("You have signed out.")).toBeVisible();
  await goto(page, link);
  await page.getByLabel("New password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Repeat the new password").fill(PASSWORD);
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByRole("alert")).toContainText("already been used");
});

test("an administrator invites a manager who sets a password and signs in", async ({ page }, info) => {
  const admin = uniqueEmail("inviter", info);
  const manager = uniqueEmail("manager", info);
  createAdmin(admin);
  await signIn(page, admin);
  await navigate(page, "Program", "Users");
  await expectAccessible(page);
  await page.getByLabel("Email address").fill(manager);
  await page.getByLabel("Name", { exact: true }).fill("Grace Hopper");
  await page.getByLabel("Role").selectOption("manager");
  await page.getByRole("button", { name: "Send invitation" }).click();
  await expect(page.getByText(`Invitation sent to ${manager}.`)).toBeVisible();
  await expect(page.getByTestId("invitations")).toContainText(manager);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByText("You have signed out.")).toBeVisible();

  const link = await mailedLink(manager, "/invitation");
  await goto(page, link);
  await expect(page.getByText("Grace Hopper")).toBeVisible();
  const pw = "grace picks a long passphrase";
  await page.getByLabel("Password", { exact: true }).fill(pw);
  await page.getByLabel("Repeat the password").fill(pw);
  await page.getByRole("button", { name: "Create my account" }).click();
  await expect(page.getByText("Your account is ready.")).toBeVisible();
  await ready(page);
  await signIn(page, manager, pw);
  await expect(page.getByTestId("role")).toHaveText("Partner manager");
  await expect(page.getByRole("link", { name: "Users", exact: true })).toHaveCount(0);
});

test("an administrator changes a colleague's role and disables the account", async ({ page, browser }, info) => {
  const admin = uniqueEmail("boss", info);
  const colleague = uniqueEmail("colleague", info);
  createAdmin(admin);
  createAdmin(colleague, PASSWORD, "Colleague");
  await signIn(page, admin);
  await goto(page, "/admin/users");
  // Newest accounts first: both were just made, however long the list.
  const since = page.getByTestId("users").getByRole("columnheader", { name: "Since" });
  await since.getByRole("link").click();
  await expect(since).toHaveAttribute("aria-sort", "descending");
  await ready(page);
  const row = page.locator(`tr[data-email="${colleague}"]`);
  await row.getByRole("button", { name: "Make partner manager" }).click();
  await expect(page.getByText("The account has been updated.")).toBeVisible();
  await expect(page.locator(`tr[data-email="${colleague}"]`)).toContainText("Partner manager");
  await ready(page);
  await page.locator(`tr[data-email="${colleague}"]`).locator("summary", { hasText: "Disable" }).click();
  await expect(page.locator(`tr[data-email="${colleague}"]`)).toContainText("They are signed out at once");
  await page.locator(`tr[data-email="${colleague}"]`).getByRole("button", { name: "Disable account" }).click();
  await expect(page.locator(`tr[data-email="${colleague}"]`)).toContainText("(disabled)");
  await expect(page.locator(`tr[data-email="${admin}"]`)).toContainText("You");
  // Each change came back to the same order.
  await expect(page).toHaveURL(/sort=since&dir=desc/);

  // The search finds the colleague by address, and keeps the order.
  const search = page.getByRole("searchbox", { name: "Search by name, email or organisation" });
  await search.fill(colleague);
  await search.press("Enter");
  await expect(page.getByTestId("users").locator("tbody tr")).toHaveCount(1);
  await expect(page.getByTestId("users")).toContainText(colleague);
  await expect(page).toHaveURL(/sort=since/);
  await expectAccessible(page);

  const other = await browser.newContext({ javaScriptEnabled: info.project.use.javaScriptEnabled });
  const p2 = await other.newPage();
  await goto(p2, "/login");
  await p2.getByLabel("Email address").fill(colleague);
  await p2.getByLabel("Password").fill(PASSWORD);
  await p2.getByRole("button", { name: "Sign in" }).click();
  await expect(p2.getByRole("alert")).toContainText("not correct");
  await other.close();
});

test.describe("time zones", () => {
  // The browser runs in Tokyo: a hydrated page offers that zone itself.
  test.use({ timezoneId: "Asia/Tokyo" });

  test("a person chooses their time zone and reads times in it, with UTC on hover", async ({ page }, info) => {
    const admin = uniqueEmail("zone", info);
    createAdmin(admin);
    await signIn(page, admin);
    await goto(page, "/admin/users");
    await expect(page.locator("time").first()).toHaveText(/UTC$/);

    await goto(page, "/account");
    const zone = page.getByLabel("Show times in");
    if (info.project.use.javaScriptEnabled) {
      await expect(page.getByText("Your browser is set to Asia/Tokyo")).toBeVisible();
      await expect(zone).toHaveValue("Asia/Tokyo");
    } else {
      await expect(zone).toHaveValue("");
      await zone.selectOption("Asia/Tokyo");
    }
    await expectAccessible(page);
    await page.screenshot({ path: info.outputPath("account-zone.png"), fullPage: true });
    await page.getByRole("button", { name: "Save time zone" }).click();
    await expect(page.getByText("Times now show in your time zone.")).toBeVisible();
    await expect(page.getByText("Times show in Asia/Tokyo")).toBeVisible();

    await goto(page, "/admin/users");
    const first = page.locator("time").first();
    await expect(first).toHaveText(/JST$/);
    await expect(first).toHaveAttribute("title", /UTC$/);
  });
});
