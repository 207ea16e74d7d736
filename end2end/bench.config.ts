import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

// Browser benchmarks (not tests): run by scripts/bench against a running server.
export default defineConfig({
  ...base,
  testDir: "./bench",
  timeout: 300_000,
  projects: [{ name: "desktop", use: { viewport: { width: 1280, height: 800 } } }],
});
