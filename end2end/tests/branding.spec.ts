import { expect, request, test } from "@playwright/test";
import { readFileSync, writeFileSync } from "node:fs";
import { approvedPartner, createAdmin, expectAccessible, goto, latestMail, mailedUrl, navigate, PASSWORD, ready, signIn } from "./helpers";

// An 8×4 blue PNG.
const LOGO = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAgAAAAECAIAAAA8r+mnAAAAEUlEQVR4nGPgtp2IFTFQTwIAPC8bIbRyBGAAAAAASUVORK5CYII=", "base64");

/** Publishes a TXT record in the tests' DNS server (see dns-server.mjs). */
function publishTxt(name: string, value: string) {
  const file = process.env.E2E_DNS_RECORDS;
  if (!file) throw new Error("E2E_DNS_RECORDS is not set: run the tests through .ci/test");
  const records = JSON.parse(readFileSync(file, "utf8"));
  records[name] = value;
  writeFileSync(file, JSON.stringify(records));
}

test("a white-label partner brands its portal, verifies its domain, and the domain serves the brand", async ({ page }, info) => {
  const manager = `brand-admin-${info.project.name}-${Date.now()}@example.com`;
  createAdmin(manager);
  const { owner } = await approvedPartner(page, info, manager, "white_label");
  const domain = `acme-${info.project.name}-${Date.now()}.test`;
  const display = `Acme Cloud ${info.project.name}`;

  await signIn(page, owner);
  await navigate(page, "Build", "Branding");
  await page.getByLabel("Display name").fill(display);
  await page.getByLabel("Primary colour").fill("#7dd3fc");
  if (info.project.name === "hydrated") {
    // The preview follows the colours as they are typed.
    await expect(page.locator('link[href^="/brand.css?primary="]')).toHaveAttribute("href", /%237dd3fc/);
  }
  await page.getByRole("button", { name: "Save brand" }).click();
  await expect(page.getByText(/White text on #7dd3fc has a contrast of .* it needs 4\.5:1/)).toBeVisible();
  await ready(page);
  await page.getByLabel("Display name").fill(display);
  await page.getByLabel("Primary colour").fill("#0b3d91");
  await page.getByLabel("Accent colour").fill("#b45309");
  await page.getByLabel("Support email").fill("help@acme.example");
  await page.getByRole("button", { name: "Save brand" }).click();
  await expect(page.getByText("Brand saved.")).toBeVisible();
  await ready(page);

  await page.getByLabel(/PNG, JPEG or WebP/).setInputFiles({ name: "logo.png", mimeType: "image/png", buffer: LOGO });
  await page.getByRole("button", { name: "Upload logo" }).click();
  await expect(page.getByText("Logo saved.")).toBeVisible();
  await expect(page.getByTestId("current-logo")).toBeVisible();
  await ready(page);

  await page.getByLabel("Add a domain").fill(domain.toUpperCase());
  await page.getByRole("button", { name: "Add domain" }).click();
  await expect(page.getByText("Domain added.")).toBeVisible();
  await ready(page);
  await page.getByRole("button", { name: "Verify now" }).click();
  await expect(page.getByTestId("domain-status")).toContainText("No TXT record");
  await ready(page);
  const name = await page.getByTestId("txt-name").innerText();
  const value = await page.getByTestId("txt-value").innerText();
  expect(name).toBe(`_partner-portal-challenge.${domain}`);
  publishTxt(name, value);
  await page.getByRole("button", { name: "Verify now" }).click();
  await expect(page.getByText("Domain verified: it now serves your brand.")).toBeVisible();
  await expect(page.getByTestId("domain-status")).toContainText("Verified");
  await ready(page);
  await expectAccessible(page);
  await page.screenshot({ path: test.info().outputPath("branding.png"), fullPage: true });

  // The partner's domain: its name, logo, colours and support contact.
  const base = new URL(page.url());
  await goto(page, `http://${domain}:${base.port}/login`);
  await expect(page.getByTestId("brand-name")).toContainText(display);
  await expect(page.getByTestId("brand-name").locator("img")).toBeVisible();
  await expect(page.getByTestId("brand-support")).toContainText("help@acme.example");
  await expect(page).toHaveTitle(`Sign in · ${display}`);
  const button = page.getByRole("button", { name: "Sign in" });
  await expect(button).toHaveCSS("background-color", "rgb(11, 61, 145)");
  await expectAccessible(page);
  await page.screenshot({ path: test.info().outputPath("domain-login.png"), fullPage: true });
  await expect(page.getByRole("link", { name: "Become a partner" })).toHaveCount(0);

  // The invitation in the partner's own words: placeholders are checked.
  await goto(page, `${base.origin}/branding`);
  await page.getByText("Invitation (built-in wording)").click();
  await page.getByLabel("Invitation subject").fill("Your {{ month }} invitation");
  await page.getByRole("button", { name: "Save invitation" }).click();
  await expect(page.getByText("Unknown placeholder {{ month }}").first()).toBeVisible();
  await ready(page);
  if (!(await page.getByLabel("Invitation subject").isVisible())) await page.getByText("Invitation (built-in wording)").click();
  await page.getByLabel("Invitation subject").fill("Come aboard {{ brand_name }}");
  await page.getByRole("button", { name: "Save invitation" }).click();
  await expect(page.getByText("Email saved.")).toBeVisible();
  await expect(page.getByTestId("preview-invitation")).toContainText(`Come aboard ${display}`);
  await ready(page);

  // A customer invited by the partner signs in on the domain and sees only its brand.
  const customer = `carol-${info.project.name}-${Date.now()}@customer.example`;
  await page.getByLabel("Customer's email").fill(customer);
  await page.getByLabel("Customer's name").fill("Carol Customer");
  await page.getByRole("button", { name: "Invite customer" }).click();
  await expect(page.getByText("Invitation sent.")).toBeVisible();
  await ready(page);
  const link = await mailedUrl(customer, "/invitation");
  expect(await latestMail(customer)).toContain(`Subject: Come aboard ${display}`);
  expect(new URL(link).hostname).toBe(domain);
  await goto(page, link);
  await expect(page.getByTestId("brand-name")).toContainText(display);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Repeat the password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create my account" }).click();
  await expect(page.getByText("Your account is ready.")).toBeVisible();
  await ready(page);
  await page.getByLabel("Email address").fill(customer);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("whoami")).toHaveText(customer);
  await ready(page);
  await expect(page.getByTestId("customer-of")).toHaveText(display);
  await expect(page.getByTestId("brand-support")).toContainText("help@acme.example");
  await expect(page.getByText("Partner Portal")).toHaveCount(0);
  await expectAccessible(page);
  await page.screenshot({ path: test.info().outputPath("customer-home.png"), fullPage: true });

  // The partner assigns an agent to the customer through the API (its owner
  // is still signed in on the program's host); the customer sees it, with
  // its trust score and what moved it, on the partner's domain.
  await goto(page, `${base.origin}/developers`);
  await page.getByLabel("Name").fill("Customer agents");
  await page.getByRole("button", { name: "Create key" }).click();
  const key = (await page.getByTestId("new-key").textContent())!.trim();
  const api = await request.newContext({ baseURL: base.origin, extraHTTPHeaders: { Authorization: `Bearer ${key}` } });
  const agent = await (await api.post("/api/v1/agents", { data: { name: "Carol's assistant", customer } })).json();
  expect(agent.customer).toBe(customer);
  const moved = await api.post("/api/v1/events", { data: { event_id: "c-1", agent_id: agent.id, outcome: "timeout" } });
  expect(moved.status()).toBe(200);
  await api.dispose();
  await goto(page, `http://${domain}:${base.port}/agents`);
  await expect(page.getByTestId("customer-agent")).toHaveCount(1);
  await expect(page.getByTestId("customer-agent")).toContainText("Carol's assistant");
  await expect(page.getByTestId("trust-score")).toHaveText("490");
  await expect(page.getByTestId("trust-history")).toContainText("500 → 490");
  await expectAccessible(page);
  await page.screenshot({ path: test.info().outputPath("customer-agents.png"), fullPage: true });

  // The program's own host keeps the program's look, and knows no such customer.
  await goto(page, `${base.origin}/login`);
  await expect(page.getByTestId("brand-name")).toHaveText("Partner Portal");
});
