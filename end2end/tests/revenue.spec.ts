import { expect, test } from "@playwright/test";
import { readFileSync } from "node:fs";
import { approvedPartner, createAdmin, expectAccessible, expectNavigationInOneRow, goto, openPartner, ready, signIn, signOut, uniqueEmail } from "./helpers";

test("a manager imports revenue after fixing a bad row; the partner sees the dashboard and downloads the statement", async ({ page }, info) => {
  const manager = uniqueEmail("revenue", info);
  createAdmin(manager);
  const { owner, company } = await approvedPartner(page, info, manager);
  const today = new Date().toISOString().slice(0, 10);
  const month = new Date().toLocaleString("en-GB", { month: "long", year: "numeric", timeZone: "UTC" });
  const id = `${info.project.name}-${Date.now()}`;
  const rows = (refund: string) =>
    "partner,customer,date,amount,currency,kind,refunds,external_id\n" +
    `${company},Globex,${today},1000.00,USD,invoice,,inv-${id}\n` +
    `${company},Globex,${today},${refund},USD,refund,inv-${id},ref-${id}\n` +
    `${company},Initech,${today},250.00,USD,invoice,,inv2-${id}\n`;

  // A refund larger than its invoice: the whole file is refused, row by row.
  await signIn(page, manager);
  await goto(page, "/manager/revenue");
  await page.getByLabel("CSV file").setInputFiles({ name: "revenue.csv", mimeType: "text/csv", buffer: Buffer.from(rows("1500.00")) });
  await page.getByRole("button", { name: "Import", exact: true }).click();
  await expect(page.getByTestId("import-refused")).toContainText("Nothing was imported");
  await expect(page.getByTestId("import-errors")).toContainText("exceeds what remains refundable");
  await expect(page.getByTestId("import-errors").locator("td").first()).toHaveText("3");
  await ready(page);
  await expectAccessible(page);
  await page.screenshot({ path: test.info().outputPath("import-refused.png"), fullPage: true });

  // Fixed and checked first: the check says where the lines would land
  // and imports nothing.
  await goto(page, "/manager/revenue");
  await expect(page.getByTestId("imports")).toContainText("Refused: 1 problem");
  await page.getByLabel("…or paste the rows").fill(rows("100.00"));
  await page.getByRole("button", { name: "Check without importing" }).click();
  await expect(page.getByTestId("check-result")).toHaveText(
    "No problem found. Importing would add 3 new events to 1 statement of 1 partner. Nothing has been imported yet.",
  );
  await expect(page.getByTestId("check-statements")).toContainText(company);
  await expect(page.getByTestId("check-statements")).toContainText(month);
  await ready(page);
  await expectAccessible(page);
  await page.screenshot({ path: test.info().outputPath("import-check.png"), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: test.info().outputPath("import-check-phone.png"), fullPage: true });
  await page.setViewportSize({ width: 1366, height: 768 });

  // Then imported.
  await goto(page, "/manager/revenue");
  await expect(page.getByTestId("imports")).toContainText("Refused: 1 problem");
  await page.getByLabel("…or paste the rows").fill(rows("100.00"));
  await page.getByRole("button", { name: "Import", exact: true }).click();
  await expect(page.getByText("Imported: 3 new events.")).toBeVisible();
  await ready(page);
  // Every import is listed, newest first, and can be narrowed to the refused.
  await goto(page, "/manager/revenue");
  await page.getByRole("link", { name: "Every import" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Revenue imports");
  await expect(page.getByTestId("import-list").locator("tr", { hasText: "3 new, 0 already recorded" }).first()).toBeVisible();
  await ready(page);
  await page.getByLabel("Show", { exact: true }).selectOption("refused");
  await page.getByRole("button", { name: "Show imports" }).click();
  await expect(page).toHaveURL(/show=refused/);
  const refusedRows = page.getByTestId("import-list").locator("tbody tr");
  await expect(refusedRows.filter({ hasText: "revenue.csv" }).first()).toBeVisible();
  for (const row of await refusedRows.all()) await expect(row).toContainText("Refused: ");
  await expectAccessible(page);
  await page.screenshot({ path: test.info().outputPath("import-list.png"), fullPage: true });
  await goto(page, "/manager/revenue");
  await expect(page.getByText(`${company}`).first()).toBeVisible();
  await expectAccessible(page);
  await page.screenshot({ path: test.info().outputPath("manager-revenue.png"), fullPage: true });
  await signOut(page);

  // The partner: 20 % of 1000.00 − 100.00 + 250.00, on the home page first.
  await signIn(page, owner);
  await expect(page.getByTestId("month-earnings")).toHaveText("$230.00");
  await expect(page.getByTestId("next-payout")).toContainText("None waiting");
  await expectAccessible(page);
  await page.screenshot({ path: test.info().outputPath("partner-home.png"), fullPage: true });
  await goto(page, "/revenue");
  await expect(page.getByTestId("mtd")).toHaveText("$230.00");
  await expect(page.getByTestId("trend-chart")).toHaveAttribute("aria-label", /total \$230\.00/);
  await expect(page.getByTestId("customers")).toContainText("Globex");
  await expect(page.getByTestId("customers")).toContainText("Initech");
  await expect(page.getByTestId("bonus")).toContainText("no volume-bonus schedule");
  await expectAccessible(page);
  await page.screenshot({ path: test.info().outputPath("partner-dashboard.png"), fullPage: true });

  await page.getByTestId("statements").getByRole("link", { name: month, exact: true }).click();
  await ready(page);
  // The summary says where the amount comes from; subtotals by customer
  // put the largest first; each line shows its base, rate and amount.
  await expect(page.getByTestId("gross")).toHaveText("$1,250.00");
  await expect(page.getByTestId("commission")).toHaveText("$250.00");
  await expect(page.getByTestId("clawbacks")).toHaveText("-$20.00");
  await expect(page.getByTestId("lines-total")).toHaveText("$230.00");
  await expect(page.getByTestId("by-customer").locator("tbody tr").first()).toContainText("Globex");
  const refundRow = page.getByTestId("lines").locator("tr[data-line]", { hasText: `ref-${id}` });
  await expect(refundRow.locator("td").nth(2)).toHaveText("-$100.00");
  await expect(refundRow.locator("td").nth(3)).toHaveText("20 %");
  const refund = page.getByTestId("lines").locator("details", { hasText: `ref-${id}` });
  await refund.locator("summary").click();
  await expect(refund).toContainText("-$100.00 × 20 % = -20.000000 exactly");
  await expect(refund).toContainText(`Refunds invoice inv-${id}`);
  await expectAccessible(page);
  await page.screenshot({ path: test.info().outputPath("statement.png"), fullPage: true });

  // The printable statement: every line, and no menus on paper.
  const statementUrl = page.url();
  await page.getByRole("link", { name: "Printable statement" }).click();
  await expect(page.getByRole("heading", { name: "Lines (3)" })).toBeVisible();
  await expect(page.getByTestId("lines").locator("tr[data-line]")).toHaveCount(3);
  await expectAccessible(page);
  await page.emulateMedia({ media: "print" });
  await expect(page.getByRole("navigation", { name: "Main" })).toBeHidden();
  await expect(page.getByTestId("lines-total")).toBeVisible();
  await page.screenshot({ path: test.info().outputPath("statement-print.png"), fullPage: true });
  await page.emulateMedia({ media: "screen" });
  const printUrl = page.url();

  // On a phone neither the statement nor the dashboard scrolls sideways:
  // wide tables scroll inside a region that the keyboard reaches.
  await page.setViewportSize({ width: 390, height: 844 });
  for (const [path, shot] of [[statementUrl, "statement-phone"], [printUrl, "statement-print-phone"], ["/revenue", ""]]) {
    await goto(page, path);
    expect(await page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(390);
    if (shot) await page.screenshot({ path: test.info().outputPath(`${shot}.png`), fullPage: true });
  }
  const statements = page.getByRole("group", { name: "statements" });
  await statements.focus();
  await expect(statements).toBeFocused();
  await expect(page.getByTestId("statements").getByRole("columnheader", { name: "Commission" })).toHaveClass(/text-right/);
  await expectAccessible(page);
  await page.screenshot({ path: test.info().outputPath("partner-dashboard-phone.png"), fullPage: true });
  await page.setViewportSize({ width: 1366, height: 768 });
  await expectNavigationInOneRow(page);
  await goto(page, statementUrl);

  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download CSV" }).click()]);
  expect(download.suggestedFilename()).toMatch(/^statement-.*\.csv$/);
  const csv = readFileSync(await download.path(), "utf8");
  expect(csv).toContain(`clawback,Globex,ref-${id}`);
  expect(csv).toContain("lines_total");
  expect(csv).toContain("230.00,USD");
});

test("a manager sets new terms and records one event, with errors shown next to the fields", async ({ page }, info) => {
  const manager = uniqueEmail("terms", info);
  createAdmin(manager);
  const { owner, company } = await approvedPartner(page, info, manager);
  const id = `${info.project.name}-${Date.now()}`;
  await signIn(page, manager);
  await openPartner(page, company, "Revenue");
  await expect(page.getByTestId("current-terms")).toContainText("Version 1");
  await page.getByLabel("Margin on list price (%)").fill("35");
  await page.getByRole("button", { name: "Save new version" }).click();
  await expect(page.getByText("Use a rate from 20 % to 30 %.")).toBeVisible();
  await ready(page);
  // A past day needs a reason (an administrator's); what was typed stays.
  const today = await page.getByLabel("Takes effect on").inputValue();
  await page.getByLabel("Takes effect on").fill("2020-01-01");
  await page.getByLabel("Margin on list price (%)").fill("25");
  await page.getByRole("button", { name: "Save new version" }).click();
  await expect(page.getByText("Say why these terms take effect in the past")).toBeVisible();
  await ready(page);
  await expect(page.getByLabel("Takes effect on")).toHaveValue("2020-01-01");
  await expect(page.getByLabel("Reason for a past date")).toBeVisible();
  await page.getByLabel("Takes effect on").fill(today);
  await page.getByLabel("Margin on list price (%)").fill("25");
  await page.getByLabel("Quarterly volume bonus").fill("1000.00 = 50.00\n5000.00 = 400.00");
  await page.getByRole("button", { name: "Save new version" }).click();
  await expect(page.getByText("New terms saved.")).toBeVisible();
  await expect(page.getByTestId("current-terms")).toContainText("Version 2");
  await expect(page.getByTestId("current-terms")).toContainText("25 % margin");
  await ready(page);

  await goto(page, "/manager/revenue");
  await page.getByLabel("Partner", { exact: true }).selectOption({ label: company });
  await page.getByLabel("Customer", { exact: true }).fill("Globex");
  await page.getByLabel("Amount").fill("12.345");
  await page.getByLabel("External id").fill(`one-${id}`);
  await page.getByRole("button", { name: "Record" }).click();
  await expect(page.getByText("USD has 2 decimal places; the amount has more.")).toBeVisible();
  await ready(page);
  await page.getByLabel("Amount").fill("400.00");
  await page.getByLabel("Customer", { exact: true }).fill("Globex");
  await page.getByLabel("External id").fill(`one-${id}`);
  await page.getByLabel("Partner", { exact: true }).selectOption({ label: company });
  await page.getByRole("button", { name: "Record" }).click();
  await expect(page.getByText("Revenue recorded.")).toBeVisible();
  await ready(page);
  await signOut(page);

  await signIn(page, owner);
  await goto(page, "/revenue");
  await expect(page.getByTestId("mtd")).toHaveText("$100.00");
  await expect(page.getByTestId("bonus")).toContainText("$600.00 to go; reaching it pays a bonus of $50.00");
});

test("an upload turned away unread says why on the form and names the limits before anything is sent", async ({ page }, info) => {
  const manager = uniqueEmail("import-limits", info);
  createAdmin(manager);
  await signIn(page, manager);
  await goto(page, "/manager/revenue");
  const file = page.getByLabel("CSV file");
  // The navigation says where the manager is, to the eye and to screen readers.
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.locator("summary", { hasText: "Money" })).toHaveAttribute("aria-current", "true");
  await expect(nav.locator('a[href="/manager/revenue"]').first()).toHaveAttribute("aria-current", "page");
  await expect(nav.getByRole("link", { name: "Home", exact: true })).not.toHaveAttribute("aria-current", /.*/);
  await expect(page.locator("#import-limits")).toHaveText("A CSV file in UTF-8 of at most 2 MiB and 5,000 rows; split larger files.");
  await expect(file).toHaveAttribute("aria-describedby", "import-limits");
  const submit = () => page.getByRole("button", { name: "Import", exact: true }).click();

  // Nothing chosen and nothing pasted.
  await submit();
  await expect(page.getByTestId("import-refused")).toHaveText("Nothing was imported: choose a CSV file or paste rows.");
  await expect(page).toHaveURL(/\/manager\/revenue\?import_refused=empty#import$/);
  await expect(file).toHaveAttribute("aria-invalid", "true");
  await expect(file).toHaveAttribute("aria-describedby", "import-error import-limits");

  // Saved from a spreadsheet as Latin-1.
  const header = "partner,customer,date,amount,currency,kind,refunds,external_id\n";
  await file.setInputFiles({ name: "latin1.csv", mimeType: "text/csv", buffer: Buffer.from(header + "Acme,Société Générale,2026-01-02,10,USD,invoice,,inv-1\n", "latin1") });
  await submit();
  await expect(page.getByTestId("import-refused")).toContainText('not UTF-8 text. Save it from your spreadsheet as "CSV UTF-8"');

  // Three megabytes.
  await file.setInputFiles({ name: "big.csv", mimeType: "text/csv", buffer: Buffer.from(header + "Acme,Globex,2026-01-02,10.00,USD,invoice,,inv-000000001\n".repeat(56_000)) });
  await submit();
  await expect(page.getByTestId("import-refused")).toHaveText("Nothing was imported: the file is larger than 2 MiB. Split it into files of at most 5,000 rows and import each.");
  await ready(page);
  await expectAccessible(page);
  await page.screenshot({ path: test.info().outputPath("import-too-large.png"), fullPage: true });
});
