import { defineConfig } from "@playwright/test";

// Debian's Chromium; Playwright never downloads a browser here.
const chromium = {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
};

const desktop = { viewport: { width: 1280, height: 800 } };
const tablet = { viewport: { width: 820, height: 1180 }, hasTouch: true };
const phone = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 3,
  isMobile: true,
  hasTouch: true,
  userAgent:
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Mobile Safari/537.36",
};

export default defineConfig({
  testDir: "./tests",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL: process.env.TRYGG_E2E_BASE_URL ?? "http://127.0.0.1:3000",
    locale: "en-US",
    launchOptions: chromium,
    screenshot: "only-on-failure",
  },
  projects: [
    { name: "desktop", use: { ...desktop } },
    { name: "desktop-nojs", use: { ...desktop, javaScriptEnabled: false } },
    { name: "tablet", use: { ...tablet } },
    { name: "phone", use: { ...phone } },
    { name: "phone-nojs", use: { ...phone, javaScriptEnabled: false } },
  ],
});
