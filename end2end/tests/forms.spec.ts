import { expect, test } from "@playwright/test";
import { approvedPartner, createAdmin, expectAccessible, goto, ready, signIn, uniqueEmail } from "./helpers";

// A refused form keeps the visitor's place and words: with JavaScript off the
// server sends it back through a one-time flash (the address stays clean and
// opens at the form); hydrated, the page stays put. Either way the fields
// hold what was typed (never a password) and the caret sits in the first
// field in error.

test("a refused sign-in keeps the email, drops the password and leaves a clean address", async ({ page }, info) => {
  const email = uniqueEmail("keep", info);
  createAdmin(email);
  await goto(page, "/login");
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password").fill("this is not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toContainText("The email address or password is not correct.");
  await ready(page);
  await expect(page.getByLabel("Email address")).toHaveValue(email);
  await expect(page.getByLabel("Password")).toHaveValue("");
  expect(page.url()).not.toContain("__err");
  expect(page.url()).not.toContain("__path");
  expect(await page.content()).not.toContain("this is not the password");
  await expectAccessible(page);

  // The flash is spent: a reload shows the empty form.
  await goto(page, "/login");
  await expect(page.getByRole("alert")).toHaveCount(0);
  await expect(page.getByLabel("Email address")).toHaveValue("");
});

test("a refused application comes back with all nine fields as typed and the caret on the bad one", async ({ page }, info) => {
  const email = uniqueEmail("apply-keep", info);
  const company = `Keep ${info.project.name} ${Date.now()}`;
  await goto(page, "/apply");
  await page.getByLabel("Company").fill(company);
  await page.getByLabel("Website").fill("not a website at all");
  await page.getByLabel("Your name").fill("Ada Applicant");
  await page.getByLabel("Your work email").fill(email);
  await page.getByLabel("Partner type").selectOption("reseller/var");
  await page.getByLabel("Category").selectOption("distribution_channels");
  await page.getByLabel("Integration option").selectOption("api");
  await page.getByLabel("Revenue model").selectOption("reseller");
  await page.getByLabel("Why partner with us?").fill("We resell to regional banks.\nAnd we mean it.");
  await page.getByRole("button", { name: "Submit application" }).click();

  const website = page.getByLabel("Website");
  await expect(website).toHaveAttribute("aria-invalid", "true");
  await ready(page);
  await expect(website).toBeFocused();
  await expect(website).toHaveValue("not a website at all");
  const described = await website.getAttribute("aria-describedby");
  expect(described).toContain("field-website-error");
  await expect(page.locator("#field-website-error")).not.toBeEmpty();
  await expect(page.getByLabel("Company")).toHaveValue(company);
  await expect(page.getByLabel("Your name")).toHaveValue("Ada Applicant");
  await expect(page.getByLabel("Your work email")).toHaveValue(email);
  await expect(page.getByLabel("Partner type")).toHaveValue("reseller/var");
  await expect(page.getByLabel("Category")).toHaveValue("distribution_channels");
  await expect(page.getByLabel("Integration option")).toHaveValue("api");
  await expect(page.getByLabel("Revenue model")).toHaveValue("reseller");
  await expect(page.getByLabel("Why partner with us?")).toHaveValue("We resell to regional banks.\nAnd we mean it.");
  expect(page.url()).not.toContain("__err");
  await expectAccessible(page);

  // Corrected, it goes through.
  await website.fill("https://keep.example");
  await page.getByRole("button", { name: "Submit application" }).click();
  await expect(page.getByText("We have received your application.")).toBeVisible();
});

test("a refused event on the long revenue page stays in view with what was typed", async ({ page }, info) => {
  const manager = uniqueEmail("record-keep", info);
  createAdmin(manager);
  const { company } = await approvedPartner(page, info, manager);
  await signIn(page, manager);
  await goto(page, "/manager/revenue");
  await page.locator("#ev-partner").selectOption({ label: company });
  await page.locator("#ev-customer").fill("Globex Keep");
  await page.locator("#ev-amount").fill("twelve");
  const external = `keep-${info.project.name}-${Date.now()}`;
  await page.locator("#ev-external_id").fill(external);
  await page.getByRole("button", { name: "Record", exact: true }).click();

  const amount = page.locator("#ev-amount");
  await expect(amount).toHaveAttribute("aria-invalid", "true");
  await ready(page);
  await expect(amount).toBeFocused();
  await expect(amount).toBeInViewport();
  await expect(amount).toHaveValue("twelve");
  await expect(page.locator("#ev-customer")).toHaveValue("Globex Keep");
  await expect(page.locator("#ev-external_id")).toHaveValue(external);
  await expect(page.locator("#ev-partner")).toHaveValue(await page.locator("#ev-partner option", { hasText: company }).getAttribute("value") ?? "");
  expect(page.url()).not.toContain("__err");
  await expectAccessible(page);
  await page.screenshot({ path: test.info().outputPath("record-refused.png") });
  await expectAccessible(page);
});
