import { expect, test } from "@playwright/test";
import { createAdmin, expectAccessible, fillApplication, goto, ready, signIn, uniqueEmail } from "./helpers";

test("a manager's home is a work queue, each tile leading to its queue", async ({ page }, info) => {
  const manager = uniqueEmail("inbox", info);
  createAdmin(manager);
  const company = `Inbox ${info.project.name} ${Date.now()}`;
  await goto(page, "/apply");
  await fillApplication(page, company, uniqueEmail("inbox-applicant", info), "https://inbox.example");
  await page.getByRole("button", { name: "Submit application" }).click();
  await expect(page.getByText("We have received your application.")).toBeVisible();

  await signIn(page, manager);
  await expect(page.getByRole("heading", { name: "Waiting for you" })).toBeVisible();
  const applications = page.getByTestId("queue-applications");
  await expect(applications).toContainText("Applications to review");
  expect(Number(await applications.getByTestId("waiting").textContent())).toBeGreaterThan(0);
  await expectAccessible(page);
  await page.screenshot({ path: test.info().outputPath("inbox.png"), fullPage: true });
  await expectAccessible(page);
  await page.setViewportSize({ width: 390, height: 844 });
  await expectAccessible(page);
  await page.screenshot({ path: test.info().outputPath("inbox-phone.png"), fullPage: true });
  const sideways = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(sideways, "the home page does not scroll sideways on a phone").toBeLessThanOrEqual(0);
  await page.setViewportSize({ width: 1366, height: 900 });

  const queues: [string, RegExp][] = [
    ["tickets", /\/support\/queue$/],
    ["applications", /\/manager\/applications\?status=submitted$/],
    ["certifications", /\/manager\/certification$/],
    ["funds", /\/funds\/review$/],
    ["listings", /\/manager\/listings$/],
    ["payouts", /\/manager\/revenue#payouts$/],
  ];
  for (const [queue, url] of queues) {
    await goto(page, "/");
    await page.getByTestId(`queue-${queue}`).click();
    await expect(page).toHaveURL(url);
    await ready(page);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  }
  // The waiting application is in its queue.
  await goto(page, "/manager/applications?status=submitted");
  await expect(page.getByRole("link", { name: company })).toBeVisible();
});
