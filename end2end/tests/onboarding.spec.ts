import { expect, test } from "@playwright/test";
import { createAdmin, expectAccessible, fillApplication, goto, mailedLink, PASSWORD, ready, signIn, signOut, uniqueEmail } from "./helpers";

test("bad input on the application form shows errors and stores nothing", async ({ page }, info) => {
  const email = uniqueEmail("badapp", info);
  await goto(page, "/apply");
  await fillApplication(page, "Nowhere Ltd", email, "not a website");
  await page.getByRole("button", { name: "Submit application" }).click();
  await expect(page.getByText("Enter a web address like https://example.com.")).toBeVisible();
  await ready(page);
  // Nothing was stored: the same address can still apply.
  await goto(page, "/apply");
  await fillApplication(page, "Nowhere Ltd", email, "https://nowhere.example");
  await page.getByRole("button", { name: "Submit application" }).click();
  await expect(page.getByText("We have received your application.")).toBeVisible();
});

test("an applicant is scored, approved and walks the onboarding plan", async ({ page, browser }, info) => {
  const applicant = uniqueEmail("applicant", info);
  const reviewer = uniqueEmail("reviewer", info);
  const secondReviewer = uniqueEmail("reviewer2", info);
  const company = `Acme ${info.project.name} ${Date.now()}`;
  createAdmin(reviewer);
  createAdmin(secondReviewer);

  await goto(page, "/apply");
  await fillApplication(page, company, applicant, "acme-bank-partners.example");
  await page.getByRole("button", { name: "Submit application" }).click();
  await expect(page.getByText("We have received your application.")).toBeVisible();

  // The emailed link welcomes the applicant, names the address it
  // confirms, and asks for the account's first password.
  await goto(page, await mailedLink(applicant, "/welcome"));
  await expect(page.getByTestId("welcome")).toContainText(applicant);
  await expectAccessible(page);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Repeat the password").fill(PASSWORD);
  await page.getByRole("button", { name: "Confirm and set password" }).click();
  await expect(page.getByText("your email address is confirmed")).toBeVisible();
  await ready(page);
  await signIn(page, applicant);
  await goto(page, "/application");
  await expect(page.getByTestId("application-status")).toHaveText("Waiting for review");
  // A partner's page opened early says when it opens and leads back.
  await goto(page, "/plan");
  await expect(page.getByTestId("not-yet")).toContainText("This page opens once your application is approved.");
  await page.getByTestId("not-yet").getByRole("link", { name: "See your application" }).click();
  await expect(page.getByTestId("application-status")).toHaveText("Waiting for review");
  await signOut(page);

  await signIn(page, reviewer);
  await goto(page, "/manager/applications");
  await page.getByRole("link", { name: company }).click();
  await ready(page);
  const scores: [string, string][] = [
    ["Strategic Alignment", "9"],
    ["Market Impact", "9"],
    ["Technical Compatibility", "8"],
    ["Operational Feasibility", "7"],
    ["Financial Value", "8"],
  ];
  for (const [label, value] of scores) {
    await page.getByLabel(label, { exact: true }).fill(value);
    await page.getByLabel(`Note on ${label}`).fill(`${label} looks right`);
  }
  await page.getByRole("button", { name: "Save scorecard" }).click();
  await expect(page.getByText("Your scorecard has been saved.")).toBeVisible();
  await expect(page.getByTestId("overall-score")).toHaveText("8.3");
  await expect(page.getByTestId("recommendation")).toHaveText("recommended for approval");
  await ready(page);
  // A colleague has the same application open in another browser.
  const other = await (
    await browser.newContext({ baseURL: info.project.use.baseURL, javaScriptEnabled: info.project.use.javaScriptEnabled })
  ).newPage();
  await signIn(other, secondReviewer);
  await goto(other, new URL(page.url()).pathname);
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByTestId("status")).toHaveText("Approved");
  await ready(page);
  // The colleague decides second: told so, and the application stays approved.
  await other.getByLabel("Reason for rejection (emailed)").fill("Not a fit.");
  await other.getByRole("button", { name: "Reject" }).click();
  await expect(other.getByRole("alert").filter({ hasText: "This application changed since you opened it" })).toBeVisible();
  await expect(other.getByTestId("status")).toHaveText("Approved");
  await other.context().close();
  await signOut(page);

  await signIn(page, applicant);
  await expect(page.getByTestId("next-steps")).toContainText("Sign the partner agreement");
  await goto(page, "/plan");
  await expect(page.getByTestId("overall-progress")).toHaveText("0 %");
  await page.getByRole("button", { name: "Mark done: Sign the partner agreement" }).click();
  await expect(page.getByTestId("progress-preparation")).toHaveText("1 of 6 · 16 %");
  await expect(page.getByTestId("overall-progress")).toHaveText("4 %");
  await expect(page.locator('li[data-item="Sign the partner agreement"]')).toContainText(`by ${applicant}`);

  // The new owner brings a colleague into the organisation.
  const colleague = uniqueEmail("colleague", info);
  await goto(page, "/team");
  await page.getByLabel("Email address").fill(colleague);
  await page.getByLabel("Name").fill("Bob Colleague");
  await page.getByLabel("Role").selectOption("member");
  await page.getByRole("button", { name: "Send invitation" }).click();
  await expect(page.getByText(`Invitation sent to ${colleague}.`)).toBeVisible();
  await expect(page.getByTestId("team-invitations")).toContainText(colleague);
  await ready(page);
  await signOut(page);

  await goto(page, await mailedLink(colleague, "/invitation"));
  const pw = "bob picks a long passphrase";
  await page.getByLabel("Password", { exact: true }).fill(pw);
  await page.getByLabel("Repeat the password").fill(pw);
  await page.getByRole("button", { name: "Create my account" }).click();
  await expect(page.getByText("Your account is ready.")).toBeVisible();
  await ready(page);
  await signIn(page, colleague, pw);
  await expect(page.getByText(company).first()).toBeVisible();
  await goto(page, "/team");
  await expect(page.getByTestId("team")).toContainText(applicant);
  await expect(page.getByRole("button", { name: "Send invitation" })).toHaveCount(0);
});

test("an administrator adds an item to the onboarding template and removes it", async ({ page }, info) => {
  const admin = uniqueEmail("templater", info);
  createAdmin(admin);
  await signIn(page, admin);
  await goto(page, "/admin/onboarding-template");
  const title = `Joint webinar ${info.project.name} ${Date.now()}`;
  await page.getByLabel("Phase").selectOption("business_alignment");
  await page.getByLabel("Item", { exact: true }).fill(title);
  await page.getByRole("button", { name: "Add item" }).click();
  await expect(page.getByText("The template has been updated.")).toBeVisible();
  await expect(page.getByText(title)).toBeVisible();
  await ready(page);
  await page.getByRole("button", { name: `Remove ${title}` }).click();
  await expect(page.getByText(title)).toHaveCount(0);
});
