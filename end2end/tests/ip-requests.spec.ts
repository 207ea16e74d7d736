import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { type Page, type TestInfo } from "@playwright/test";
import { expectAccessible } from "./axe";
import { PASSWORD, bookOnPhone, expect, jsEnabled, open, pdfText, setUpPractice, signedIn, test, totp } from "./helpers";

// The IP address of an online booking, as the people involved go through it: a client books on
// a phone; the practitioner (on a tablet) requests the booking's address in writing; support (on
// a desktop) reads the request, never the address, and records the authority's decision with
// password and code; the practitioner sees the address once, with a statement to download, and
// never again. Without JavaScript everything up to the release works; the release waits for
// JavaScript (the address is shown once, on the page), so that project stops there.

test.beforeEach(async ({}, testInfo) => {
  test.skip(!["tablet", "desktop-nojs"].includes(testInfo.project.name), "the practitioner on a tablet, and once without JavaScript");
  test.skip(!process.env.TRYGG_E2E_DATA_DIR || !process.env.TRYGG_E2E_SERVER, "needs the server's data and binary for a support account");
  test.setTimeout(240_000);
});

/** The browser the client books with: what support must never see and the practitioner sees once. */
const AGENT = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Mobile Safari/537.36 TryggE2E/20";
const BOOKING_IP = "127.0.0.1";
/** The address, but not as part of the server's own URL (http://127.0.0.1:3100). */
const BOOKING_IP_ALONE = /127\.0\.0\.1(?!:\d)/;
const CASE_REFERENCE = "2026/4711";
const REASON =
  "The client sent threatening messages after the booking and the police asked for the address the booking came from.";

/** A code from a time step not used yet: waits for the next step to begin. */
async function nextCode(page: Page, key: string): Promise<string> {
  await page.waitForTimeout(30_000 - (Date.now() % 30_000) + 500);
  return totp(key);
}

async function screenshots(page: Page, testInfo: TestInfo, name: string, axe = true) {
  const original = page.viewportSize()!;
  for (const [size, viewport] of [
    ["phone", { width: 390, height: 844 }],
    ["tablet", { width: 820, height: 1180 }],
    ["desktop", { width: 1280, height: 800 }],
  ] as const) {
    await page.setViewportSize(viewport);
    await page.screenshot({ path: testInfo.outputPath(`${name}-${size}.png`), fullPage: true });
    if (axe) await expectAccessible(page);
  }
  await page.setViewportSize(original);
}

