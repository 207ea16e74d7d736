import { execFileSync } from "node:child_process";
import { type Page, type TestInfo } from "@playwright/test";
import { expectAccessible } from "./axe";
import { PASSWORD, expect, jsEnabled, linkFromOutbox, logIn, open, pdfText, signedIn, test, uniqueEmail } from "./helpers";

// Your profile, handing the practice over and taking the data out, as people do it: the old
// owner cleans up, names the new owner, waits for their confirmation and hands over; the new
// owner signs in with the temporary password and must choose their own; a client's data comes
// out as a ZIP whose PDF reads as the client's record.

const TEMPORARY = "harbour lights over the quiet fjord";
const OWN = "a password of my very own choosing";

async function newClient(page: Page, testInfo: TestInfo, name: string, notes: string) {
  await open(page, testInfo, "/clients/new");
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Notes").fill(notes);
  await page.getByRole("button", { name: "Add client" }).click();
  await expect(page).toHaveURL(/\/clients\/\d+$/);
}

async function screenshot(page: Page, testInfo: TestInfo, name: string) {
  await page.screenshot({ path: testInfo.outputPath(`${name}-${testInfo.project.name}.png`), fullPage: true });
}

test("the whole hand-over, from clean-up to the new owner's own password", async ({ page, browser }, testInfo) => {
  test.skip(testInfo.project.name !== "desktop", "the whole hand-over once, on a desktop");
  test.setTimeout(240_000);
  const oldOwner = await signedIn(page, testInfo, "handover");
  await newClient(page, testInfo, "Qzx Klient", "Qzx-notat");

  await open(page, testInfo, "/settings");
  await page.getByRole("link", { name: "Hand over" }).first().click();
  await expect(page).toHaveURL(/\/settings\/transfer$/);
  const holdings = page.locator("#holdings");
  await expect(holdings.getByRole("row", { name: /^Clients/ })).toContainText("1");
  await expectAccessible(page);

  // 1. Clean up: the clients go, keys first.
  await page.getByLabel("Clients (1)").check();
  await page.locator("#delete-password").fill(PASSWORD);
  await page.getByRole("button", { name: "Delete the ticked for good" }).click();
  await expect(holdings.getByRole("row", { name: /^Clients/ })).toContainText("0");

  // 3. The new owner's login; the hand-over waits for their confirmation.
  const newOwner = uniqueEmail(testInfo, "newowner");
  await page.getByLabel("The new owner's name").fill("Nora Ny");
  await page.getByLabel("The new owner's email address").fill(newOwner);
  await page.getByLabel("Temporary password").fill(TEMPORARY);
  await page.locator("#login-password").fill(PASSWORD);
  await page.getByRole("button", { name: "Send the confirmation link" }).click();
  await expect(page.locator("#transfer-pending")).toContainText(`Waiting for Nora Ny to confirm ${newOwner}`);
  await expect(page.locator("#handover-waiting")).toBeVisible();
  await screenshot(page, testInfo, "transfer-waiting");

  const theirs = await (await browser.newContext()).newPage();
  await open(theirs, testInfo, await linkFromOutbox(theirs, testInfo, newOwner, "/confirm-transfer"));
  await theirs.getByRole("button", { name: "Confirm" }).click();
  await expect(theirs.getByRole("status")).toContainText("The owner can now hand over");

  // 4. Hand over: every box, the password again.
  await open(page, testInfo, "/settings/transfer");
  await expect(page.locator("#transfer-pending")).toContainText(`Nora Ny has confirmed ${newOwner}`);
  await page.getByRole("button", { name: "Hand over the practice now" }).click();
  await expect(page.locator("#exported-error")).toContainText("Tick this to go on");
  await page.getByLabel("I have taken out what I must keep.").check();
  await page.getByLabel("I have deleted what the new owner must not see.").check();
  await page.getByLabel("I have told the new owner the temporary password.").check();
  await page.locator("#handover-password").fill(PASSWORD);
  await screenshot(page, testInfo, "transfer-ready");
  await page.getByRole("button", { name: "Hand over the practice now" }).click();
  await expect(page).toHaveURL(/\/login\?reason=transferred$/);
  await expect(page.getByRole("status")).toContainText("The practice is handed over");

  // The old login is dead; the new owner must choose a password before anything else.
  await logIn(page, testInfo, oldOwner);
  await expect(page.getByRole("alert")).toContainText("Wrong email or password");
  await expect(page).toHaveURL(/\/login/);
  await logIn(theirs, testInfo, newOwner, TEMPORARY);
  await expect(theirs).toHaveURL(/\/login\?reason=choose_password$/);
  await expect(theirs.getByRole("status")).toContainText("We sent a link to your email address");
  await open(theirs, testInfo, await linkFromOutbox(theirs, testInfo, newOwner, "/reset-password"));
  await expect(theirs).toHaveURL(/\/reset-password\?token=.+&first=1$/);
  await expect(theirs.getByText("You are the new owner of this account")).toBeVisible();
  await theirs.getByLabel("New password").fill(OWN);
  await theirs.getByRole("button", { name: /password/i }).click();
  await expect(theirs).toHaveURL(/\/login\?reason=password_reset$/);
  await logIn(theirs, testInfo, newOwner, OWN);
  await expect(theirs).toHaveURL(/\/calendar$/);
  await open(theirs, testInfo, "/settings/security");
  await expect(theirs.getByText("The account was handed to a new owner")).toBeVisible();
  await open(theirs, testInfo, "/clients");
  await expect(theirs.getByText("Qzx Klient")).toHaveCount(0);
});

