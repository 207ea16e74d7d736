import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "@playwright/test";
import { expect, jsEnabled, linkFromOutbox, logIn, open, signUp, test, uniqueEmail, verifyThroughOutbox, watchCsp } from "./helpers";

test("sign up, verify through the outbox, log in, use the shell, log out", async ({ page }, testInfo) => {
  const csp = watchCsp(page);
  const email = uniqueEmail(testInfo, "owner");

  await signUp(page, testInfo, email);
  await verifyThroughOutbox(page, testInfo, email);

  await logIn(page, testInfo, email);
  await expect(page).toHaveURL(/\/calendar$/);
  await expect(page.getByRole("heading", { level: 1, name: "Calendar" })).toBeVisible();
  const menu = page.getByRole("navigation", { name: "Main menu" });
  for (const item of ["Calendar", "Clients", "Messages", "Settings"]) {
    await expect(menu.getByRole("link", { name: item })).toBeVisible();
  }
  await expect(menu.getByRole("link", { name: "Calendar" })).toHaveAttribute("aria-current", "page");

  await menu.getByRole("link", { name: "Settings" }).click();
  await expect(page).toHaveURL(/\/settings$/);
  await expect(page.locator(".settings-index")).toContainText("two-factor security and the security log");
  const settingsMenu = page.getByRole("navigation", { name: "Settings" });
  await settingsMenu.getByRole("link", { name: "Security" }).click();
  await expect(page).toHaveURL(/\/settings\/security$/);
  await expect(page.getByRole("heading", { level: 1, name: "Security" })).toBeVisible();
  await expect(settingsMenu.getByRole("link", { name: "Security" })).toHaveAttribute("aria-current", "page");

  await page.screenshot({ path: testInfo.outputPath("settings.png"), fullPage: true });

  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login\?reason=signed_out$/);
  await expect(page.getByRole("status")).toContainText("You are now logged out");

  // The session is gone: the app sends the browser back to the login page.
  await page.goto("/calendar");
  await expect(page).toHaveURL(/\/login$/);

  expect(csp, "no Content-Security-Policy violations").toEqual([]);
});

test("a wrong password is refused with a message, and bad sign-up input is named per field", async ({ page }, testInfo) => {
  await logIn(page, testInfo, uniqueEmail(testInfo, "nobody"), "not the right password");
  await expect(page.getByRole("alert")).toContainText("Wrong email or password.");
  await expect(page).toHaveURL(/\/login/);

  await open(page, testInfo, "/signup");
  await page.getByLabel("Practice name").fill("Klinikk");
  await page.getByLabel("Your name").fill("Kari");
  await page.getByLabel("Email").fill("not-an-email");
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.locator("#email-error")).toHaveText("Enter an email address such as name@example.com.");
  await expect(page.locator("#password-error")).toHaveText("The password must be at least 15 characters.");
  await expect(page.getByLabel("Password")).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator("#practice_name-error")).toBeEmpty();
  if (jsEnabled(testInfo)) {
    // With JavaScript the form keeps what was typed.
    await expect(page.getByLabel("Practice name")).toHaveValue("Klinikk");
  }
});

test("the language follows the switch and stays", async ({ page }, testInfo) => {
  await open(page, testInfo, "/login");
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await page.getByRole("button", { name: "Norsk" }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "nb");
  await expect(page.getByRole("heading", { name: "Logg inn" })).toBeVisible();
  await open(page, testInfo, "/signup");
  await expect(page.getByRole("button", { name: "Opprett konto" })).toBeVisible();
  await page.getByRole("button", { name: "English" }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
});

test("the app is an installable PWA", async ({ baseURL }, testInfo) => {
  test.skip(!jsEnabled(testInfo) || testInfo.project.name !== "desktop", "installability is a desktop, JavaScript-on check");
  // Installability needs a real profile: Chromium refuses to install from incognito contexts.
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "trygg-pwa-"));
  const launch = testInfo.project.use.launchOptions ?? {};
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: launch.executablePath,
    args: launch.args,
    baseURL,
    viewport: { width: 1280, height: 800 },
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await open(page, testInfo, "/login");
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    const cdp = await context.newCDPSession(page);
    const { installabilityErrors } = await cdp.send("Page.getInstallabilityErrors");
    expect(installabilityErrors).toEqual([]);
    const manifest = await cdp.send("Page.getAppManifest");
    expect(manifest.errors).toEqual([]);
    expect(JSON.parse(manifest.data ?? "{}").display).toBe("standalone");
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
});

test("a forgotten password is replaced through the emailed link", async ({ page }, testInfo) => {
  const email = uniqueEmail(testInfo, "forgot");
  await signUp(page, testInfo, email);
  await verifyThroughOutbox(page, testInfo, email);

  await open(page, testInfo, "/login");
  await page.getByRole("link", { name: "Forgot your password?" }).click();
  await expect(page).toHaveURL(/\/forgot-password$/);
  if (jsEnabled(testInfo)) {
    await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true", { timeout: 30_000 });
  }
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Send link" }).click();
  await expect(page).toHaveURL(/\/forgot-password\/sent$/);

  await open(page, testInfo, await linkFromOutbox(page, testInfo, email, "/reset-password"));
  await page.getByLabel("New password").fill("short");
  await page.getByRole("button", { name: "Set password" }).click();
  await expect(page.locator("#new_password-error")).toHaveText("The password must be at least 15 characters.");

  await page.getByLabel("New password").fill("seven quiet herons by the fjord");
  await page.getByRole("button", { name: "Set password" }).click();
  await expect(page).toHaveURL(/\/login\?reason=password_reset$/);
  await logIn(page, testInfo, email, "seven quiet herons by the fjord");
  await expect(page).toHaveURL(/\/calendar$/);
});
