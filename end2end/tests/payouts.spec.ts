import { expect, test } from "@playwright/test";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expectAccessible, PASSWORD, ready } from "./helpers";

// Closing statements and approving payouts needs months of history, which a
// partner approved today cannot have: this flow runs against a server of its
// own whose database `partner-portal seed --demo` filled (a year of revenue
// for twelve partners), on the same engine as the rest of the suite.

const bin = process.env.PP_BIN!;

type Seeded = { base: string; server: ChildProcess; cleanup: () => void };

async function seededServer(): Promise<Seeded> {
  const work = mkdtempSync(join(tmpdir(), "pp-payouts-"));
  const shared = process.env.DATABASE_URL ?? "";
  let database = `sqlite://${work}/portal.db`;
  let dropDb = () => {};
  if (shared.startsWith("postgres")) {
    const name = `pp_e2e_payouts_${Date.now()}_${Math.floor(Math.random() * 1000)}`;
    const admin = new URL(shared);
    admin.pathname = "/postgres";
    execFileSync("psql", [admin.toString(), "-qc", `CREATE DATABASE ${name}`]);
    const url = new URL(shared);
    url.pathname = `/${name}`;
    database = url.toString();
    dropDb = () => execFileSync("psql", [admin.toString(), "-qc", `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]);
  }
  const port = 3300 + Math.floor(Math.random() * 600);
  const base = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    DATABASE_URL: database,
    LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
    APP_PUBLIC_URL: base,
    APP_OUTBOX_DIR: join(work, "outbox"),
  };
  execFileSync(bin, ["seed", "--demo", "--password-stdin"], { input: PASSWORD + "\n", env, stdio: ["pipe", "pipe", "pipe"] });
  const server = spawn(bin, [], { env, stdio: "ignore" });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`seeded server at ${base} not ready`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    base,
    server,
    cleanup: () => {
      server.kill();
      try {
        dropDb();
      } catch {
        // the server may still hold a connection for a moment; the database is named per run
      }
      rmSync(work, { recursive: true, force: true });
    },
  };
}

test("a manager closes the past months' statements and approves their payouts together, each after a confirmation naming the total, then finds them in the list of every statement", async ({ page }) => {
  test.setTimeout(180_000);
  const seeded = await seededServer();
  try {
    await page.goto(`${seeded.base}/login`);
    await ready(page);
    await page.getByLabel("Email address").fill("manager@demo.example");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByTestId("whoami")).toHaveText("manager@demo.example");
    await ready(page);

    await page.goto(`${seeded.base}/manager/revenue`);
    await ready(page);
    // Closing is asked twice: the first button only says what will happen.
    const close = page.locator("summary", { hasText: /Close (all \d+ statements|the statement) of past months/ });
    await close.click();
    await expect(page.getByText(/this cannot be undone/)).toBeVisible();
    await page.getByRole("button", { name: /^Close \d+ statements?$/ }).click();
    await expect(page.getByText(/^Closed \d+ statements?\.$/)).toBeVisible();
    await ready(page);

    // The payouts the closing made wait for approval; one action approves
    // all that the page lists, after naming how many and their total.
    const approve = page.locator("summary", { hasText: /^Approve the \d+ payouts? listed/ });
    await expect(approve).toBeVisible();
    const listed = Number((await approve.textContent())!.match(/Approve the (\d+) payout/)![1]);
    expect(listed).toBeGreaterThan(1);
    await approve.click();
    await expect(page.getByText(new RegExp(`Approve ${listed} payouts totalling \\$[\\d,]+\\.\\d\\d`))).toBeVisible();
    await expectAccessible(page);
    await page.getByRole("button", { name: new RegExp(`^Approve ${listed} payouts: \\$[\\d,]+\\.\\d\\d`) }).click();
    await expect(page.getByText(`Approved ${listed} payouts; each is ready to be paid.`)).toBeVisible();
    await ready(page);
    // Approved payouts now wait to be paid; any beyond the page's first
    // fifty still wait for approval, fewer than before.
    await expect(page.getByTestId("payouts").getByRole("button", { name: "Mark as paid" }).first()).toBeVisible();
    const rest = page.locator("summary", { hasText: /^Approve the \d+ payouts? listed/ });
    if ((await rest.count()) > 0) {
      expect(Number((await rest.textContent())!.match(/Approve the (\d+) payout/)![1])).toBeLessThan(listed);
    }
    await expectAccessible(page);
    await page.screenshot({ path: test.info().outputPath("payouts-approved.png"), fullPage: true });

    // Every statement, narrowed to the approved payouts, searched by partner
    // and ordered on the server; each choice keeps the others.
    await page.getByRole("link", { name: "Every statement, to search and sort" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Statements");
    await ready(page);
    const statements = page.getByTestId("statements");
    await expect(page.getByTestId("page-of")).toContainText(/Page 1 of \d+ \([\d,]+ statements\)/);
    await page.getByLabel("Show").selectOption({ label: "Payout approved, not paid" });
    await page.getByRole("button", { name: "Search" }).click();
    await expect(page).toHaveURL(/show=payment/);
    const partner = (await statements.locator("tbody tr td").first().textContent())!.trim();
    const search = page.getByRole("searchbox", { name: "Search by partner" });
    await search.fill(partner.toLowerCase());
    await search.press("Enter");
    await expect(page).toHaveURL(/q=/);
    await expect(statements.locator("tbody tr").first()).toBeVisible();
    for (const row of await statements.locator("tbody tr").all()) {
      await expect(row.locator("td").first()).toHaveText(partner);
      await expect(row).toContainText("Approved");
    }
    const commission = statements.getByRole("columnheader", { name: "Commission" });
    await commission.getByRole("link").click();
    await expect(page).toHaveURL(/sort=commission&dir=desc/);
    await expect(page).toHaveURL(/show=payment/);
    await expect(commission).toHaveAttribute("aria-sort", "descending");
    await expect(search).toHaveValue(partner.toLowerCase());
    await expect(page.getByLabel("Show")).toHaveValue("payment");
    const amounts = await statements.locator("tbody tr td:nth-child(5)").allTextContents();
    const minor = amounts.map((a) => Number(a.replace(/[^\d-]/g, "")));
    expect(minor).toEqual([...minor].sort((a, b) => b - a));
    await expectAccessible(page);
    await page.screenshot({ path: test.info().outputPath("statement-list.png"), fullPage: true });
    await search.fill("no such partner");
    await search.press("Enter");
    await expect(page.getByTestId("statements-empty")).toBeVisible();
    await page.getByRole("link", { name: "Clear search" }).click();
    await expect(page).not.toHaveURL(/q=|show=/);
    await expect(page.getByLabel("Show")).toHaveValue("all");
    await page.goto(`${seeded.base}/manager/revenue`);
    await ready(page);

    // On a phone the program page does not scroll sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${seeded.base}/manager/revenue`);
    await ready(page);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await expectAccessible(page);
    await page.screenshot({ path: test.info().outputPath("program-phone.png"), fullPage: true });
    await page.goto(`${seeded.base}/manager/statements?show=payment`);
    await ready(page);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await expectAccessible(page);
    await page.screenshot({ path: test.info().outputPath("statement-list-phone.png"), fullPage: true });
  } finally {
    seeded.cleanup();
  }
});
