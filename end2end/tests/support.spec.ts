import { expect, test, type Page } from "@playwright/test";
import { approvedPartner, createAdmin, expectAccessible, goto, latestMail, openPartner, ready, signIn, signOut, uniqueEmail } from "./helpers";

const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d4948445200000001000000010806000000" + "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082",
  "hex",
);

async function fillTicket(page: Page, subject: string, description: string) {
  const form = page.getByTestId("open-ticket");
  await form.getByLabel("Subject").fill(subject);
  await form.getByLabel(/Tier 1 — critical/).check();
  await form.getByLabel("Description").fill(description);
}

test("a partner opens a Tier 1 ticket, the manager answers and resolves it with the six steps", async ({ page }, info) => {
  const manager = uniqueEmail("support-mgr", info);
  createAdmin(manager);
  const { owner, company } = await approvedPartner(page, info, manager, "technology");

  // The partner opens a ticket; a file that is not allowed is refused and the draft kept.
  await signIn(page, owner);
  await goto(page, "/support");
  await expect(page.getByText("Registered", { exact: true })).toBeVisible();
  await fillTicket(page, "Trust scores stopped updating", "Since 09:12 UTC no event changes a score.");
  await page.getByTestId("open-ticket").getByLabel("Attachment (optional)").setInputFiles({
    name: "tool.exe",
    mimeType: "application/octet-stream",
    buffer: Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00]),
  });
  await page.getByRole("button", { name: "Open ticket" }).click();
  await expect(page.locator("#field-file-error")).toContainText("Attach a PDF");
  await ready(page);
  await expect(page.getByTestId("open-ticket").getByLabel("Subject")).toHaveValue("Trust scores stopped updating");
  await expect(page.getByTestId("open-ticket").getByLabel(/Tier 1 — critical/)).toBeChecked();
  await page.getByTestId("open-ticket").getByLabel("Attachment (optional)").setInputFiles({
    name: "screenshot.png",
    mimeType: "image/png",
    buffer: PNG,
  });
  await page.getByRole("button", { name: "Open ticket" }).click();
  await expect(page.getByText("Ticket opened.")).toBeVisible();
  await ready(page);
  await expect(page.getByTestId("ticket-subject")).toContainText("Trust scores stopped updating");
  await expect(page.getByTestId("sla-state")).toHaveText("On track");
  await expect(page.getByTestId("sla")).toContainText("first response due in 2 d 23 h");
  await expect(page.getByTestId("attachment")).toHaveText("screenshot.png");
  const ticketPath = new URL(page.url()).pathname;
  await goto(page, "/support");
  await expect(page.getByTestId("ticket-list")).toContainText("Trust scores stopped updating");
  await expectAccessible(page);
  await page.screenshot({ path: info.outputPath("support.png"), fullPage: true });
  await signOut(page);

  // The manager finds it in the queue, answers (the clock stops), and resolves.
  await expect.poll(() => latestMail(manager)).toContain("Trust scores stopped updating");
  await signIn(page, manager);
  await goto(page, "/support/queue");
  // The queue searches by partner (or subject), keeping the tab chosen.
  const search = page.getByRole("searchbox", { name: "Search by subject or partner" });
  await search.fill(company);
  await search.press("Enter");
  await expect(page).toHaveURL(/show=open&q=/);
  await expect(page.getByTestId("ticket-list").locator("tbody tr")).toHaveCount(1);
  await expect(search).toHaveValue(company);
  // Its headers order it on the server, keeping the search and the tab.
  const severity = page.getByTestId("ticket-list").getByRole("columnheader", { name: "Severity" });
  await severity.getByRole("link").click();
  await expect(page).toHaveURL(/q=.*show=open.*sort=severity&dir=asc/);
  await expect(severity).toHaveAttribute("aria-sort", "ascending");
  await expect(search).toHaveValue(company);
  await expect(page.getByTestId("ticket-list").locator("tbody tr")).toHaveCount(1);
  const row = page.getByTestId("ticket-list").locator("tr", { hasText: "Trust scores stopped updating" });
  await expect(row).toContainText(company);
  await expect(row.getByTestId("sla-state")).toHaveText("On track");
  await expectAccessible(page);
  await page.screenshot({ path: info.outputPath("queue.png"), fullPage: true });
  await row.getByRole("link", { name: "Trust scores stopped updating" }).click();
  await ready(page);
  await page.getByLabel("Reply").fill("We see it: the consumer crashed on a malformed record. Restarting now.");
  await page.getByRole("button", { name: "Send reply" }).click();
  await expect(page.getByText("Reply sent.")).toBeVisible();
  await ready(page);
  await expect(page.getByTestId("sla-state")).toHaveText("Responded in time");
  await expect(page.getByTestId("messages").getByTestId("message")).toHaveCount(2);
  await signOut(page);

  // The partner answers with a log file; the manager sees it on the ticket.
  await expect.poll(() => latestMail(owner)).toContain("the consumer crashed on a malformed record");
  await signIn(page, owner);
  await goto(page, ticketPath);
  await page.getByLabel("Reply").fill("Here is our consumer log from the outage.");
  await page.getByTestId("reply-form").getByLabel(/Attachment/).setInputFiles({
    name: "consumer.log",
    mimeType: "text/plain",
    buffer: Buffer.from("09:12:03 ERROR parse failed at offset 41\n"),
  });
  await page.getByRole("button", { name: "Send reply" }).click();
  await expect(page.getByText("Reply sent.")).toBeVisible();
  await ready(page);
  await expect(page.getByTestId("attachment").last()).toHaveText("consumer.log");
  await signOut(page);
  await signIn(page, manager);
  await goto(page, ticketPath);
  await expect(page.getByTestId("messages").getByTestId("message")).toHaveCount(3);
  await expect(page.getByTestId("attachment").last()).toHaveText("consumer.log");

  await page.getByLabel("Summary for the partner").fill("Consumer restarted; backlog drained.");
  await page.getByRole("button", { name: "Resolve ticket" }).click();
  await expect(page.locator("#field-step_prevention-error")).toContainText("required to close a Tier 1 ticket");
  await expect(page.getByTestId("ticket-status")).toHaveText("Open");
  await ready(page);
  const steps: [string, string][] = [
    ["Identification and documentation", "Consumer crashed on a malformed record; logs in the ticket."],
    ["Impact assessment", "Scores lagged two hours for 40 agents; nothing lost."],
    ["Resolution plan", "Patch the parser, replay the batch."],
    ["Implementation", "Parser fixed in 2.4.1; batch replayed."],
    ["Verification", "Scores match the replayed events."],
    ["Prevention analysis", "Malformed records go to a dead-letter queue with an alert."],
  ];
  await page.getByLabel("Summary for the partner").fill("Consumer restarted; backlog drained.");
  for (const [label, text] of steps) await page.getByLabel(label, { exact: true }).fill(text);
  await expectAccessible(page);
  await page.screenshot({ path: info.outputPath("ticket-staff.png"), fullPage: true });
  await page.getByRole("button", { name: "Resolve ticket" }).click();
  await expect(page.getByTestId("ticket-status")).toHaveText("Resolved");
  await expect(page.getByTestId("resolution")).toContainText("dead-letter queue");
  await ready(page);
  await goto(page, "/support/report");
  await expect(page.getByTestId("tier-registered").getByTestId("met")).not.toHaveText("0");
  const thisMonth = (await page.getByTestId("report-month").textContent()) ?? "";
  await page.getByRole("link", { name: "← Earlier" }).click();
  await expect(page.getByTestId("report-month")).not.toHaveText(thisMonth);
  await ready(page);
  await page.getByRole("link", { name: "Later →" }).click();
  await expect(page.getByTestId("report-month")).toHaveText(thisMonth);
  await ready(page);
  await signOut(page);

  // The partner reads the answer and the resolution.
  await expect.poll(() => latestMail(owner)).toContain("Consumer restarted; backlog drained.");
  await signIn(page, owner);
  await goto(page, ticketPath);
  await expect(page.getByTestId("ticket-status")).toHaveText("Resolved");
  await expect(page.getByTestId("sla-state")).toHaveText("Responded in time");
  await expect(page.getByTestId("resolution")).toContainText("Prevention analysis");
  await expect(page.getByTestId("reply-form")).toHaveCount(0);
  await expectAccessible(page);
  await page.screenshot({ path: info.outputPath("ticket-partner.png"), fullPage: true });
});

