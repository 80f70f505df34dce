import { expect, test } from "@playwright/test";
import { approvedPartner, createAdmin, expectAccessible, goto, navigate, ready, signIn, signOut, uniqueEmail } from "./helpers";

test("a partner registers a deal, a rival's registration of the same customer goes to the manager, and the won deal's revenue reaches the partner's statement", async ({ page }, info) => {
  const reviewer = uniqueEmail("deals", info);
  createAdmin(reviewer);
  const first = await approvedPartner(page, info, reviewer);
  const rival = await approvedPartner(page, info, reviewer);
  const run = `${info.project.name}-${Date.now()}`;
  const customer = `Northwind ${run}`;
  const domain = `northwind-${run}.example`;
  const closeOn = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);

  // The partner registers the customer; a refused registration keeps every word.
  await signIn(page, first.owner);
  await navigate(page, "Grow", "Deals");
  await expect(page.getByTestId("no-deals")).toBeVisible();
  await expectAccessible(page);
  const form = page.locator("form").filter({ has: page.getByRole("button", { name: "Register the deal" }) });
  await form.getByLabel("Customer company").fill(customer);
  await form.getByLabel("Customer's web domain").fill(`https://www.${domain}/about`);
  await form.getByLabel("Contact at the customer").fill("Nia Northwind");
  await form.getByLabel("Contact's email").fill("nia@northwind.example");
  await form.getByLabel("Products").fill("Trust scores, Agent audit");
  await form.getByLabel("Expected value").fill("12,50");
  await form.getByLabel("Expected close date").fill(closeOn);
  await form.getByRole("button", { name: "Register the deal" }).click();
  await expect(page.locator("#field-value-error")).toBeVisible();
  await ready(page);
  await expect(page.getByLabel("Customer company")).toHaveValue(customer);
  await expect(page.getByLabel("Products")).toHaveValue("Trust scores, Agent audit");
  await expect(page.getByLabel("Expected close date")).toHaveValue(closeOn);
  await expect(page.getByTestId("no-deals")).toBeVisible();
  await page.getByLabel("Expected value").fill("12000.00");
  await page.getByRole("button", { name: "Register the deal" }).click();
  const mine = page.getByTestId("deal").filter({ hasText: customer });
  await expect(mine.getByTestId("deal-status")).toHaveText("Waiting for approval");
  await expect(mine).toContainText(domain);
  await ready(page);
  await expectAccessible(page);
  await signOut(page);

  // A second partner claims the same customer under another name.
  await signIn(page, rival.owner);
  await goto(page, "/deals");
  const rivalForm = page.locator("form").filter({ has: page.getByRole("button", { name: "Register the deal" }) });
  await rivalForm.getByLabel("Customer company").fill(`${customer} Ltd`);
  await rivalForm.getByLabel("Customer's web domain").fill(domain);
  await rivalForm.getByLabel("Contact at the customer").fill("Nia Northwind");
  await rivalForm.getByLabel("Contact's email").fill("nia@northwind.example");
  await rivalForm.getByLabel("Products").fill("Billing");
  await rivalForm.getByLabel("Expected value").fill("9000");
  await rivalForm.getByLabel("Expected close date").fill(closeOn);
  await rivalForm.getByRole("button", { name: "Register the deal" }).click();
  await expect(page.getByTestId("deal").filter({ hasText: customer }).getByTestId("deal-status")).toHaveText("Waiting for approval");
  await ready(page);
  await signOut(page);

  // The manager sees both: approves the first, cannot approve the rival
  // while the first is protected, and turns the rival down with a note.
  await signIn(page, reviewer);
  await navigate(page, "Work", "Deals");
  const firstRow = page.getByTestId("program-deal").filter({ has: page.getByRole("link", { name: first.company, exact: true }) });
  const rivalRow = page.getByTestId("program-deal").filter({ has: page.getByRole("link", { name: rival.company, exact: true }) });
  await expect(rivalRow.getByTestId("deal-conflict")).toContainText(first.company);
  await expect(rivalRow.getByTestId("deal-conflict")).toContainText(domain);
  await expectAccessible(page);
  // Turning a deal down needs a note: the message shows under that row only.
  await rivalRow.getByRole("button", { name: "Turn down" }).click();
  await expect(page.getByText("Say why the deal is turned down")).toHaveCount(1);
  await expect(page.getByTestId("program-deal").filter({ has: page.getByRole("link", { name: rival.company, exact: true }) }).getByText("Say why the deal is turned down")).toBeVisible();
  await ready(page);
  await firstRow.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByTestId("program-deal").filter({ has: page.getByRole("link", { name: first.company, exact: true }) }).getByTestId("deal-status")).toHaveText(/^Protected until \d{4}-\d\d-\d\d \(90 days left\)$/);
  await ready(page);
  await page.getByTestId("program-deal").filter({ has: page.getByRole("link", { name: rival.company, exact: true }) }).getByRole("button", { name: "Approve" }).click();
  await expect(page.getByRole("alert").filter({ hasText: `is protected for ${first.company}` })).toBeVisible();
  await ready(page);
  const rivalNow = page.getByTestId("program-deal").filter({ has: page.getByRole("link", { name: rival.company, exact: true }) });
  await rivalNow.getByLabel("Why it is turned down").fill(`${first.company} registered this customer first.`);
  await rivalNow.getByRole("button", { name: "Turn down" }).click();
  await expect(page.getByTestId("program-deal").filter({ has: page.getByRole("link", { name: rival.company, exact: true }) }).getByTestId("deal-status")).toHaveText("Not approved");
  await ready(page);
  await page.screenshot({ path: test.info().outputPath("manager-deals.png"), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: test.info().outputPath("manager-deals-phone.png"), fullPage: true });
  await page.setViewportSize({ width: 1366, height: 768 });
  await signOut(page);

  // The partner wins the deal, naming the customer as the revenue imports do.
  await signIn(page, first.owner);
  await goto(page, "/deals");
  const approved = page.getByTestId("deal").filter({ hasText: customer });
  await expect(approved.getByTestId("deal-status")).toContainText("Protected until");
  await expect(approved.getByLabel("Customer as your revenue imports name it")).toHaveValue(customer);
  await approved.getByRole("button", { name: "Mark as won" }).click();
  await expect(page.getByTestId("deal").filter({ hasText: customer }).getByTestId("deal-status")).toHaveText("Won");
  await ready(page);
  await signOut(page);

  // The manager imports the customer's invoice without naming a partner:
  // the won deal's partner gets it.
  await signIn(page, reviewer);
  await goto(page, "/manager/revenue");
  const today = new Date().toISOString().slice(0, 10);
  await page.getByLabel("…or paste the rows").fill(`partner,customer,date,amount,currency,kind,refunds,external_id\n,${customer},${today},1000.00,USD,invoice,,inv-${run}\n`);
  await page.getByRole("button", { name: "Import", exact: true }).click();
  await expect(page.getByText("Imported: 1 new event")).toBeVisible();
  await ready(page);
  await signOut(page);

  await signIn(page, first.owner);
  await expect(page.getByTestId("month-earnings")).toHaveText("$200.00");
  await goto(page, "/deals");
  await expect(page.getByTestId("deal").filter({ hasText: customer }).getByTestId("deal-revenue")).toContainText("$1,000.00");
  // The won deal names the invoice behind its revenue.
  const events = page.getByTestId("deal").filter({ hasText: customer }).getByTestId("deal-events");
  await events.locator("summary").click();
  await expect(events).toContainText(`inv-${run}`);
  await ready(page);
  await page.setViewportSize({ width: 390, height: 844 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth)).toBe(false);
  await page.screenshot({ path: test.info().outputPath("deals-phone.png"), fullPage: true });
});
