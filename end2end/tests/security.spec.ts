import { expect, test } from "@playwright/test";
import { jsEnabled, logIn, open, signUp, uniqueEmail, verifyThroughOutbox } from "./helpers";

const PHONE_SAFARI =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

test("a session signed out from another browser loses access at once", async ({ page, browser }, testInfo) => {
  const email = uniqueEmail(testInfo, "sessions");
  await signUp(page, testInfo, email);
  await verifyThroughOutbox(page, testInfo, email);
  await logIn(page, testInfo, email);
  await expect(page).toHaveURL(/\/calendar$/);

  // A second browser (its own cookies) signs in to the same account.
  const other = await browser.newContext({
    baseURL: testInfo.project.use.baseURL,
    javaScriptEnabled: jsEnabled(testInfo),
    userAgent: PHONE_SAFARI,
    locale: "en-US",
  });
  const phone = await other.newPage();
  await logIn(phone, testInfo, email);
  await expect(phone).toHaveURL(/\/calendar$/);

  await open(page, testInfo, "/settings/security");
  const sessions = page.locator("li.session");
  await expect(sessions).toHaveCount(2);
  const mine = sessions.filter({ has: page.locator(".badge", { hasText: "This device" }) });
  await expect(mine).toHaveCount(1);
  const theirs = sessions.filter({ hasText: "Safari on iPhone" });
  await expect(theirs).toContainText("IP address");
  await expect(theirs).toContainText("just now");
  await page.screenshot({ path: testInfo.outputPath("sessions.png"), fullPage: true });

  await theirs.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(sessions).toHaveCount(1);
  await expect(page.locator("li.event").first()).toContainText("Session signed out");

  await phone.goto("/calendar");
  await expect(phone).toHaveURL(/\/login$/);
  await other.close();
});

test("the owner chooses the automatic logout time", async ({ page }, testInfo) => {
  const email = uniqueEmail(testInfo, "idle");
  await signUp(page, testInfo, email);
  await verifyThroughOutbox(page, testInfo, email);
  await logIn(page, testInfo, email);
  await expect(page).toHaveURL(/\/calendar$/);

  await open(page, testInfo, "/settings/security");
  const setting = page.getByLabel("Sign out after");
  await expect(setting).toHaveValue("1440");
  await setting.selectOption({ label: "15 minutes" });
  await page.getByRole("button", { name: "Save" }).click();
  if (jsEnabled(testInfo)) {
    await expect(page.getByText("Saved.")).toBeVisible();
  }
  await expect(page.locator("li.event").first()).toContainText("Automatic logout changed");
  await page.screenshot({ path: testInfo.outputPath("logout-setting.png"), fullPage: true });
  await open(page, testInfo, "/settings/security");
  await expect(page.getByLabel("Sign out after")).toHaveValue("15");
});