test("a manager saves a quarterly review and the partner reads it", async ({ page }, info) => {
  const manager = uniqueEmail("review-mgr", info);
  createAdmin(manager);
  const { owner, company } = await approvedPartner(page, info, manager, "technology");
  await signIn(page, manager);
  await openPartner(page, company, "Reviews");
  await page.getByRole("button", { name: "Generate and save" }).click();
  await expect(page.locator("#field-recommendations-error")).toContainText("Write your recommendations");
  await ready(page);
  await page.getByLabel("Recommendations").fill("Move to production keys and subscribe to trust events.");
  await page.getByRole("button", { name: "Generate and save" }).click();
  await expect(page.getByText("Review saved.")).toBeVisible();
  await ready(page);
  await expect(page.getByTestId("review-title")).toContainText(company);
  await expect(page.getByTestId("review-scorecard").getByTestId("measure-reliability")).toBeVisible();
  await signOut(page);

  await signIn(page, owner);
  await goto(page, "/reviews");
  await page.getByTestId("review-list").getByRole("link").first().click();
  await ready(page);
  await expect(page.getByTestId("review-recommendations")).toHaveText("Move to production keys and subscribe to trust events.");
  await expect(page.getByTestId("review-business")).toContainText("Support tickets opened");
  await expect(page.getByRole("button", { name: "Generate and save" })).toHaveCount(0);
  await expectAccessible(page);
  await page.screenshot({ path: info.outputPath("review.png"), fullPage: true });
});