test("a client's data comes out as a ZIP whose PDF is the client's record", async ({ page }, testInfo) => {
  test.skip(!["desktop", "desktop-nojs", "phone"].includes(testInfo.project.name), "wide, without JavaScript, and narrow");
  await signedIn(page, testInfo, "export");
  await newClient(page, testInfo, "Qzx Eksport", "Qzx-notat om søvn");
  await expect(page.locator("#client-export")).toBeVisible();
  await screenshot(page, testInfo, "client-export");
  const [download] = await Promise.all([page.waitForEvent("download"), page.locator("#client-export").click()]);
  expect(download.suggestedFilename()).toMatch(/^trygg-client-\d+-\d{4}-\d{2}-\d{2}\.zip$/);
  const zip = testInfo.outputPath("client.zip");
  await download.saveAs(zip);
  const read = (name: string) =>
    execFileSync("python3", ["-c", "import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))", zip, name]);
  const pdf = read("client.pdf");
  expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
  const text = pdfText(pdf);
  expect(text).toContain("Client record: Qzx Eksport");
  expect(text).toContain("Qzx-notat om søvn");
  const json = JSON.parse(read("client.json").toString("utf8"));
  expect(json.client.name).toBe("Qzx Eksport");
});

test("profile, export and hand-over pages at every size", async ({ page }, testInfo) => {
  test.skip(!jsEnabled(testInfo), "once at each size");
  await signedIn(page, testInfo, "looks");
  for (const path of ["/settings/profile", "/settings/export", "/settings/transfer"]) {
    await open(page, testInfo, path);
    await expectAccessible(page);
    await screenshot(page, testInfo, path.split("/").pop()!);
  }
  // The export starts with the password again, and the page follows it.
  await open(page, testInfo, "/settings/export");
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByRole("button", { name: "Build the archive" }).click();
  await expect(page.locator("#export-status")).toBeVisible();
  await expect(async () => {
    await open(page, testInfo, "/settings/export");
    await expect(page.locator("#export-status")).toContainText("Ready", { timeout: 500 });
  }).toPass({ timeout: 20_000 });
  await screenshot(page, testInfo, "export-ready");
});
