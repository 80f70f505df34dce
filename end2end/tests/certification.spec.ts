import { expect, test, type Page } from "@playwright/test";
import { appPng, approvedPartner, createAdmin, expectAccessible, expectImagesLoaded, goto, navigate, openPartner, ready, signIn, signOut, uniqueEmail } from "./helpers";

async function act(page: Page, button: string, note?: { label: string; text: string }) {
  const form = page.locator("form").filter({ has: page.getByRole("button", { name: button, exact: true }) });
  if (note) await form.getByLabel(note.label).fill(note.text);
  await form.getByRole("button", { name: button, exact: true }).click();
}

test("a partner is certified, listed once its listing is approved, and accepts a visitor's lead", async ({ page }, info) => {
  const reviewer = uniqueEmail("certifier", info);
  createAdmin(reviewer);
  const { owner, company } = await approvedPartner(page, info, reviewer);

  // The manager grants sandbox access from the partner's certification page.
  await signIn(page, reviewer);
  await openPartner(page, company, "Certification");
  await expect(page.getByTestId("cert-state")).toHaveText("Registered");
  await act(page, "Grant sandbox access");
  await expect(page.getByTestId("cert-state")).toHaveText("Development");
  await ready(page);
  await expectAccessible(page);
  const partnerPage = page.url();
  await signOut(page);

  await signIn(page, owner);
  await expect(page.getByTestId("home-support-tier")).toContainText("Registered");
  await expect(page.getByTestId("home-support-tier")).toContainText("72 hours");
  // In Development: the next level and what it needs.
  await expect(page.getByTestId("next-level")).toContainText("Next level: Testing, which needs your integration built");
  await goto(page, "/certification");
  await expect(page.getByTestId("support-tier")).toHaveText("Registered");
  await act(page, "Integration built");
  await expect(page.getByTestId("cert-state")).toHaveText("Testing");
  await ready(page);
  const submitForm = page.locator("form").filter({ has: page.getByRole("button", { name: "Submit for review", exact: true }) });
  const action = (await submitForm.getAttribute("action")) ?? "";
  const org = await submitForm.locator('input[name="org"]').inputValue();
  const version = Number(await submitForm.locator('input[name="version"]').inputValue());
  await act(page, "Submit for review", { label: "Evidence: notes, links, sandbox test results", text: "All sandbox tests green: https://ci.example/1" });
  await expect(page.getByTestId("cert-state")).toHaveText("Review");
  await ready(page);
  await expectAccessible(page);

  // The partner posting "pass" to the same endpoint itself is refused and changes nothing.
  const refused = await page.request.post(action, {
    headers: { Origin: new URL(page.url()).origin },
    form: { org, version: String(version + 1), event: "passed", note: "", evidence: "", back: "/certification" },
  });
  expect(refused.status()).toBe(400);
  expect(await refused.text()).toContain("You may not");
  await goto(page, "/certification");
  await expect(page.getByTestId("cert-state")).toHaveText("Review");
  await expect(page.getByRole("button", { name: "Pass certification" })).toHaveCount(0);
  await signOut(page);

  await signIn(page, reviewer);
  await goto(page, "/manager/certification");
  await expect(page.getByTestId("cert-review-queue")).toContainText(company);
  await goto(page, new URL(partnerPage).pathname + new URL(partnerPage).search);
  await act(page, "Issues found", { label: "Note (required, sent to the partner)", text: "Add retries on 5xx." });
  await expect(page.getByTestId("cert-state")).toHaveText("Development");
  await ready(page);
  await signOut(page);

  await signIn(page, owner);
  await goto(page, "/certification");
  await expect(page.getByTestId("timeline")).toContainText("Add retries on 5xx.");
  await act(page, "Integration built");
  await expect(page.getByTestId("cert-state")).toHaveText("Testing");
  await ready(page);
  await act(page, "Submit for review", { label: "Evidence: notes, links, sandbox test results", text: "Retries added." });
  await expect(page.getByTestId("cert-state")).toHaveText("Review");
  await ready(page);
  await signOut(page);

  await signIn(page, reviewer);
  await goto(page, new URL(partnerPage).pathname + new URL(partnerPage).search);
  await act(page, "Pass certification");
  await expect(page.getByTestId("cert-state")).toHaveText("Certified");
  await expect(page.getByTestId("support-tier")).toHaveText("Certified");
  await ready(page);
  // Publication needs a listing a manager approved.
  await act(page, "Publish in the marketplace");
  await expect(page.getByRole("alert").filter({ hasText: "Approve the partner's marketplace listing first" })).toBeVisible();
  await expect(page.getByTestId("cert-state")).toHaveText("Certified");
  await signOut(page);

  // The owner writes the listing; a refused save keeps every word.
  await signIn(page, owner);
  await navigate(page, "Grow", "Marketplace listing");
  await expect(page.getByTestId("listing-status")).toHaveText("No listing yet.");
  await expectAccessible(page);
  const form = page.locator("form").filter({ has: page.getByRole("button", { name: "Save draft" }) });
  await form.getByLabel("Name in the directory").fill(company);
  await form.getByLabel("Website", { exact: true }).fill("not a website");
  await form.getByLabel("Category").selectOption("distribution_channels");
  await form.getByLabel("Support email").fill("help@partner.example");
  await form.getByLabel("In one line").fill("Resells trust scores to regional banks.");
  await form.getByLabel("Description", { exact: true }).fill("We set up and run the portal's trust scores for banks.");
  await form.getByLabel("Setup steps").fill("Book a call\nWe connect your agents");
  await form.getByLabel("API", { exact: true }).check();
  await form.getByLabel("Europe", { exact: true }).check();
  await form.getByRole("button", { name: "Save draft" }).click();
  await expect(page.locator("#field-website-error")).toBeVisible();
  await ready(page);
  await expect(page.getByLabel("In one line")).toHaveValue("Resells trust scores to regional banks.");
  await expect(page.getByLabel("Europe", { exact: true })).toBeChecked();
  await expect(page.getByLabel("Category")).toHaveValue("distribution_channels");
  await expect(page.getByTestId("listing-status")).toHaveText("No listing yet.");
  await page.getByLabel("Website", { exact: true }).fill("https://partner.example");
  await page.getByRole("button", { name: "Save draft" }).click();
  await expect(page.getByTestId("listing-status")).toHaveText("Draft");
  await ready(page);

  // A logo and two screenshots; a screenshot without a description is
  // refused and the choices come back.
  const pictures = page.locator("form").filter({ has: page.getByRole("button", { name: "Upload picture" }) });
  await pictures.getByLabel("The logo (replaces the current one)").check();
  await pictures.getByLabel("Image", { exact: true }).setInputFiles({ name: "logo.png", mimeType: "image/png", buffer: appPng(96, 96, [29, 78, 216]) });
  await pictures.getByRole("button", { name: "Upload picture" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Picture added to your draft" })).toBeVisible();
  await ready(page);
  await expectImagesLoaded(page, "[data-testid=listing-logo] img");
  await expect(page.getByTestId("listing-logo").getByRole("img", { name: `${company} logo` })).toBeVisible();
  await pictures.getByLabel("A screenshot").check();
  await pictures.getByLabel("Image", { exact: true }).setInputFiles({ name: "dashboard.png", mimeType: "image/png", buffer: appPng(640, 400, [29, 78, 216]) });
  await pictures.getByRole("button", { name: "Upload picture" }).click();
  await expect(page.locator("#picture-alt-error")).toContainText("Describe what the screenshot shows");
  await ready(page);
  await expect(page.getByLabel("A screenshot")).toBeChecked();
  for (const [alt, accent] of [["The trust dashboard", [29, 78, 216]], ["An agent's history", [4, 120, 87]]] as const) {
    await pictures.getByLabel("What the screenshot shows").fill(alt);
    await pictures.getByLabel("Image", { exact: true }).setInputFiles({ name: "screen.png", mimeType: "image/png", buffer: appPng(640, 400, [...accent]) });
    await pictures.getByRole("button", { name: "Upload picture" }).click();
    await expect(page.getByTestId("listing-screenshots").getByRole("img", { name: alt })).toBeVisible();
    await ready(page);
  }
  await page.getByRole("button", { name: "Move earlier screenshot 2" }).click();
  await expect(page.getByTestId("listing-screenshots").locator("figcaption").first()).toHaveText("1. An agent's history");
  await ready(page);
  await expectImagesLoaded(page, "[data-testid=listing-screenshots] img");
  await expectAccessible(page);
  await page.screenshot({ path: test.info().outputPath("listing-pictures.png"), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth)).toBe(false);
  await page.screenshot({ path: test.info().outputPath("listing-pictures-phone.png"), fullPage: true });
  await page.setViewportSize({ width: 1366, height: 768 });
  await page.getByRole("button", { name: "Send for review" }).click();
  await expect(page.getByTestId("listing-status")).toHaveText("Waiting for review");
  await ready(page);
  await signOut(page);

  // The manager approves it from the queue and publishes the partner.
  await signIn(page, reviewer);
  await navigate(page, "Work", "Listings");
  await page.getByTestId("listing-queue").getByRole("link", { name: company }).click();
  await ready(page);
  await expect(page.getByTestId("partner-name")).toHaveText(company);
  await expect(page.getByTestId("listing-preview").first()).toContainText("We connect your agents");
  await expect(page.getByTestId("listing-preview").first().getByRole("img", { name: "An agent's history" })).toBeVisible();
  await expectImagesLoaded(page, "[data-testid=listing-preview] img");
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByTestId("listing-status")).toHaveText("Approved");
  await ready(page);
  await goto(page, new URL(partnerPage).pathname + new URL(partnerPage).search);
  await act(page, "Publish in the marketplace");
  await expect(page.getByTestId("cert-state")).toHaveText("Listed");
  await ready(page);
  await signOut(page);

  // A visitor finds it in the directory by a filter and opens its page.
  await goto(page, "/marketplace");
  await page.getByLabel("Region").selectOption("europe");
  await page.getByLabel("Search by name or description").fill(company);
  await page.getByRole("button", { name: "Find partners" }).click();
  await expect(page.getByTestId("directory")).toContainText(company);
  await ready(page);
  await expectAccessible(page);
  await expectImagesLoaded(page, "[data-testid=directory] img");
  await page.screenshot({ path: test.info().outputPath("marketplace-directory.png") });
  await page.getByTestId("directory").getByRole("link", { name: company }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(company);
  await expect(page.getByTestId("setup-steps")).toContainText("We connect your agents");
  await expect(page.getByRole("img", { name: `${company} logo` })).toBeVisible();
  await expect(page.getByTestId("showcase-screenshots").locator("figcaption")).toHaveText(["An agent's history", "The trust dashboard"]);
  await ready(page);
  await expectImagesLoaded(page, "main img");
  await expectAccessible(page);
  await page.screenshot({ path: test.info().outputPath("marketplace-partner.png"), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  const sideways = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  expect(sideways).toBe(false);
  await page.screenshot({ path: test.info().outputPath("marketplace-partner-phone.png"), fullPage: true });
  await page.setViewportSize({ width: 1366, height: 768 });

  // The visitor asks to be contacted. A form sent faster than a person
  // types is refused, so each send waits a moment; a refused one keeps
  // every word.
  const contact = page.locator("#contact");
  await contact.getByLabel("Company").fill("Northwind Bank");
  await contact.getByLabel("Your name").fill("Nia Northwind");
  await contact.getByLabel("Work email").fill("nia@northwind.example");
  await contact.getByLabel("Country").fill("Portugal");
  await contact.getByLabel("What do you need?").fill("Trust scores for our support bots.");
  await page.waitForTimeout(3200);
  await contact.getByRole("button", { name: "Ask to be contacted" }).click();
  await expect(page.locator("#field-consent-error")).toBeVisible();
  await ready(page);
  await expect(page.locator("#contact").getByLabel("Company")).toHaveValue("Northwind Bank");
  await expect(page.locator("#contact").getByLabel("What do you need?")).toHaveValue("Trust scores for our support bots.");
  await page.locator("#contact").getByRole("checkbox").check();
  await page.waitForTimeout(3200);
  await page.locator("#contact").getByRole("button", { name: "Ask to be contacted" }).click();
  await expect(page.locator("#contact")).toContainText(`${company} will contact you`);
  await ready(page);
  await goto(page, "/marketplace?region=asia_pacific");
  await expect(page.getByText(company)).toHaveCount(0);
  // A visitor unsure which partner fits asks the program's partner team.
  const ask = page.locator("#contact");
  await expect(ask.getByRole("heading", { level: 2 })).toContainText("Ask the");
  await ask.getByLabel("Company").fill("Contoso Health");
  await ask.getByLabel("Your name").fill("Cam Contoso");
  await ask.getByLabel("Work email").fill("cam@contoso.example");
  await ask.getByLabel("Country").fill("Ireland");
  await ask.getByLabel("What do you need?").fill("A partner to set up trust scores for our triage bots.");
  await ask.getByRole("checkbox").check();
  await page.waitForTimeout(3200);
  await ask.getByRole("button", { name: "Ask to be contacted" }).click();
  await expect(page.locator("#contact")).toContainText("partner team will pass your request to a partner");
  await ready(page);

  // The partner accepts the lead before its clock runs out.
  await signIn(page, owner);
  await navigate(page, "Grow", "Leads");
  const lead = page.getByTestId("lead").filter({ hasText: "Northwind Bank" });
  await expect(lead.getByTestId("lead-status")).toHaveText("Waiting for the partner");
  await expect(lead.getByTestId("lead-clock")).toHaveText(/^(2 days|1 day 23 h) left$/);
  await expectAccessible(page);
  await lead.getByRole("button", { name: "Accept" }).click();
  await expect(page.getByTestId("lead").filter({ hasText: "Northwind Bank" }).getByTestId("lead-status")).toHaveText("Accepted");
  await ready(page);
  await page.getByTestId("lead").filter({ hasText: "Northwind Bank" }).getByRole("button", { name: "Mark as contacted" }).click();
  await expect(page.getByTestId("lead").filter({ hasText: "Northwind Bank" }).getByTestId("lead-status")).toHaveText("Contacted");
  await ready(page);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: test.info().outputPath("leads-phone.png"), fullPage: true });
  expect(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth)).toBe(false);
});
