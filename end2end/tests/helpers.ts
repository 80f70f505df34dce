import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { crc32, deflateSync } from "node:zlib";

const root = resolve(__dirname, "..", "..");
const bin = process.env.PP_BIN ?? join(root, "target", "debug", "partner-portal");
const outbox = process.env.APP_OUTBOX_DIR ?? join(root, "data", "outbox");

export const PASSWORD = "a long and private passphrase";

/** A unique address per test and per JavaScript mode. */
export function uniqueEmail(prefix: string, info: TestInfo): string {
  const n = `${Date.now()}${Math.floor(Math.random() * 1000)}`;
  return `${prefix}-${info.project.name}-${n}@example.com`;
}

/** Creates an administrator through the command line, as an operator would. */
export function createAdmin(email: string, password = PASSWORD, name = "Test Admin"): void {
  execFileSync(bin, ["admin", "create", "--email", email, "--name", name], {
    input: password + "\n",
    env: process.env,
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/** Waits until the page is usable in this project's mode. */
export async function ready(page: Page): Promise<void> {
  if (test.info().project.use.javaScriptEnabled !== false) {
    await expect(page.locator("main[data-hydrated='true']")).toHaveCount(1);
  }
}

export async function goto(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await ready(page);
}

export async function signIn(page: Page, email: string, password = PASSWORD): Promise<void> {
  await goto(page, "/login");
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("whoami")).toHaveText(email);
  await ready(page);
}

/** Follows a link of the main navigation: opens its group's menu, then the link. */
export async function navigate(page: Page, group: string, link: string): Promise<void> {
  const nav = page.getByRole("navigation", { name: "Main" });
  await nav.locator("summary", { hasText: group }).click();
  await nav.getByRole("link", { name: link, exact: true }).click();
  await ready(page);
}

/**
 * The main navigation fits one row: every visible link and menu of it sits
 * on the same line (the centres of a wrapped second row lie ~40 px lower).
 */
export async function expectNavigationInOneRow(page: Page): Promise<void> {
  const items = await page.getByRole("navigation", { name: "Main" }).evaluate((nav) =>
    [...nav.querySelectorAll("a, summary, button")]
      // The row is the links and each menu's summary; a menu's own links
      // drop below it by design.
      .filter((el) => el.tagName === "SUMMARY" || !el.closest("details"))
      .map((el) => ({ text: (el.textContent ?? "").trim(), rect: el.getBoundingClientRect() }))
      .filter(({ rect }) => rect.width > 0 && rect.height > 0)
      .map(({ text, rect }) => ({ text, centre: rect.top + rect.height / 2 })),
  );
  expect(items.length).toBeGreaterThan(2);
  const centres = items.map((i) => i.centre);
  expect(Math.max(...centres) - Math.min(...centres), JSON.stringify(items)).toBeLessThan(12);
}

/** As staff: opens a partner's overview from the partner list, then one of its tabs. */
export async function openPartner(page: Page, company: string, tab = "Overview"): Promise<void> {
  await goto(page, "/manager/partners");
  await page.getByTestId("partners").getByRole("link", { name: company, exact: true }).click();
  await ready(page);
  await expect(page.getByTestId("partner-name")).toHaveText(company);
  if (tab !== "Overview") {
    await page.getByRole("navigation", { name: "Partner pages" }).getByRole("link", { name: tab, exact: true }).click();
    await ready(page);
    await expect(page.getByTestId("partner-name")).toHaveText(company);
  }
}

/** The newest mailed link to `path` sent to `to`, read from the outbox folder. */
export async function mailedLink(to: string, path: string): Promise<string> {
  const url = new URL(await mailedUrl(to, path));
  return url.pathname + url.search;
}

/** The newest mail sent to `to`, as text. */
export async function latestMail(to: string): Promise<string> {
  const files = readdirSync(outbox)
    .filter((f) => f.endsWith(".eml"))
    .map((f) => join(outbox, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  for (const f of files) {
    const m = readFileSync(f, "utf8").replace(/=\r?\n/g, "").replace(/=3D/g, "=");
    if (m.toLowerCase().includes(`to: ${to.toLowerCase()}`)) return m;
  }
  throw new Error(`no mail to ${to}`);
}

/** The same link whole, host included (customers' links use their provider's domain). */
export async function mailedUrl(to: string, path: string): Promise<string> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    let files: string[] = [];
    try {
      files = readdirSync(outbox).filter((f) => f.endsWith(".eml"));
    } catch {
      files = [];
    }
    const mails = files
      .map((f) => join(outbox, f))
      .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)
      .map((f) => readFileSync(f, "utf8").replace(/=\r?\n/g, "").replace(/=3D/g, "="));
    for (const m of mails) {
      if (!m.toLowerCase().includes(`to: ${to.toLowerCase()}`)) continue;
      const match = m.match(new RegExp(`https?://[^\\s]+${path}\\?token=[A-Za-z0-9_-]+`));
      if (match) return match[0];
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no mail to ${to} with a link to ${path} in ${outbox}`);
}

/** Fills the public application form. */
export async function fillApplication(page: Page, company: string, email: string, website: string, model = "reseller") {
  await page.getByLabel("Company").fill(company);
  await page.getByLabel("Website").fill(website);
  await page.getByLabel("Your name").fill("Ada Applicant");
  await page.getByLabel("Your work email").fill(email);
  await page.getByLabel("Partner type").selectOption("reseller/var");
  await page.getByLabel("Category").selectOption("distribution_channels");
  await page.getByLabel("Integration option").selectOption("api");
  await page.getByLabel("Revenue model").selectOption(model);
  await page.getByLabel("Why partner with us?").fill("We resell to regional banks.");
}

export async function signOut(page: Page) {
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByText("You have signed out.")).toBeVisible();
  await ready(page);
}


/** Applies, confirms the address, and has `reviewer` (an admin) approve:
 *  returns the new partner owner's email and company, signed out. */
export async function approvedPartner(
  page: Page,
  info: TestInfo,
  reviewer: string,
  model = "reseller",
): Promise<{ owner: string; company: string }> {
  const owner = uniqueEmail("owner", info);
  const company = `Partner ${info.project.name} ${Date.now()}`;
  await goto(page, "/apply");
  await fillApplication(page, company, owner, "https://partner.example", model);
  await page.getByRole("button", { name: "Submit application" }).click();
  await expect(page.getByText("We have received your application.")).toBeVisible();
  await goto(page, await mailedLink(owner, "/welcome"));
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Repeat the password").fill(PASSWORD);
  await page.getByRole("button", { name: "Confirm and set password" }).click();
  await expect(page.getByText("your email address is confirmed")).toBeVisible();
  await ready(page);
  await signIn(page, reviewer);
  await goto(page, "/manager/applications");
  await page.getByRole("link", { name: company }).click();
  await ready(page);
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByTestId("status")).toHaveText("Approved");
  await ready(page);
  await signOut(page);
  return { owner, company };
}

/** Runs axe (WCAG 2.1 A and AA rules) on the page as it stands and fails
 *  with every violation and where it is. axe is a script: with JavaScript
 *  off, the page's HTML as served (its scripts removed, so nothing
 *  hydrates) is checked in a scripted page of the same origin instead. */
export async function expectAccessible(page: Page): Promise<void> {
  let target = page;
  let scripted: import("@playwright/test").BrowserContext | undefined;
  if (test.info().project.use.javaScriptEnabled === false) {
    const origin = new URL(page.url()).origin;
    const html = (await page.content())
      .replace(/<script\b[\s\S]*?<\/script>/gi, "")
      .replace(/<head>/i, `<head><base href="${origin}/">`);
    scripted = await page.context().browser()!.newContext({
      javaScriptEnabled: true,
      bypassCSP: true,
      viewport: page.viewportSize(),
    });
    target = await scripted.newPage();
    await target.goto(`${origin}/healthz`);
    await target.setContent(html, { waitUntil: "load" });
  }
  try {
    const results = await new AxeBuilder({ page: target })
      .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
      .analyze();
    const found = results.violations.map(
      (v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(" | ")}`,
    );
    expect(found, `axe on ${page.url()}`).toEqual([]);
  } finally {
    await scripted?.close();
  }
}

/**
 * A PNG drawn in code, shaped like a screen of an app: a coloured top bar,
 * a grey side bar and a few cards. Real bytes for upload tests, with no
 * binary file in the repository.
 */
export function appPng(width: number, height: number, accent: [number, number, number]): Buffer {
  const row = width * 3 + 1;
  const raw = Buffer.alloc(row * height);
  for (let y = 0; y < height; y++) {
    raw[y * row] = 0;
    for (let x = 0; x < width; x++) {
      let c: [number, number, number] = [255, 255, 255];
      if (y < height / 8) c = accent;
      else if (x < width / 5) c = [226, 232, 240];
      else if ((x - width / 5) % (width / 4) > 8 && (y - height / 8) % (height / 3) > 8 && y % (height / 3) < height / 4) {
        c = [241, 245, 249];
      }
      raw.set(c, y * row + 1 + x * 3);
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** Whether every image matched has loaded with pixels. */
export async function expectImagesLoaded(page: Page, selector: string): Promise<void> {
  await expect
    .poll(() => page.locator(selector).evaluateAll((imgs) => imgs.length > 0 && imgs.every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0)))
    .toBe(true);
}
