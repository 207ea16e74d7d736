import { execFileSync } from "node:child_process";
import { type Page, type TestInfo } from "@playwright/test";
import { expect, linkFromOutbox, logIn, open, signedIn, test, totp } from "./helpers";

// The wizard and the code step as a person goes through them, on a desktop and a phone.
test.beforeEach(async ({}, testInfo) => {
  test.skip(!["desktop", "phone"].includes(testInfo.project.name), "two-factor runs on desktop and phone");
  test.setTimeout(120_000);
});

/** A code from a time step not used yet: waits for the next step to begin. */
async function nextCode(page: Page, key: string): Promise<string> {
  const wait = 30_000 - (Date.now() % 30_000) + 500;
  await page.waitForTimeout(wait);
  return totp(key);
}

async function logOut(page: Page) {
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login/);
}

async function enterCode(page: Page, code: string) {
  await expect(page).toHaveURL(/\/login\/code$/);
  await page.getByLabel("Code", { exact: true }).fill(code);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Turns two-factor on through the wizard; returns the key and the recovery codes shown. */
async function setUpTwoFactor(page: Page, testInfo: TestInfo): Promise<{ key: string; codes: string[] }> {
  await open(page, testInfo, "/settings/security");
  const section = page.locator("#two-factor");
  await expect(section.getByRole("heading", { name: "1. Install an authenticator app" })).toBeVisible();
  await section.getByRole("button", { name: "Show QR code" }).click();
  await expect(section.getByRole("img", { name: "QR code for your authenticator app" })).toBeVisible();
  const key = (await section.getByTestId("totp-key").textContent())!.trim();
  expect(key.replace(/\s/g, "")).toHaveLength(32);
  await page.screenshot({ path: testInfo.outputPath("wizard.png"), fullPage: true });

  await section.getByLabel("Code from the app").fill("000000" === totp(key) ? "111111" : "000000");
  await section.getByRole("button", { name: "Turn on two-factor security" }).click();
  await expect(section.locator("#setup-code-error")).toContainText("not right");

  await section.getByLabel("Code from the app").fill(totp(key));
  await section.getByRole("button", { name: "Turn on two-factor security" }).click();
  const list = section.getByTestId("recovery-codes").locator("li");
  await expect(list).toHaveCount(10);
  const codes = (await list.allTextContents()).map((code) => code.trim());
  expect(codes[0]).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
  await expect(section.getByRole("link", { name: "Download" })).toHaveAttribute("download", "trygg-recovery-codes.txt");
  await page.screenshot({ path: testInfo.outputPath("recovery-codes.png"), fullPage: true });
  await section.getByRole("button", { name: "I have saved them" }).click();
  await expect(section.getByTestId("recovery-codes")).toHaveCount(0);
  await expect(section.locator(".badge.on")).toHaveText("On");
  await expect(section).toContainText("Unused recovery codes: 10");
  return { key, codes };
}

test("two-factor: set up in the wizard, then sign in with a recovery code and with a code", async ({ page }, testInfo) => {
  const email = await signedIn(page, testInfo, "twofactor");
  const { key, codes } = await setUpTwoFactor(page, testInfo);
  await logOut(page);

  // The password alone leads only to the code step.
  await logIn(page, testInfo, email);
  await expect(page).toHaveURL(/\/login\/code$/);
  await page.screenshot({ path: testInfo.outputPath("code-step.png"), fullPage: true });
  await page.goto("/settings/security");
  await expect(page).toHaveURL(/\/login$/);

  await logIn(page, testInfo, email);
  await enterCode(page, codes[0]);
  await expect(page).toHaveURL(/\/calendar$/);
  await logOut(page);

  // The same recovery code does not work twice.
  await logIn(page, testInfo, email);
  await enterCode(page, codes[0]);
  await expect(page.locator("#code-error")).toContainText("not right");

  await enterCode(page, await nextCode(page, key));
  await expect(page).toHaveURL(/\/calendar$/);
  await open(page, testInfo, "/settings/security");
  await expect(page.locator("li.event").first()).toContainText("Signed in");
  await expect(page.locator("#two-factor")).toContainText("Unused recovery codes: 9");
});

test("lost two-factor: the request goes to support, who approves it, and the owner signs in without a code", async ({
  page,
  browser,
}, testInfo) => {
  const dataDir = process.env.TRYGG_E2E_DATA_DIR;
  const serverBinary = process.env.TRYGG_E2E_SERVER;
  test.skip(!dataDir || !serverBinary, "needs the server's data directory to add a support account");

  const email = await signedIn(page, testInfo, "lost2fa");
  await setUpTwoFactor(page, testInfo);
  await logOut(page);

  await logIn(page, testInfo, email);
  await expect(page).toHaveURL(/\/login\/code$/);
  await page.getByRole("link", { name: "Lost access to your authenticator?" }).click();
  await expect(page).toHaveURL(/\/login\/lost-2fa$/);
  await expect(page.getByRole("heading", { name: "Lost access to your authenticator?" })).toBeVisible();

  // A text file is refused next to its field, whatever its name says.
  await page.getByLabel("Photo of your face, holding your photo ID").setInputFiles({
    name: "me.jpg",
    mimeType: "image/jpeg",
    buffer: Buffer.from("not really a photo"),
  });
  await page.getByLabel("Last 4 digits of your payment card").fill("42");
  await page.getByRole("button", { name: "Send request" }).click();
  await expect(page.locator("#photo_id-error")).toContainText("Choose a photo");
  await expect(page.locator("#card_last4-error")).toContainText("exactly 4 digits");
  await expect(page.locator("#bill-error")).toContainText("Choose a file.");

  await page.getByLabel("Photo of your face, holding your photo ID").setInputFiles({
    name: "me.png",
    mimeType: "image/png",
    buffer: TINY_PNG,
  });
  await page.getByLabel("Your latest bill").setInputFiles({
    name: "bill.pdf",
    mimeType: "application/pdf",
    buffer: Buffer.from("%PDF-1.4\n% Kari Nordmann, power bill\n%%EOF\n"),
  });
  await page.getByLabel("Last 4 digits of your payment card").fill("4242");
  await page.getByRole("button", { name: "Send request" }).click();
  await expect(page).toHaveURL(/\/login\/lost-2fa\/status\?token=/);
  await expect(page.getByTestId("request-status")).toHaveText("Being reviewed");
  const statusUrl = page.url();
  await page.screenshot({ path: testInfo.outputPath("lost-2fa-status.png"), fullPage: true });

  // Support: an account made with the server's subcommand, two-factor from the start.
  const staffEmail = `support-${testInfo.project.name}-${Date.now()}@trygg.example`;
  const printed = execFileSync(serverBinary!, ["support", "add", staffEmail, "Siri Support"], {
    env: { ...process.env, TRYGG_DATA_DIR: dataDir, RUST_LOG: "warn" },
    encoding: "utf8",
  });
  const staffPassword = /password: (\S+)/.exec(printed)![1];
  const staffKey = /two-factor key: ([A-Z2-7 ]+)/.exec(printed)![1].trim();

  const supportContext = await browser.newContext({
    baseURL: testInfo.project.use.baseURL,
    viewport: testInfo.project.use.viewport,
    locale: "en-US",
  });
  const support = await supportContext.newPage();
  await logIn(support, testInfo, staffEmail, staffPassword);
  await enterCode(support, totp(staffKey));
  await expect(support).toHaveURL(/\/support$/);
  await support.locator("li.request", { hasText: email }).getByRole("link").click();
  await expect(support).toHaveURL(/\/support\/requests\/\d+$/);
  await expect(support.getByTestId("card-last4")).toHaveText("4242");
  await expect(support.getByRole("heading", { name: "Photo of the person holding their ID" })).toBeVisible();
  await expect(support.getByTestId("opened-bill")).toHaveText("Not opened yet");

  // Approval waits until every piece of evidence is opened.
  await support.getByRole("button", { name: "Approve: turn off two-factor" }).click();
  await expect(support.locator(".form-message")).toContainText("Open every piece of evidence before approving.");
  await expect(support.getByTestId("request-status")).toHaveText("Being reviewed");
  for (const item of await support.locator("ul.evidence li").all()) {
    const opened = supportContext.waitForEvent("page");
    await item.getByRole("link", { name: "Open file" }).click();
    await (await opened).close();
  }
  await support.reload();
  await expect(support.getByTestId("opened-photo_id")).toHaveText("Opened");
  await expect(support.getByTestId("opened-bill")).toHaveText("Opened");
  await support.screenshot({ path: testInfo.outputPath("support-request.png"), fullPage: true });

  // ... and the approver's own password and a new code.
  await support.getByLabel("Password").fill(staffPassword);
  await support.getByLabel("Code", { exact: true }).fill(await nextCode(support, staffKey));
  await support.getByRole("button", { name: "Approve: turn off two-factor" }).click();
  await expect(support.getByTestId("request-status")).toHaveText("Approved");
  await expect(support.getByText("The evidence was deleted when the request was decided.")).toBeVisible();
  await support.goto("/support/audit");
  await expect(support.locator("table.audit")).toContainText("Approved: two-factor turned off");
  await expect(support.locator("table.audit")).toContainText("Opened the bill");
  await expect(support.locator("table.audit")).not.toContainText("lost_2fa.");
  await supportContext.close();

  await page.goto(statusUrl);
  await expect(page.getByTestId("request-status")).toHaveText("Approved");

  // The old password opens nothing now: the owner sets a new one through the mailed link.
  await logIn(page, testInfo, email);
  await expect(page.getByRole("alert")).toContainText("Wrong email or password.");
  await open(page, testInfo, await linkFromOutbox(page, testInfo, email, "/reset-password"));
  await page.getByLabel("New password").fill("seven quiet herons by the fjord");
  await page.getByRole("button", { name: "Set password" }).click();
  await expect(page).toHaveURL(/\/login\?reason=password_reset$/);
  await logIn(page, testInfo, email, "seven quiet herons by the fjord");
  await expect(page).toHaveURL(/\/calendar$/);
  await open(page, testInfo, "/settings/security");
  const approved = page.locator("li.event", { hasText: "Support turned off two-factor" });
  await expect(approved).toContainText("Siri Support");
  await expect(page.locator("#two-factor .badge.off")).toHaveText("Off");
});

// A 1×1 PNG.
const TINY_PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);
