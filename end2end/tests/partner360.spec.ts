import { expect, test } from "@playwright/test";
import { approvedPartner, createAdmin, expectAccessible, expectNavigationInOneRow, goto, navigate, openPartner, signIn, signOut, uniqueEmail } from "./helpers";

test("a manager opens one partner's overview and walks its tabs, each saying whose page it is", async ({ page }, info) => {
  const manager = uniqueEmail("p360", info);
  createAdmin(manager);
  const { owner, company } = await approvedPartner(page, info, manager, "technology");

  await signIn(page, manager);
  // The partner list searches by name and orders by its headers, keeping
  // the search through each order.
  await goto(page, "/manager/partners");
  const search = page.getByRole("searchbox", { name: "Search partners by name" });
  await search.fill(company.toUpperCase());
  await search.press("Enter");
  const list = page.getByTestId("partners");
  await expect(list.locator("tbody tr")).toHaveCount(1);
  await expect(list).toContainText(company);
  await expect(search).toHaveValue(company.toUpperCase());
  const overdue = list.getByRole("columnheader", { name: "Overdue" });
  await overdue.getByRole("link").click();
  await expect(page).toHaveURL(/sort=overdue&dir=desc/);
  await expect(overdue).toHaveAttribute("aria-sort", "descending");
  await expect(search).toHaveValue(company.toUpperCase());
  await overdue.getByRole("link").click();
  await expect(overdue).toHaveAttribute("aria-sort", "ascending");
  await expectAccessible(page);
  await page.screenshot({ path: test.info().outputPath("partner-list-search.png"), fullPage: true });
  await page.getByRole("link", { name: "Clear search" }).click();
  await expect(page).not.toHaveURL(/q=/);
  await expect(page.getByRole("searchbox", { name: "Search partners by name" })).toHaveValue("");

  await openPartner(page, company);
  const header = page.getByTestId("partner-header");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(company);
  await expect(header).toContainText("Technology");
  await expect(header).toContainText("Registered state");
  await expect(header).toContainText(owner);
  await expect(page.getByTestId("partner-revenue")).toHaveText("None yet");
  await expect(page.getByTestId("overview-plan")).toContainText("0 of");
  await expect(page.getByTestId("overview-tickets")).toHaveText("No open tickets.");
  await expect(page.getByTestId("overview-team")).toContainText(owner);
  const tabs = page.getByRole("navigation", { name: "Partner pages" });
  await expect(tabs.getByRole("link", { name: "Overview" })).toHaveAttribute("aria-current", "page");
  // A technology partner builds an integration: its developer pages are tabs.
  await expect(tabs.getByRole("link", { name: "Integration" })).toBeVisible();
  await expectAccessible(page);
  await page.screenshot({ path: test.info().outputPath("partner-overview.png"), fullPage: true });

  for (const [tab, heading] of [
    ["Plan", "Onboarding plan"],
    ["Certification", "Certification"],
    ["Tickets", "Support"],
  ]) {
    await tabs.getByRole("link", { name: tab, exact: true }).click();
    await expect(page.getByRole("heading", { level: 1 })).toContainText(heading);
    await expect(page.getByTestId("partner-name")).toHaveText(company);
    await expect(tabs.getByRole("link", { name: tab, exact: true })).toHaveAttribute("aria-current", "page");
  }
  await expectAccessible(page);

  // On a phone the overview does not scroll sideways and the menu opens.
  await page.setViewportSize({ width: 390, height: 844 });
  await openPartner(page, company);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.getByTestId("phone-menu").locator("summary").click();
  await expect(page.getByTestId("phone-menu").getByRole("link", { name: "Partners", exact: true })).toBeVisible();
  await expectAccessible(page);
  await page.screenshot({ path: test.info().outputPath("partner-overview-phone.png"), fullPage: true });
  await page.setViewportSize({ width: 1366, height: 768 });
  await expectNavigationInOneRow(page);

  // The audit log narrows to one area and a search by who, what or subject.
  await navigate(page, "Program", "Audit log");
  await page.getByLabel("Area").selectOption("application");
  await page.getByRole("searchbox", { name: "Search by who, what or subject" }).fill(manager);
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page).toHaveURL(/area=application/);
  const audit = page.getByTestId("audit");
  await expect(audit).toContainText("Approved an application");
  await expect(audit).not.toContainText("Signed in");
  await expect(page.getByLabel("Area")).toHaveValue("application");
  await expectAccessible(page);
  await page.screenshot({ path: test.info().outputPath("audit-search.png"), fullPage: true });
  await signOut(page);

  // The partner's own menu groups its pages by task; its pages carry no
  // staff header, even when asked for with a partner's number.
  await signIn(page, owner);
  await navigate(page, "Build", "Developers");
  await expect(page).toHaveURL(/\/developers$/);
  const org = new URL(page.url()).origin;
  await goto(page, `${org}/plan?org=1`);
  await expect(page.getByTestId("partner-header")).toHaveCount(0);
  await signOut(page);

  // Administrators read the partner's own history on its Audit tab: its
  // approval and what its people did, under the partner's header.
  await signIn(page, manager);
  await openPartner(page, company);
  await page.getByRole("navigation", { name: "Partner pages" }).getByRole("link", { name: "Audit", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Audit log of this partner");
  await expect(page.getByTestId("partner-name")).toHaveText(company);
  const history = page.getByTestId("audit");
  await expect(history.locator("tr", { hasText: owner }).filter({ hasText: "Signed in" }).first()).toBeVisible();
  // Of the administrator's own entries, only the approval concerns it.
  await expect(history.locator("tbody tr", { hasText: manager })).toHaveCount(1);
  await expect(history.locator("tbody tr", { hasText: manager })).toContainText("Approved an application");
  await expectAccessible(page);
  await page.screenshot({ path: test.info().outputPath("partner-audit.png"), fullPage: true });
});
