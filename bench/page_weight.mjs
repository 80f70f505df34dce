// Page weight and time to hydrate on a slow profile: headless Chromium with
// the network held to 10 Mbit/s and 40 ms latency and the CPU slowed 4×.
// Prints every response's transferred size, the total, and when the page
// was hydrated (the app marks <main data-hydrated="true">); then the same
// page again with the browser's cache, as a returning visitor.
//
//   node bench/page_weight.mjs http://127.0.0.1:3000/login
// (bench/page_weight.sh builds the release site and starts the server.)
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "..", "end2end", "package.json"));
const { chromium } = require("playwright-core");

const url = process.argv[2] ?? "http://127.0.0.1:3000/login";
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium" });
const context = await browser.newContext();
const page = await context.newPage();
const cdp = await context.newCDPSession(page);
await cdp.send("Network.enable");
await cdp.send("Network.emulateNetworkConditions", {
  offline: false,
  latency: 40,
  downloadThroughput: (10 * 1000 * 1000) / 8,
  uploadThroughput: (10 * 1000 * 1000) / 8,
});
await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });

async function visit(label) {
  const urls = new Map();
  const sizes = new Map();
  const onResponse = (e) => urls.set(e.requestId, `${e.response.status} ${e.response.url}`);
  const onFinished = (e) => sizes.set(e.requestId, e.encodedDataLength);
  cdp.on("Network.responseReceived", onResponse);
  cdp.on("Network.loadingFinished", onFinished);
  await page.goto(url, { waitUntil: "commit" });
  await page.locator("main[data-hydrated='true']").waitFor({ timeout: 60_000 });
  const hydratedMs = await page.evaluate(() => performance.now());
  await page.waitForLoadState("networkidle");
  cdp.off("Network.responseReceived", onResponse);
  cdp.off("Network.loadingFinished", onFinished);
  let total = 0;
  console.log(`\n${label}: ${url}`);
  for (const [id, bytes] of sizes) {
    total += bytes;
    console.log(`  ${(bytes / 1024).toFixed(1).padStart(8)} KB  ${urls.get(id) ?? id}`);
  }
  console.log(`  ${(total / 1024).toFixed(1).padStart(8)} KB  transferred in all; hydrated at ${hydratedMs.toFixed(0)} ms`);
  return { total, hydratedMs };
}

const first = await visit("first visit (empty cache)");
const again = await visit("returning visit (cache kept)");
console.log(
  `\npage weight: first visit ${(first.total / 1024).toFixed(0)} KB, hydrated at ${first.hydratedMs.toFixed(0)} ms; ` +
    `returning ${(again.total / 1024).toFixed(0)} KB, hydrated at ${again.hydratedMs.toFixed(0)} ms ` +
    `(10 Mbit/s, 40 ms, CPU ÷4)`,
);
await browser.close();
