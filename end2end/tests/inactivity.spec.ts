import { expect, jsEnabled, open, signedIn, test } from "./helpers";

const DAY_MS = 24 * 60 * 60 * 1000;

test.beforeEach(({}, testInfo) => {
  test.skip(
    !jsEnabled(testInfo),
    "the inactivity timer runs in the browser",
  );
});

test("a warning counts down before the limit, and staying signed in keeps the session", async ({ page }, testInfo) => {
  await page.clock.install();
  await signedIn(page, testInfo, "idle");
  await open(page, testInfo, "/calendar");

  // The default limit is 24 hours; nothing shows until the last minute.
  await page.clock.fastForward(DAY_MS - 90_000);
  await page.clock.runFor(2_000);
  await expect(page.getByRole("alertdialog")).toHaveCount(0);
  await page.clock.runFor(40_000);
  const dialog = page.getByRole("alertdialog", { name: "Are you still there?" });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText(/signed out in \d+ seconds/);
  await expect(page.getByRole("button", { name: "Stay signed in" })).toBeFocused();
  // The one message that must be read in time wraps inside the dialog, inside the screen.
  const fits = await dialog.evaluate((box) => {
    const text = box.querySelector("#idle-text")!.getBoundingClientRect();
    const frame = box.getBoundingClientRect();
    return box.scrollWidth <= box.clientWidth && text.right <= frame.right && frame.right <= window.innerWidth;
  });
  expect(fits, "the warning fits its dialog").toBe(true);
  await page.screenshot({ path: testInfo.outputPath("idle-warning.png") });

  await page.getByRole("button", { name: "Stay signed in" }).click();
  await page.clock.runFor(2_000);
  await expect(dialog).toHaveCount(0);
  await page.clock.runFor(120_000);
  await expect(page).toHaveURL(/\/calendar$/);
  await expect(page.getByRole("heading", { level: 1, name: "Calendar" })).toBeVisible();
});

test("at the limit the content is hidden at once and the login page explains why", async ({ page }, testInfo) => {
  await page.clock.install();
  await signedIn(page, testInfo, "idle");
  await open(page, testInfo, "/settings/security");
  await expect(page.getByRole("heading", { name: "Current sessions" })).toBeVisible();

  // Hold the logout request, so the page can be looked at before the browser leaves it.
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route("**/api/end_idle_session", async (route) => {
    await held;
    await route.continue();
  });
  await page.clock.fastForward(DAY_MS - 30_000);
  await page.clock.runFor(31_000);
  await expect(page.locator("#main")).toBeEmpty();
  await expect(page.getByRole("alert").filter({ hasText: "Signed out." })).toBeVisible();
  await expect(page.getByText("Current sessions")).toHaveCount(0);
  release();
  await expect(page).toHaveURL(/\/login\?reason=idle$/);
  await expect(page.getByRole("status")).toContainText("You were logged out after a period without activity.");
  await page.goto("/calendar");
  await expect(page).toHaveURL(/\/login$/);
});

test("open tabs keep in step: activity in one keeps the other alive, logout in one ends both", async ({ context }, testInfo) => {
  await context.clock.install();
  const first = await context.newPage();
  await signedIn(first, testInfo, "tabs");
  const second = await context.newPage();
  await open(second, testInfo, "/clients");
  await open(first, testInfo, "/calendar");

  await context.clock.fastForward(DAY_MS - 90_000);
  // Activity in the first tab only...
  await first.locator("body").click();
  await context.clock.runFor(45_000);
  // ...keeps the second from warning.
  await expect(second.getByRole("alertdialog")).toHaveCount(0);
  await expect(first.getByRole("alertdialog")).toHaveCount(0);

  await first.getByRole("button", { name: "Log out" }).click();
  await expect(first).toHaveURL(/\/login\?reason=signed_out$/);
  await expect(second).toHaveURL(/\/login\?reason=signed_out$/);
  await expect(second.locator("#main")).not.toContainText("Clients");
});
