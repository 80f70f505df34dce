import { expect, request, test } from "@playwright/test";
import SwaggerParser from "@apidevtools/swagger-parser";
import { createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { approvedPartner, createAdmin, expectAccessible, goto, ready, signIn, uniqueEmail } from "./helpers";

type Hit = { headers: IncomingHttpHeaders; body: string };

/** A webhook receiver on a loopback port that records what it gets. */
async function receiver(): Promise<{ url: string; hits: Hit[]; server: Server }> {
  const hits: Hit[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      hits.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/hooks`, hits, server };
}

/** The receiver check from the "Verify your receiver" page, for Node. */
function verify(secret: string, id: string, timestamp: string, body: string, header: string): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
  return header.split(" ").some((s) => s === `v1,${expected}`);
}

test("a partner creates a sandbox key, calls the API, watches trust scores and receives signed webhooks", async ({ page, baseURL }, info) => {
  const admin = uniqueEmail("admin", info);
  createAdmin(admin);
  const { owner } = await approvedPartner(page, info, admin);
  await signIn(page, owner);

  // Keys: the secret shows once, then only its start.
  await goto(page, "/developers");
  await expect(page.getByTestId("sandbox-agents")).toHaveText("0 of 100");
  await page.getByLabel("Name").fill("CI pipeline");
  await page.getByRole("button", { name: "Create key" }).click();
  await expect(page.getByText("Key created.")).toBeVisible();
  const key = (await page.getByTestId("new-key").textContent())!.trim();
  expect(key).toMatch(/^pk_test_[A-Za-z0-9]{40}$/);
  await ready(page);
  await expectAccessible(page);
  await page.screenshot({ path: info.outputPath("developers-keys.png"), fullPage: true });
  await goto(page, "/developers");
  await expect(page.getByTestId("new-key")).toHaveCount(0);
  await expect(page.getByTestId("key-row")).toHaveCount(1);
  await expect(page.getByTestId("key-status")).toHaveText("Active");

  // Rotation: a new key, and the old one keeps working for the chosen hour.
  await page.getByLabel("Old key works for").selectOption("1");
  await page.getByRole("button", { name: "Rotate" }).click();
  await expect(page.getByText("Key rotated.")).toBeVisible();
  const rotated = (await page.getByTestId("new-key").textContent())!.trim();
  expect(rotated).not.toBe(key);
  await ready(page);
  await expect(page.getByTestId("key-row")).toHaveCount(2);
  const oldRow = page.getByTestId("key-row").filter({ hasText: key.slice(0, 12) });
  await expect(oldRow.getByTestId("key-status")).toHaveText(/^Expiring /);

  // The first sandbox key granted sandbox access.
  await goto(page, "/certification");
  await expect(page.getByText("Development").first()).toBeVisible();

  // The API, as an integration calls it.
  const api = await request.newContext({ baseURL, extraHTTPHeaders: { Authorization: `Bearer ${key}` } });
  const created = await api.post("/api/v1/agents", { data: { name: "Support bot", external_ref: "bot-1" } });
  expect(created.status()).toBe(201);
  const agent = await created.json();
  const bad = await api.post("/api/v1/agents", { data: { name: "" } });
  expect(bad.status()).toBe(422);
  expect((await bad.json()).error.fields[0].field).toBe("name");
  const noKey = await request.newContext({ baseURL });
  expect((await noKey.get("/api/v1/agents")).status()).toBe(401);

  // The document is a valid OpenAPI 3 description of what answered.
  const doc = await (await noKey.get("/api/v1/openapi.json")).json();
  await SwaggerParser.validate(structuredClone(doc));
  expect(Object.keys(doc.paths)).toContain("/api/v1/trust/{agent_id}");

  // Webhooks: subscribe a local receiver from the page.
  const rx = await receiver();
  try {
    await goto(page, "/developers/webhooks");
    await page.getByLabel("Receiver URL").fill("http://10.0.0.8/hooks");
    await page.getByRole("button", { name: "Add subscription" }).click();
    await expect(page.getByText("not a public address")).toBeVisible();
    await ready(page);
    await page.getByLabel("Receiver URL").fill(rx.url);
    await page.getByLabel("Events").fill("trust.*, webhook.test");
    await page.getByRole("button", { name: "Add subscription" }).click();
    await expect(page.getByText("Subscription added.")).toBeVisible();
    await ready(page);
    await page.getByText("Signing secret", { exact: true }).click();
    const secret = (await page.getByTestId("signing-secret").textContent())!.trim();
    expect(secret).toMatch(/^whsec_/);

    // An outcome event moves the score and is delivered, signed.
    const events = await api.post("/api/v1/events", {
      data: { events: [{ event_id: `e-${Date.now()}`, agent_id: agent.id, outcome: "failure" }] },
    });
    expect(events.status()).toBe(200);
    expect((await events.json()).results[0].trust_score).toBe(480);
    await expect.poll(() => rx.hits.length, { timeout: 15_000 }).toBeGreaterThan(0);
    const hit = rx.hits[0];
    expect(hit.headers["x-event-type"]).toBe("trust.score_changed");
    expect(
      verify(secret, String(hit.headers["webhook-id"]), String(hit.headers["webhook-timestamp"]), hit.body, String(hit.headers["webhook-signature"])),
    ).toBe(true);

    // A test event from the page, then the delivery log shows both.
    await page.getByRole("button", { name: "Send test event" }).click();
    await expect(page.getByText("Test event queued")).toBeVisible();
    await ready(page);
    await expect.poll(() => rx.hits.some((h) => h.headers["x-event-type"] === "webhook.test"), { timeout: 15_000 }).toBe(true);
    await expect
      .poll(async () => {
        await page.reload();
        return page.getByTestId("delivery-status").allTextContents();
      }, { timeout: 15_000 })
      .toEqual(["Delivered", "Delivered"]);
    await ready(page);
    await expectAccessible(page);
    await page.screenshot({ path: info.outputPath("developers-webhook.png"), fullPage: true });

    // Replay sends the same message (same id) again.
    const before = rx.hits.length;
    await page.getByRole("button", { name: "Replay" }).last().click();
    await expect(page.getByText("Delivery queued again.")).toBeVisible();
    await ready(page);
    await expect.poll(() => rx.hits.length, { timeout: 15_000 }).toBe(before + 1);
    expect(rx.hits[before].headers["webhook-id"]).toBe(hit.headers["webhook-id"]);
  } finally {
    rx.server.close();
  }

  // Simulated events create test agents and move their scores.
  await goto(page, "/developers/agents");
  await page.getByLabel("Events").fill("30");
  await page.getByRole("button", { name: "Simulate events" }).click();
  await expect(page.getByText("Simulated 30 events")).toBeVisible();
  await ready(page);
  await expect(page.getByTestId("agent-row")).toHaveCount(1);
  await expectAccessible(page);
  await page.screenshot({ path: info.outputPath("developers-agents.png"), fullPage: true });
  await page.getByRole("link", { name: "Support bot" }).click();
  await ready(page);
  await expect(page.getByTestId("trust-score")).toHaveText(/^\d+$/);
  // The score's course as a chart that says it in words; every change on request.
  // The chart ends where the score stands now.
  const now = await page.getByTestId("trust-score").textContent();
  await expect(page.getByTestId("trust-chart")).toHaveAttribute(
    "aria-label",
    new RegExp(`^Trust score over the last \\d+ changes: from 500 to ${now}, lowest \\d+, highest \\d+`),
  );
  await page.getByTestId("trust-changes").locator("summary").click();
  await expect(page.getByTestId("trust-history").locator("tbody tr").first()).toBeVisible();
  await expectAccessible(page);
  await page.screenshot({ path: info.outputPath("agent.png"), fullPage: true });

  // Traffic and the reference.
  await goto(page, "/developers/traffic");
  await expect(page.getByTestId("traffic-sandbox").getByTestId("requests")).not.toHaveText("0");
  await expect(page.getByTestId("recent-requests")).toContainText("/api/v1/agents");
  await expectAccessible(page);
  await page.screenshot({ path: info.outputPath("developers-traffic.png"), fullPage: true });
  // The scorecard rates the same traffic (sandbox, until production has any).
  await goto(page, "/scorecard");
  await expect(page.getByTestId("measure-reliability").getByTestId("rating")).toHaveText("On target");
  // The receiver was closed before the simulated events: their deliveries fail.
  await expect(page.getByTestId("measure-webhooks").getByTestId("rating")).toHaveText("Off target");
  await expect(page.getByTestId("measure-support").getByTestId("rating")).toHaveText("No data yet");
  await expectAccessible(page);
  await page.screenshot({ path: info.outputPath("scorecard.png"), fullPage: true });
  await goto(page, "/developers/api");
  await expect(page.getByTestId("operations")).toContainText("/api/v1/events");
  await expect(page.getByTestId("webhook-events")).toContainText("deal.approved");
  await expect(page.getByTestId("webhook-events")).toContainText("listing.approved");
  await expectAccessible(page);
  await page.screenshot({ path: info.outputPath("developers-api.png"), fullPage: true });
  await page.locator("section", { has: page.locator("#webhook-events") }).screenshot({ path: info.outputPath("webhook-events.png") });
  await page.setViewportSize({ width: 390, height: 844 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth)).toBe(false);
  await page.locator("section", { has: page.locator("#webhook-events") }).screenshot({ path: info.outputPath("webhook-events-phone.png") });
  await page.setViewportSize({ width: 1366, height: 768 });
  await goto(page, "/developers/verify");
  await expect(page.getByTestId("verify-python")).toContainText("hmac.compare_digest");

  // Revoking asks first, saying what it does; then it stops the key at once.
  await goto(page, "/developers");
  const keyRow = page.getByTestId("key-row").filter({ hasText: key.slice(0, 12) });
  await keyRow.locator("summary", { hasText: "Revoke" }).click();
  await expect(keyRow.getByText("Calls made with it are refused from now on")).toBeVisible();
  expect((await api.get("/api/v1/agents")).status(), "nothing happens before the confirmation").toBe(200);
  await expectAccessible(page);
  await page.screenshot({ path: info.outputPath("revoke-confirm.png"), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await keyRow.scrollIntoViewIfNeeded();
  await expectAccessible(page);
  await page.screenshot({ path: info.outputPath("revoke-confirm-phone.png") });
  await page.setViewportSize({ width: 1366, height: 768 });
  await keyRow.getByRole("button", { name: "Revoke key" }).click();
  await expect(page.getByText("Key revoked.")).toBeVisible();
  expect((await api.get("/api/v1/agents")).status()).toBe(401);
  const fresh = await request.newContext({ baseURL, extraHTTPHeaders: { Authorization: `Bearer ${rotated}` } });
  expect((await fresh.get("/api/v1/agents")).status()).toBe(200);
  await fresh.dispose();
  await api.dispose();
  await noKey.dispose();
});
