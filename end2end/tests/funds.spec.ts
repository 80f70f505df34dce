import { expect, test } from "@playwright/test";
import { approvedPartner, createAdmin, expectAccessible, goto, navigate, openPartner, ready, signIn, signOut, uniqueEmail } from "./helpers";

// The smallest valid-looking PDF header is enough: the portal sniffs the bytes.
const PDF = Buffer.from("%PDF-1.7\n% proof: the webinar's attendance report\n%%EOF\n");

test("a technology partner requests co-marketing funds, a manager approves, the partner claims and is paid on its statement", async ({ page }, info) => {
  const manager = uniqueEmail("funds", info);
  createAdmin(manager);
  const { owner, company } = await approvedPartner(page, info, manager, "technology");
  const today = new Date().toISOString().slice(0, 10);
  const month = new Date().toLocaleString("en-GB", { month: "long", year: "numeric", timeZone: "UTC" });
  const title = `Agents in production ${info.project.name}`;

  // Without a budget, the page says so and offers no form.
  await signIn(page, owner);
  await navigate(page, "Earn", "Co-marketing funds");
  await expect(page.getByTestId("no-budget")).toContainText("No co-marketing fund budget");
  await expect(page.getByRole("button", { name: "Request funds" })).toHaveCount(0);
  await signOut(page);

  // The manager sets a budget of 5,000.00 a quarter in the partner's terms.
  await signIn(page, manager);
  await openPartner(page, company, "Revenue");
  await page.getByLabel("Co-marketing fund per quarter").fill("5000.00");
  await page.getByRole("button", { name: "Save new version" }).click();
  await expect(page.getByText("New terms saved.")).toBeVisible();
  await ready(page);
  await signOut(page);

  // The partner asks for too much, then for what fits.
  await signIn(page, owner);
  await goto(page, "/funds");
  await expect(page.getByTestId("fund-remaining")).toHaveText("$5,000.00");
  const request = async (amount: string) => {
    await page.getByLabel("Activity", { exact: true }).selectOption("webinar");
    await page.getByLabel("What it is").fill(title);
    await page.getByLabel("Activity date").fill(today);
    await page.getByLabel("Amount (USD)").fill(amount);
    await page.getByRole("button", { name: "Request funds" }).click();
  };
  await request("6000");
  await expect(page.getByText(/Only \$5,000\.00 remains of the Q\d \d{4} fund budget of \$5,000\.00\./)).toBeVisible();
  await ready(page);
  await request("3750.00");
  await expect(page.getByText("Your request is waiting for a partner manager's decision.")).toBeVisible();
  await ready(page);
  await expect(page.getByTestId("fund-remaining")).toHaveText("$1,250.00");
  await expect(page.getByTestId("fund-requests")).toContainText(title);
  await expect(page.getByTestId("fund-status").first()).toHaveText("Waiting for approval");
  await expectAccessible(page);
  await page.screenshot({ path: info.outputPath("funds.png"), fullPage: true });
  await signOut(page);

  // The manager approves from the queue.
  await signIn(page, manager);
  await navigate(page, "Work", "Fund requests");
  const item = page.getByTestId("fund-queue").locator(":scope > li", { hasText: title });
  await expect(item).toContainText(company);
  await expect(item.getByTestId("queue-budget")).toContainText("$3,750.00 committed");
  await expectAccessible(page);
  await page.screenshot({ path: info.outputPath("funds-review.png"), fullPage: true });
  await item.getByRole("button", { name: "Approve $3,750.00" }).click();
  await expect(page.getByText("Decision recorded")).toBeVisible();
  await ready(page);
  await signOut(page);

  // After the activity the partner claims with a link and a file.
  await signIn(page, owner);
  await goto(page, "/funds");
  const mine = page.getByTestId("fund-requests").locator(":scope > li", { hasText: title });
  await expect(mine.getByTestId("fund-status")).toHaveText("Approved");
  await mine.getByLabel("Amount spent (USD)").fill("3500.00");
  await mine.getByLabel("Link to the published activity").fill("https://blog.example.com/webinar");
  await mine.getByLabel(/Proof file/).setInputFiles({ name: "report.pdf", mimeType: "application/pdf", buffer: PDF });
  await mine.getByRole("button", { name: "Claim" }).click();
  await expect(page.getByText("Your claim is waiting for a partner manager's decision.")).toBeVisible();
  await ready(page);
  await expect(mine.getByTestId("fund-status")).toHaveText("Claim waiting for approval");
  await signOut(page);

  // The manager approves the claim; it becomes a line on the statement.
  await signIn(page, manager);
  await goto(page, "/funds/review");
  const claim = page.getByTestId("fund-queue").locator(":scope > li", { hasText: title });
  await expect(claim.getByRole("link", { name: "Download the proof file" })).toBeVisible();
  await claim.getByRole("button", { name: "Approve claim of $3,500.00" }).click();
  await expect(page.getByText("Decision recorded")).toBeVisible();
  await ready(page);
  await signOut(page);

  await signIn(page, owner);
  await goto(page, "/revenue");
  await expect(page.getByTestId("mtd")).toHaveText("$3,500.00");
  await page.getByTestId("statements").getByRole("link", { name: month, exact: true }).click();
  await ready(page);
  const line = page.getByTestId("lines").locator("tr[data-line]", { hasText: title });
  await expect(line).toContainText("Co-marketing fund");
  await expect(line).toContainText("$3,500.00");
  await goto(page, "/funds");
  await expect(mine.getByTestId("fund-status")).toHaveText("Claim approved");
  await expectAccessible(page);
  await page.screenshot({ path: info.outputPath("funds-paid.png"), fullPage: true });
});
