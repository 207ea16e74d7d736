import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

// Browser benchmarks (not tests): run by scripts/bench against a running server.
export default defineConfig({
  ...base,
  testDir: "./bench",
  timeout: 300_000,
  projects: [
    { name: "desktop", use: { viewport: { width: 1280, height: 800 } } },
    {
      name: "phone",
      use: {
        viewport: { width: 390, height: 844 },
        deviceScaleFactor: 3,
        isMobile: true,
        hasTouch: true,
        userAgent:
          "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Mobile Safari/537.36",
      },
    },
  ],
});
