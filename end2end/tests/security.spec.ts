import { expect, jsEnabled, logIn, open, PASSWORD, signedIn, test } from "./helpers";

const PHONE_SAFARI =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

test("a session signed out from another browser loses access at once", async ({ page, browser }, testInfo) => {
  const email = await signedIn(page, testInfo, "sessions");

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
  await signedIn(page, testInfo, "idle");

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

test("the password is changed only when the rules are met", async ({ page }, testInfo) => {
  const email = await signedIn(page, testInfo, "password");

  await open(page, testInfo, "/settings/security");
  const current = page.getByLabel("Current password");
  const fresh = page.getByLabel("New password");
  const submit = page.getByRole("button", { name: "Change password" });

  await current.fill(PASSWORD);
  await fresh.fill("too short");
  if (jsEnabled(testInfo)) {
    await expect(page.locator("#new_password-strength")).toContainText("Too short");
  }
  await submit.click();
  await expect(page.locator("#new_password-error")).toHaveText("The password must be at least 15 characters.");

  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByLabel("New password").fill("000webhost4ever");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.locator("#new_password-error")).toContainText("This password is too common");

  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByLabel("New password").fill("seven quiet herons by the fjord");
  if (jsEnabled(testInfo)) {
    await expect(page.locator("#new_password-strength")).toContainText(/Strong|Very strong/);
  }
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("Your password is changed.")).toBeVisible();
  await expect(page.locator("li.event").first()).toContainText("Password changed");

  await page.getByRole("button", { name: "Log out" }).click();
  await logIn(page, testInfo, email, PASSWORD);
  await expect(page.getByRole("alert")).toContainText("Wrong email or password.");
  await logIn(page, testInfo, email, "seven quiet herons by the fjord");
  await expect(page).toHaveURL(/\/calendar$/);
});
