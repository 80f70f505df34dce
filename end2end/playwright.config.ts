import { defineConfig } from "@playwright/test";

// Every flow runs twice: as a browser with JavaScript off sees the portal
// (plain forms, full page loads) and hydrated (the Leptos app in wasm).
const chromiumArgs = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  // Custom domains of white-label partners (*.test) reach the local server.
  "--host-resolver-rules=MAP *.test 127.0.0.1",
];

const baseURL = process.env.E2E_BASE_URL ?? "http://127.0.0.1:3000";

export default defineConfig({
  testDir: "./tests",
  globalSetup: "./global-setup.ts",
  // Long flows run axe on each of their main pages, a second or two each.
  timeout: 120_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  outputDir: "test-results",
  use: {
    baseURL,
    // A common laptop width, the one the navigation must fit in one row at.
    viewport: { width: 1366, height: 768 },
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: chromiumArgs,
    },
  },
  projects: [
    { name: "no-js", use: { javaScriptEnabled: false } },
    { name: "hydrated", use: { javaScriptEnabled: true } },
  ],
});