test("an online booking's IP address: requested, approved by support without seeing it, shown once", async ({
  page,
  browser,
}, testInfo) => {
  const js = jsEnabled(testInfo);
  const client = "Ola Nordmann";

  // The practice, and a booking made on its public page.
  const email = await signedIn(page, testInfo, "iprequest");
  await setUpPractice(page, testInfo, "Anne Berg");
  await open(page, testInfo, "/settings/services");
  const address = new URL((await page.getByTestId("booking-address").getAttribute("href"))!).pathname;
  const date = await bookOnPhone(browser, testInfo, address, { name: client, email: "ola.ip@example.no", phone: "+47 912 34 568", userAgent: AGENT });

  // Nothing requested yet.
  await open(page, testInfo, "/ip-requests");
  await expect(page.getByRole("heading", { level: 1, name: "IP address requests" })).toBeVisible();
  await expect(page.getByText("No requests yet.")).toBeVisible();

  // The booking, in the calendar: its page offers the request; so does the client's page.
  await open(page, testInfo, `/calendar?date=${date}`);
  await page.locator("a.appt", { hasText: client }).click();
  await expect(page).toHaveURL(/\/calendar\/appointments\/\d+$/);
  const appointment = new URL(page.url()).pathname.split("/").pop()!;
  const request = page.getByRole("link", { name: "Request the IP address" });
  await expect(request).toHaveAttribute("href", `/ip-requests/new?appointment=${appointment}`);
  await page.locator(".client-links").getByRole("link", { name: "Profile" }).click();
  await expect(page).toHaveURL(/\/clients\/\d+$/);
  const online = page.locator("#online-bookings");
  await expect(online.getByRole("heading", { name: "Bookings made online" })).toBeVisible();
  await expect(online.getByRole("link", { name: "Request the IP address" })).toHaveAttribute(
    "href",
    `/ip-requests/new?appointment=${appointment}`,
  );
  await online.getByRole("link", { name: "Request the IP address" }).click();

  // The written request: the client's name to start with, and a reason of 30 characters or more.
  await expect(page).toHaveURL(new RegExp(`/ip-requests/new\\?appointment=${appointment}$`));
  if (js) await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true", { timeout: 30_000 });
  await expect(page.getByRole("heading", { level: 1, name: "Request the IP address of a booking" })).toBeVisible();
  await expect(page.getByLabel("Client (name or ID)")).toHaveValue(client);
  await screenshots(page, testInfo, `ip-new-${testInfo.project.name}`);
  await page.getByLabel("Why do you need the IP address?").fill("Threats.");
  await page.getByRole("button", { name: "Send the request" }).click();
  await expect(page.locator("#reason-error")).toContainText("At least 30 characters");
  await page.getByLabel("Why do you need the IP address?").fill(REASON);
  await page.getByRole("button", { name: "Send the request" }).click();
  await expect(page).toHaveURL(/\/ip-requests\/\d+$/);
  const id = new URL(page.url()).pathname.split("/").pop()!;
  await expect(page.getByRole("heading", { level: 1, name: `IP address request ${id}` })).toBeVisible();
  await expect(page.getByTestId("ip-status")).toHaveText("Sent");
  await expect(page.locator("body")).not.toContainText(BOOKING_IP_ALONE);
  await expect(page.locator("body")).not.toContainText("TryggE2E");
  await screenshots(page, testInfo, `ip-sent-${testInfo.project.name}`);

  // The request shows in the list; a second one for the same booking is not offered.
  await open(page, testInfo, "/ip-requests");
  await expect(page.locator("li.request", { hasText: `IP address request ${id}` }).getByTestId("ip-status")).toHaveText("Sent");
  await open(page, testInfo, `/ip-requests/new?appointment=${appointment}`);
  await expect(page.getByText("This booking has an open request already.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Send the request" })).toHaveCount(0);

  // Support: an account made with the server's subcommand, two-factor from the start.
  const staffEmail = `support-ip-${testInfo.project.name}-${Date.now()}@trygg.example`;
  const printed = execFileSync(process.env.TRYGG_E2E_SERVER!, ["support", "add", staffEmail, "Siri Support"], {
    env: { ...process.env, TRYGG_DATA_DIR: process.env.TRYGG_E2E_DATA_DIR, RUST_LOG: "warn" },
    encoding: "utf8",
  });
  const staffPassword = /password: (\S+)/.exec(printed)![1];
  const staffKey = /two-factor key: ([A-Z2-7 ]+)/.exec(printed)![1].trim();
  const supportContext = await browser.newContext({
    baseURL: testInfo.project.use.baseURL,
    viewport: { width: 1280, height: 800 },
    isMobile: false,
    hasTouch: false,
    locale: "en-US",
  });
  const support = await supportContext.newPage();
  await open(support, testInfo, "/login");
  await support.getByLabel("Email").fill(staffEmail);
  await support.getByLabel("Password").fill(staffPassword);
  await support.getByRole("button", { name: "Log in" }).click();
  await expect(support).toHaveURL(/\/login\/code$/);
  await support.getByLabel("Code", { exact: true }).fill(totp(staffKey));
  await support.getByRole("button", { name: "Sign in" }).click();
  await expect(support).toHaveURL(/\/support$/);

  await support.getByRole("link", { name: "IP addresses" }).click();
  await expect(support).toHaveURL(/\/support\/ip-requests$/);
  const line = support.locator("li.request").filter({ has: support.locator(`a[href="/support/ip-requests/${id}"]`) });
  await expect(line).toContainText(client);
  await expect(line.getByTestId("ip-status")).toHaveText("Sent");
  await expect(support.locator("body")).not.toContainText(BOOKING_IP_ALONE);
  await expect(support.locator("body")).not.toContainText("TryggE2E");
  await expectAccessible(support);
  await support.screenshot({ path: testInfo.outputPath(`support-ip-queue-${testInfo.project.name}.png`), fullPage: true });

  await line.getByRole("link").first().click();
  await expect(support).toHaveURL(new RegExp(`/support/ip-requests/${id}$`));
  if (js) await expect(support.locator("body")).toHaveAttribute("data-hydrated", "true", { timeout: 30_000 });
  await expect(support.getByTestId("client-reference")).toHaveText(client);
  await expect(support.getByTestId("reason")).toHaveText(REASON);
  await expect(support.getByTestId("ip-status")).toHaveText("Under review");
  // Support reads the request, never the address nor the browser it came from.
  const shown = await support.locator("body").innerText();
  expect(shown).not.toMatch(BOOKING_IP_ALONE);
  expect(shown).not.toContain("TryggE2E");
  expect(shown).not.toContain("Android");
  expect(await support.content()).not.toMatch(BOOKING_IP_ALONE);
  await screenshots(support, testInfo, `support-ip-request-${testInfo.project.name}`);

  // The decision: the authority's case reference and date, the approver's password and a new code.
  await support.getByLabel("The authority's case reference").fill(CASE_REFERENCE);
  const caseDate = support.getByLabel("Date of the authority's decision");
  await expect(caseDate).toHaveAttribute("type", "date");
  const today = (await caseDate.getAttribute("max"))!;
  expect(today).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  await caseDate.fill(today);
  await support.getByLabel("Password").fill(staffPassword);
  await support.getByLabel("Code", { exact: true }).fill(await nextCode(support, staffKey));
  await support.getByRole("button", { name: "Approve" }).click();
  await expect(support.getByTestId("ip-status")).toHaveText("Approved");
  await expect(support.getByTestId("case-reference")).toHaveText(CASE_REFERENCE);
  await expect(support.getByRole("button", { name: "Approve" })).toHaveCount(0);
  expect(await support.locator("body").innerText()).not.toMatch(BOOKING_IP_ALONE);
  await expectAccessible(support);
  await support.screenshot({ path: testInfo.outputPath(`support-ip-approved-${testInfo.project.name}.png`), fullPage: true });
  await support.goto("/support/audit");
  await expect(support.locator("table.audit")).toContainText("Approved an IP address request");
  await supportContext.close();

  // The practice is told by mail, without the address.
  const mail = page.locator("li.mail").filter({ has: page.locator(".to", { hasText: email }) }).filter({
    hasText: `Your IP address request ${id} is approved`,
  });
  await expect(async () => {
    await open(page, testInfo, "/dev/outbox");
    await expect(mail.first()).toBeVisible({ timeout: 500 });
  }).toPass({ timeout: 10_000 });
  expect(await mail.first().innerText()).not.toMatch(BOOKING_IP_ALONE);
  await expect(mail.first()).not.toContainText("TryggE2E");

  // The practitioner: approved, with the decision; the address waits behind the password.
  await open(page, testInfo, `/ip-requests/${id}`);
  await expect(page.getByTestId("ip-status")).toHaveText("Approved");
  await expect(page.getByTestId("case-reference")).toHaveText(CASE_REFERENCE);
  await expect(page.getByRole("heading", { name: "See the address" })).toBeVisible();
  await expect(page.getByTestId("released-ip")).toHaveCount(0);
  const show = page.getByRole("button", { name: "Show the address" });

  if (!js) {
    // Without JavaScript the button stays off and the page says why: the release is not spent.
    await expect(show).toBeDisabled();
    // (Playwright's text matching skips <noscript>, so the notice is found by its markup.)
    const notice = page.locator("noscript p.notice");
    await expect(notice).toBeVisible();
    expect(await notice.innerText()).toContain("Showing the address needs JavaScript");
    await screenshots(page, testInfo, `ip-approved-${testInfo.project.name}`);
    await open(page, testInfo, `/ip-requests/${id}`);
    await expect(page.getByTestId("ip-status")).toHaveText("Approved");
    return;
  }

  await expect(show).toBeEnabled();
  await screenshots(page, testInfo, `ip-approved-${testInfo.project.name}`);
  // A wrong password shows nothing and spends nothing.
  await page.getByLabel("Password").fill("not the password at all");
  await show.click();
  await expect(page.locator("#password-error")).not.toBeEmpty();
  await expect(page.getByTestId("released-ip")).toHaveCount(0);

  await page.getByLabel("Password").fill(PASSWORD);
  await show.click();
  await expect(page.getByTestId("released-ip")).toHaveText(BOOKING_IP);
  await expect(page.getByTestId("released-agent")).toHaveText(AGENT);
  const statement = page.getByRole("link", { name: "Download the statement (PDF)" });
  await expect(statement).toHaveAttribute("download", /.+/);
  await expect(statement).toHaveAttribute("href", /^data:application\/pdf;base64,/);
  await screenshots(page, testInfo, `ip-released-${testInfo.project.name}`);

  const [download] = await Promise.all([page.waitForEvent("download"), statement.click()]);
  const saved = testInfo.outputPath(download.suggestedFilename() || "statement.pdf");
  await download.saveAs(saved);
  const pdf = readFileSync(saved);
  expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
  const text = pdfText(pdf);
  expect(text).toContain(CASE_REFERENCE);
  expect(text).toContain(BOOKING_IP);

  // Once: after a reload the address is gone for good, and the request says so.
  await page.reload();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true", { timeout: 30_000 });
  await expect(page.getByTestId("ip-status")).toHaveText("Released");
  await expect(page.getByTestId("released-ip")).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Show the address" })).toHaveCount(0);
  await expect(page.getByText("The address was shown to")).toBeVisible();
  await expect(page.locator("body")).not.toContainText(BOOKING_IP_ALONE);
  await expect(page.locator("body")).not.toContainText("TryggE2E");
  await screenshots(page, testInfo, `ip-done-${testInfo.project.name}`);
  await open(page, testInfo, "/ip-requests");
  await expect(page.locator("li.request", { hasText: `IP address request ${id}` }).getByTestId("ip-status")).toHaveText("Released");
});
