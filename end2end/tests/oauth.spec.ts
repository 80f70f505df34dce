import { expect, request, test } from "@playwright/test";
import { createHash, randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  PASSWORD,
  approvedPartner,
  createAdmin,
  expectAccessible,
  goto,
  ready,
  signIn,
  signOut,
  uniqueEmail,
} from "./helpers";

/** The app's callback on a loopback port: records the addresses it is sent to. */
async function callback(): Promise<{ url: string; hits: string[]; server: Server }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? "");
    res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>App</title><p>Signed in to the app.</p>");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/callback`, hits, server };
}

const b64url = (b: Buffer) => b.toString("base64").replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

test("a partner registers an OAuth app, allows it on the consent screen, and the app calls the API", async ({ page, baseURL }, info) => {
  const admin = uniqueEmail("admin", info);
  createAdmin(admin);
  const { owner, company } = await approvedPartner(page, info, admin);
  await signIn(page, owner);
  const app = await callback();
  try {
    // A refused registration says why and keeps what was typed.
    await goto(page, "/developers/apps");
    await page.getByLabel("Name").fill("Mobile app");
    await page.getByLabel("Public (a browser or mobile app, PKCE only)").check();
    await page.getByRole("button", { name: "Register app" }).click();
    await expect(page.getByText("needs a redirect address")).toBeVisible();
    await ready(page);
    await expect(page.getByLabel("Name")).toHaveValue("Mobile app");
    await expect(page.getByLabel("Public (a browser or mobile app, PKCE only)")).toBeChecked();

    await page.getByLabel("Redirect addresses").fill(app.url);
    await page.getByRole("button", { name: "Register app" }).click();
    await expect(page.getByText("App registered.")).toBeVisible();
    await ready(page);
    const clientId = (await page.getByTestId("new-client-id").textContent())!.trim();
    expect(clientId).toMatch(/^cli_/);
    await expect(page.getByTestId("new-client-secret")).toHaveCount(0);
    await expect(page.getByTestId("app-row")).toHaveCount(1);
    await expectAccessible(page);
    await page.screenshot({ path: info.outputPath("oauth-apps.png"), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await expectAccessible(page);
    await page.screenshot({ path: info.outputPath("oauth-apps-phone.png"), fullPage: true });
    await page.setViewportSize({ width: 1366, height: 768 });

    // The app sends the owner to the consent screen with a PKCE challenge.
    const verifier = b64url(randomBytes(32));
    const challenge = b64url(createHash("sha256").update(verifier).digest());
    const query = new URLSearchParams({
      response_type: "code",
      client_id: clientId,
      redirect_uri: app.url,
      scope: "agents:read",
      state: "st-1",
      code_challenge: challenge,
      code_challenge_method: "S256",
    });
    await goto(page, `/oauth/authorize?${query}`);
    await expect(page.getByTestId("consent-app")).toHaveText("Mobile app");
    await expect(page.getByText(company)).toBeVisible();
    await expect(page.getByTestId("consent-scopes")).toContainText("agents:read");
    await expectAccessible(page);
    await page.screenshot({ path: info.outputPath("consent.png"), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await expectAccessible(page);
    await page.screenshot({ path: info.outputPath("consent-phone.png"), fullPage: true });
    await page.setViewportSize({ width: 1366, height: 768 });

    // Allowing sends the browser back to the app with a code.
    await page.getByRole("button", { name: "Allow Mobile app" }).click();
    await expect(page.getByText("Signed in to the app.")).toBeVisible();
    const back = new URL(page.url());
    expect(back.origin + back.pathname).toBe(app.url);
    expect(back.searchParams.get("state")).toBe("st-1");
    const code = back.searchParams.get("code")!;
    expect(code).toMatch(/^ac_/);

    // The app exchanges it, with its verifier, and calls the API.
    const client = await request.newContext({ baseURL });
    const tokens = await client.post("/oauth/token", {
      form: { grant_type: "authorization_code", code, redirect_uri: app.url, client_id: clientId, code_verifier: verifier },
    });
    expect(tokens.status()).toBe(200);
    const { access_token, refresh_token } = await tokens.json();
    expect(refresh_token).toMatch(/^rt_/);
    const api = await request.newContext({ baseURL, extraHTTPHeaders: { Authorization: `Bearer ${access_token}` } });
    expect((await api.get("/api/v1/agents")).status()).toBe(200);

    // Revoking the app on Developers stops its token at once.
    await goto(page, "/developers/apps");
    const row = page.getByTestId("app-row");
    await row.locator("summary", { hasText: "Revoke" }).click();
    await expect(row.getByText("Every token it holds stops working at once")).toBeVisible();
    await row.getByRole("button", { name: "Revoke app" }).click();
    await expect(page.getByText("App revoked.")).toBeVisible();
    await expect(page.getByTestId("app-status")).toContainText("Revoked");
    expect((await api.get("/api/v1/agents")).status()).toBe(401);

    // What changed in the API, and the promise about change.
    await page.getByRole("navigation", { name: "Developers" }).getByRole("link", { name: "API changelog" }).click();
    await ready(page);
    await expect(page.getByTestId("api-policy")).toContainText("six months");
    await expect(page.getByRole("heading", { name: "Version 1.2.0" })).toBeVisible();
    await expect(page.getByText("None: every v1 operation is current.")).toBeVisible();
    await expectAccessible(page);

    // The GraphQL explorer runs a query as the signed-in partner and keeps it.
    await page.getByRole("navigation", { name: "Developers" }).getByRole("link", { name: "GraphQL" }).click();
    await ready(page);
    await page.getByLabel("GraphQL query").fill("{ me { organisation environment } }");
    await page.getByRole("button", { name: "Run query" }).click();
    await expect(page.getByTestId("graphql-result")).toContainText(company);
    await ready(page);
    await expect(page.getByLabel("GraphQL query")).toHaveValue("{ me { organisation environment } }");
    await page.getByLabel("GraphQL query").fill("{ certification { nothing } }");
    await page.getByRole("button", { name: "Run query" }).click();
    await expect(page.getByTestId("graphql-result")).toContainText("Unknown field");
    await ready(page);
    await expectAccessible(page);
    await page.screenshot({ path: info.outputPath("graphql.png"), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: info.outputPath("graphql-phone.png"), fullPage: true });
    await page.setViewportSize({ width: 1366, height: 768 });
    await api.dispose();
    await client.dispose();
  } finally {
    app.server.close();
  }
});

test("the consent screen signs a visitor in and back, refuses another partner's owner, and Deny answers access_denied", async ({ page }, info) => {
  const admin = uniqueEmail("admin", info);
  createAdmin(admin);
  const a = await approvedPartner(page, info, admin);
  const b = await approvedPartner(page, info, admin);
  await signIn(page, a.owner);
  const app = await callback();
  try {
    await goto(page, "/developers/apps");
    await page.getByLabel("Name").fill("Desk app");
    await page.getByLabel("Public (a browser or mobile app, PKCE only)").check();
    await page.getByLabel("Redirect addresses").fill(app.url);
    await page.getByRole("button", { name: "Register app" }).click();
    await expect(page.getByText("App registered.")).toBeVisible();
    await ready(page);
    const clientId = (await page.getByTestId("new-client-id").textContent())!.trim();
    await signOut(page);

    const challenge = b64url(createHash("sha256").update(b64url(randomBytes(32))).digest());
    const consent = `/oauth/authorize?${new URLSearchParams({
      response_type: "code",
      client_id: clientId,
      redirect_uri: app.url,
      scope: "agents:read",
      state: "st-2",
      code_challenge: challenge,
      code_challenge_method: "S256",
    })}`;

    // Signed out, the screen asks for a sign-in that comes back to it.
    await goto(page, consent);
    await expect(page.getByText("Please sign in to see this page.")).toBeVisible();
    await page.getByRole("link", { name: "Sign in", exact: true }).last().click();
    await ready(page);
    await page.getByLabel("Email address").fill(b.owner);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByTestId("consent-app")).toHaveText("Desk app");
    await ready(page);

    // Another partner's owner is told why and cannot allow.
    await expect(page.getByTestId("consent-refusal")).toContainText("belongs to another partner");
    await expect(page.getByRole("button", { name: "Allow Desk app" })).toHaveCount(0);
    await expectAccessible(page);
    await signOut(page);

    // The app's own owner may allow, and denies: the app hears access_denied.
    await signIn(page, a.owner);
    await goto(page, consent);
    await expect(page.getByRole("button", { name: "Allow Desk app" })).toBeVisible();
    await page.getByRole("button", { name: "Deny" }).click();
    await expect(page.getByText("Signed in to the app.")).toBeVisible();
    const back = new URL(page.url());
    expect(back.searchParams.get("error")).toBe("access_denied");
    expect(back.searchParams.get("state")).toBe("st-2");
    expect(back.searchParams.get("code")).toBeNull();
  } finally {
    app.server.close();
  }
});
