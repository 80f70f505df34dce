import { expect, test } from "@playwright/test";
import Stripe from "stripe";
import { approvedPartner, createAdmin, expectAccessible, goto, ready, signIn, signOut, uniqueEmail } from "./helpers";

// Stripe's own library signs the deliveries, as Stripe does; no request
// reaches Stripe (the key is never used to call it).
const stripe = new Stripe("sk_test_unused");

test("an administrator connects Stripe, a manager attributes a customer, and a signed paid invoice reaches the partner", async ({ page, request }, info) => {
  const admin = uniqueEmail("billing", info);
  createAdmin(admin);
  const { owner, company } = await approvedPartner(page, info, admin);
  const id = `${info.project.name}${Date.now()}`;
  const secret = `whsec_${id.replace(/[^A-Za-z0-9]/g, "")}e2esecretvalue`;
  const customer = `cus_${id}`;

  await signIn(page, admin);
  await goto(page, "/manager/revenue");
  await page.getByRole("link", { name: "Billing feed" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Billing feed");
  await ready(page);

  // A secret that is not Stripe's is refused and says what to paste.
  await page.getByLabel(/Signing secret|New signing secret/).fill("sk_live_not_a_signing_secret");
  await page.getByRole("button", { name: /Connect Stripe|Replace the secret/ }).click();
  await expect(page.getByText("Paste the endpoint's signing secret from Stripe: it starts with whsec_.")).toBeVisible();
  await ready(page);
  await page.getByLabel(/Signing secret|New signing secret/).fill(secret);
  await page.getByRole("button", { name: /Connect Stripe|Replace the secret/ }).click();
  await expect(page.getByTestId("billing-status")).toContainText(`Connected with whsec_…${secret.slice(-4)}`);
  await expect(page.getByTestId("billing-endpoint")).toHaveText(/\/billing\/stripe$/);
  await ready(page);

  // An attribution with a bad id and no partner: both named, the id kept.
  await page.getByLabel("Stripe customer id").fill(`cus ${id}`);
  await page.getByRole("button", { name: "Attribute" }).click();
  await expect(page.getByText("A customer id has no spaces and at most 255 characters.")).toBeVisible();
  await expect(page.getByText("Choose a partner.")).toBeVisible();
  await expect(page.getByLabel("Stripe customer id")).toHaveValue(`cus ${id}`);
  await ready(page);
  await page.getByLabel("Stripe customer id").fill(customer);
  await page.getByLabel("Partner").selectOption({ label: company });
  await page.getByRole("button", { name: "Attribute" }).click();
  await expect(page.getByTestId("billing-customers").locator("tr", { hasText: customer })).toContainText(company);
  await expect(page.getByLabel("Stripe customer id")).toHaveValue("");
  await expect(page.getByLabel(/Signing secret|New signing secret/)).toHaveValue("");
  await ready(page);
  await expectAccessible(page);
  await page.screenshot({ path: test.info().outputPath("billing.png"), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: test.info().outputPath("billing-phone.png"), fullPage: true });
  await page.setViewportSize({ width: 1366, height: 768 });

  // Stripe delivers invoice.paid; a delivery signed with another secret is refused.
  const now = Math.floor(Date.now() / 1000);
  const payload = JSON.stringify({
    id: `evt_${id}`,
    object: "event",
    type: "invoice.paid",
    created: now,
    data: {
      object: {
        id: `in_${id}`,
        object: "invoice",
        customer,
        amount_paid: 40000,
        currency: "usd",
        status_transitions: { paid_at: now },
      },
    },
  });
  const post = (signature: string) =>
    request.post("/billing/stripe", { data: payload, headers: { "content-type": "application/json", "stripe-signature": signature } });
  const forged = await post(stripe.webhooks.generateTestHeaderString({ payload, secret: "whsec_someone_else_entirely" }));
  expect(forged.status()).toBe(400);
  const delivered = await post(stripe.webhooks.generateTestHeaderString({ payload, secret }));
  expect(delivered.status()).toBe(200);
  expect(await delivered.json()).toEqual({ recorded: 1, already_recorded: 0 });
  // Stripe's retry of the same event changes nothing.
  const retried = await post(stripe.webhooks.generateTestHeaderString({ payload, secret }));
  expect(await retried.json()).toEqual({ recorded: 0, already_recorded: 1 });

  await goto(page, "/manager/revenue/imports");
  await expect(page.getByTestId("import-list").locator("tr", { hasText: `Stripe evt_${id}` }).first()).toContainText("0 new, 1 already recorded");
  await signOut(page);

  // The partner's commission: 20 % of 400.00.
  await signIn(page, owner);
  await goto(page, "/revenue");
  await expect(page.getByTestId("mtd")).toHaveText("$80.00");
  await expect(page.getByTestId("customers")).toContainText(customer);
});
