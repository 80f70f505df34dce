import { expect, test, type Page } from "@playwright/test";
import { approvedPartner, createAdmin, expectAccessible, goto, openPartner, ready, signIn, signOut, uniqueEmail } from "./helpers";

async function act(page: Page, button: string, note?: { label: string; text: string }) {
  const form = page.locator("form").filter({ has: page.getByRole("button", { name: button, exact: true }) });
  if (note) await form.getByLabel(note.label).fill(note.text);
  await form.getByRole("button", { name: button, exact: true }).click();
}

test("a partner submits, is sent back, resubmits, and is certified and listed", async ({ page }, info) => {
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
  await act(page, "Publish in the marketplace");
  await expect(page.getByTestId("cert-state")).toHaveText("Listed");
});
