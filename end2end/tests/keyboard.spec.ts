import { expect, test, type Locator, type Page } from "@playwright/test";
import { approvedPartner, createAdmin, expectAccessible, goto, PASSWORD, ready, signOut, uniqueEmail } from "./helpers";

// The main flows by keyboard alone: every control is reached with Tab in
// the page's order, menus open with Enter, choices move with the arrow
// keys, and forms are sent with Enter. Nothing is clicked.

/** Presses Tab until `target` has the focus; fails if Tab never reaches it. */
async function tabTo(page: Page, target: Locator, most = 80): Promise<void> {
  for (let i = 0; i < most; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`Tab never reached ${target}`);
}

async function signInByKeyboard(page: Page, email: string) {
  await goto(page, "/login");
  await tabTo(page, page.getByLabel("Email address"));
  await page.keyboard.type(email);
  await tabTo(page, page.getByLabel("Password"));
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("whoami")).toHaveText(email);
  await ready(page);
}

test("a partner opens a ticket and a manager finds and orders it in the queue, by keyboard alone", async ({ page }, info) => {
  const manager = uniqueEmail("keys-mgr", info);
  createAdmin(manager);
  const { owner, company } = await approvedPartner(page, info, manager, "technology");
  const subject = `Keyboard ${info.project.name} ${Date.now()}`;

  // The partner: sign in, open the Help menu, go to Support, open a ticket.
  await signInByKeyboard(page, owner);
  const nav = page.getByRole("navigation", { name: "Main" });
  const help = nav.locator("summary", { hasText: "Help" });
  await tabTo(page, help);
  await page.keyboard.press("Enter");
  const support = nav.getByRole("link", { name: "Support", exact: true });
  await tabTo(page, support);
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Support");
  await ready(page);
  const form = page.getByTestId("open-ticket");
  await tabTo(page, form.getByLabel("Subject"));
  await page.keyboard.type(subject);
  // Tab enters the severity choices at the one chosen; arrows move up.
  await tabTo(page, form.locator('input[name="severity"]:checked'));
  await page.keyboard.press("ArrowUp");
  await page.keyboard.press("ArrowUp");
  await expect(form.getByLabel(/Tier 1 — critical/)).toBeChecked();
  await tabTo(page, form.getByLabel("Description"));
  await page.keyboard.type("Typed without a mouse.");
  await tabTo(page, page.getByRole("button", { name: "Open ticket" }));
  await page.keyboard.press("Enter");
  await expect(page.getByText("Ticket opened.")).toBeVisible();
  await expect(page.getByTestId("ticket-subject")).toContainText(subject);
  await ready(page);
  await signOut(page);

  // The manager: search the queue, then order it by a header link.
  await signInByKeyboard(page, manager);
  await goto(page, "/support/queue");
  const search = page.getByRole("searchbox", { name: "Search by subject or partner" });
  await tabTo(page, search);
  await page.keyboard.type(company);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/q=/);
  await ready(page);
  const list = page.getByTestId("ticket-list");
  await expect(list.locator("tbody tr")).toHaveCount(1);
  const severity = list.getByRole("columnheader", { name: "Severity" }).getByRole("link");
  await tabTo(page, severity);
  await page.keyboard.press("Enter");
  await expect(list.getByRole("columnheader", { name: "Severity" })).toHaveAttribute("aria-sort", "ascending");
  await ready(page);
  const ticket = list.getByRole("link", { name: subject });
  await tabTo(page, ticket);
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("ticket-subject")).toContainText(subject);
  await expectAccessible(page);
});
