import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type Locator, type Page } from "@playwright/test";
import { expectAccessible } from "./axe";
import { expect, jsEnabled, linkFromOutbox, open, pdfText, signedIn, test } from "./helpers";

/** Draws a wavy line across the pad with a finger: real touch input, through Chromium's DevTools. */
async function drawWithFinger(page: Page, pad: Locator) {
  await pad.scrollIntoViewIfNeeded();
  const box = (await pad.boundingBox())!;
  const at = (fx: number, fy: number) => [{ x: box.x + box.width * fx, y: box.y + box.height * fy }];
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: at(0.1, 0.6) });
  for (let i = 1; i <= 12; i++) {
    await cdp.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: at(0.1 + i * 0.06, 0.5 - 0.3 * Math.sin(i / 2)) });
  }
  await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
  await cdp.detach();
}

/** How many of the pad's pixels have ink on them. */
async function inked(pad: Locator): Promise<number> {
  return pad.evaluate((canvas: HTMLCanvasElement) => {
    const data = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
    let count = 0;
    for (let i = 3; i < data.length; i += 4) count += data[i] > 0 ? 1 : 0;
    return count;
  });
}

/** Sends the English declaration from the client page, and waits until the server has it. (The
 *  page speaks the declaration's language: consent_language.spec.ts sends the Norwegian one.) */
async function sendForSigning(practitioner: Page) {
  await practitioner.locator("section.consent").getByLabel("Declaration").selectOption({ label: "Consent to the processing of health data" });
  await Promise.all([
    practitioner.waitForResponse((response) => response.url().includes("/api/consent/send")),
    practitioner.locator("section.consent").getByRole("button", { name: "Send for signing" }).click(),
  ]);
}

test("a consent request is signed on a phone with a typed name, withdrawn, and the next one declined", async ({ page, browser }, testInfo) => {
  test.skip(!["phone", "phone-nojs"].includes(testInfo.project.name), "clients answer on phones, with JavaScript on and off");
  // The practitioner, at a desk.
  const desk = await browser.newContext({ baseURL: testInfo.project.use.baseURL, viewport: { width: 1280, height: 800 }, locale: "en-US" });
  const practitioner = await desk.newPage();
  await signedIn(practitioner, testInfo, "consent");
  await practitioner.goto("/clients/new");
  await practitioner.getByLabel("Name").fill("Ola Nordmann");
  const email = `ola-${testInfo.project.name}-${Date.now()}@example.no`;
  await practitioner.getByLabel("Email").fill(email);
  await practitioner.getByRole("button", { name: "Add client" }).click();
  await expect(practitioner).toHaveURL(/\/clients\/\d+$/);
  const profile = new URL(practitioner.url()).pathname;
  const consent = practitioner.locator("section.consent");
  await expect(consent.locator(".consent-now")).toContainText("Not asked");
  await sendForSigning(practitioner);
  await practitioner.goto(profile);
  await expect(consent.locator(".consent-now")).toContainText("Sent");

  // The mail client's link scanner fetches the link first: with and without following
  // redirects, and HEAD.
  const link = await linkFromOutbox(page, testInfo, email, "/consent");
  for (const scan of [
    page.request.get(link, { maxRedirects: 0 }),
    page.request.get(link),
    page.request.head(link),
    page.request.get(link.replace("/consent?", "/consent/copy.pdf?")),
  ]) {
    await scan;
  }
  // The client opens the link from the email on a phone.
  await open(page, testInfo, link);
  await expect(page.locator(".practice")).toHaveText("Klinikk Nord");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Consent to the processing of health data");
  await expect(page.locator(".declaration")).toContainText("Article 9");
  await expectAccessible(page);
  // Neither the scanner nor showing the page opened the request.
  await practitioner.goto(profile);
  await expect(consent.locator(".consent-now")).toContainText("Sent");
  if (jsEnabled(testInfo)) {
    // The client reads on: the first touch tells the practice the link was opened.
    await page.locator(".declaration").tap();
    await expect(async () => {
      await practitioner.goto(profile);
      await expect(consent.locator(".consent-now")).toContainText("Opened", { timeout: 500 });
    }).toPass({ timeout: 10_000 });
  }
  await page.getByLabel("Your full name").fill("Ola Nordmann");
  await page.getByRole("button", { name: "Sign" }).click();
  await expect(page.locator("#agree-error")).toHaveText("Tick the box to give your consent.");
  await expectAccessible(page);
  // Without JavaScript, that first form sent is what opened it.
  await practitioner.goto(profile);
  await expect(consent.locator(".consent-now")).toContainText("Opened");
  await page.getByLabel("I have read the declaration and give my consent.").check();
  if (jsEnabled(testInfo)) {
    // A field's error goes once the field is changed.
    await expect(page.locator("#agree-error")).toBeEmpty();
  }
  await page.getByLabel("Your full name").fill("Ola Nordmann");
  const pad = page.getByLabel("Draw your signature (optional)");
  const drawn = page.locator('input[name="signature"]');
  if (jsEnabled(testInfo)) {
    // With a finger; cleared once, and drawn again.
    await drawWithFinger(page, pad);
    await expect(drawn).toHaveValue(/^\d+,\d+( \d+,\d+){3,}$/);
    expect(await inked(pad)).toBeGreaterThan(500);
    await page.getByRole("button", { name: "Clear" }).click();
    await expect(drawn).toHaveValue("");
    expect(await inked(pad)).toBe(0);
    await drawWithFinger(page, pad);
    await expect(drawn).toHaveValue(/^\d+,\d+( \d+,\d+){3,}$/);
    await page.screenshot({ path: testInfo.outputPath("consent-drawn.png"), fullPage: true });
  } else {
    // Without JavaScript the pad stays hidden; the typed name is the signature.
    await expect(pad).toBeHidden();
    await expect(page.getByText("Drawing a signature needs JavaScript.")).toBeVisible();
  }
  await page.getByRole("button", { name: "Sign" }).click();
  await expect(page.getByRole("status")).toContainText("Signed");
  await expect(page.getByRole("button", { name: "Sign" })).toHaveCount(0);
  await expect(page.getByText("Through this link you can read and download what you signed until")).toBeVisible();
  await expectAccessible(page);
  // The receipt page gives the client their own copy.
  const [mine] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download what you signed (PDF)" }).click()]);
  expect(mine.suggestedFilename()).toBe("signed-consent.pdf");
  expect(pdfText(await readFile((await mine.path())!))).toContain("Ola Nordmann");
  await page.screenshot({ path: testInfo.outputPath("consent-signed.png"), fullPage: true });

  await practitioner.goto("/clients");
  await expect(practitioner.locator(".client-list li", { hasText: "Ola Nordmann" }).locator(".consent-status")).toHaveText("Signed");
  await practitioner.goto(profile);
  await expect(consent.locator(".consent-now")).toContainText("Signed");
  const [download] = await Promise.all([
    practitioner.waitForEvent("download"),
    consent.getByRole("link", { name: "Signed copy (PDF)" }).click(),
  ]);
  const pdf = await readFile((await download.path())!);
  const copy = pdfText(pdf);
  for (const expected of ["Consent to the processing of health data", "Ola Nordmann", "Signed", "Opened", "Drawn signature"]) {
    expect(copy).toContain(expected);
  }
  // The drawing is in the copy as lines in a frame; without JavaScript there is none.
  const lines = pdf.toString("latin1").split("\n").filter((line) => / l$/.test(line)).length;
  if (jsEnabled(testInfo)) {
    expect(lines).toBeGreaterThan(3);
  } else {
    expect(lines).toBe(0);
  }
  // The client's receipt carries the signed copy.
  const receipt = page.locator("li.mail").filter({ hasText: "Your consent to Klinikk Nord is recorded" }).filter({ hasText: email });
  await expect(async () => {
    await open(page, testInfo, "/dev/outbox");
    await expect(receipt.locator(".attachments li")).toHaveText(/^signed-consent\.pdf \(\d+ KB\)$/, { timeout: 500 });
  }).toPass({ timeout: 10_000 });
  await open(page, testInfo, link);

  // The client changes their mind, through the same link.
  await page.getByRole("button", { name: "Withdraw my consent" }).click();
  await expect(page.getByRole("status")).toContainText("Withdrawn");
  await practitioner.goto(profile);
  await expect(consent.locator(".consent-now")).toContainText("Withdrawn");

  // A second request, declined.
  await practitioner.goto(profile);
  await sendForSigning(practitioner);
  await practitioner.goto(profile);
  await expect(consent.locator(".consent-now")).toContainText("Sent");
  await open(page, testInfo, await linkFromOutbox(page, testInfo, email, "/consent"));
  await expect(page.getByRole("button", { name: "Sign" })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath("consent-phone.png"), fullPage: true });
  await page.getByRole("button", { name: "Decline" }).click();
  await expect(page.getByRole("status")).toContainText("Declined");
  await practitioner.goto(profile);
  await expect(consent.locator(".consent-now")).toContainText("Declined");
  await expect(consent.locator(".consent-requests li")).toHaveCount(2);
  // The practice's access log names every step in words, the client's without a name.
  await practitioner.getByText("Access log").click();
  const log = practitioner.locator(".journal-log");
  await expect(log.locator("tr", { hasText: "Declined the consent" }).first()).toContainText("The client");
  await expect(log.locator("tr", { hasText: "Downloaded a signed consent copy" }).first()).toContainText("Kari Nordmann");
  await expect(log).not.toContainText("Ola Nordmann");
  await expectAccessible(practitioner);
  await practitioner.setViewportSize({ width: 390, height: 844 });
  await log.locator("summary").evaluate((summary) => summary.scrollIntoView());
  await practitioner.screenshot({ path: testInfo.outputPath("access-log-phone.png") });
  await desk.close();
});

test("a signature drawn with the mouse on a desktop goes into the signed copy", async ({ page }, testInfo) => {
  test.skip(testInfo.project.name !== "desktop", "the mouse, on a desktop with JavaScript");
  await signedIn(page, testInfo, "consent-mouse");
  await page.goto("/clients/new");
  await page.getByLabel("Name").fill("Siri Hansen");
  const email = `siri-${Date.now()}@example.no`;
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Add client" }).click();
  await expect(page).toHaveURL(/\/clients\/\d+$/);
  const profile = new URL(page.url()).pathname;
  await sendForSigning(page);

  await open(page, testInfo, await linkFromOutbox(page, testInfo, email, "/consent"));
  await page.getByLabel("I have read the declaration and give my consent.").check();
  await page.getByLabel("Your full name").fill("Siri Hansen");
  const pad = page.getByLabel("Draw your signature (optional)");
  await pad.scrollIntoViewIfNeeded();
  const box = (await pad.boundingBox())!;
  // Two strokes: a line, then a dot.
  await page.mouse.move(box.x + 20, box.y + box.height - 20);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width - 20, box.y + 20, { steps: 8 });
  await page.mouse.up();
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  await expect(page.locator('input[name="signature"]')).toHaveValue(/^\d+,\d+( \d+,\d+){3,};\d+,\d+$/);
  expect(await inked(pad)).toBeGreaterThan(300);
  await page.screenshot({ path: testInfo.outputPath("consent-desktop-drawn.png"), fullPage: true });
  await page.getByRole("button", { name: "Sign" }).click();
  await expect(page.getByRole("status")).toContainText("Signed");

  await open(page, testInfo, profile);
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.locator("section.consent").getByRole("link", { name: "Signed copy (PDF)" }).click(),
  ]);
  const pdf = (await readFile((await download.path())!)).toString("latin1").split("\n");
  // The line's segments and the dot, drawn in the copy.
  expect(pdf.filter((line) => / m$/.test(line))).toHaveLength(2);
  expect(pdf.filter((line) => / l$/.test(line)).length).toBeGreaterThan(3);
});

/** Moves the signature of the request behind `link` back `days` days, in the server's database. */
function ageSignature(link: string, days: number) {
  const token = new URL(link, "http://x").searchParams.get("token")!;
  const hash = createHash("sha256").update(token).digest("hex");
  const database = join(process.env.TRYGG_E2E_DATA_DIR!, "trygg.db");
  const sql = `UPDATE consent_requests SET decided_at = decided_at - ${days * 86_400} WHERE token_hash = X'${hash}';`;
  execFileSync("sqlite3", ["-cmd", ".timeout 5000", database, sql]);
}

/** The six digits of the newest code mail to `email`, read in the outbox on a page of its own. */
async function codeFromOutbox(mailbox: Page, testInfo: Parameters<typeof open>[1], email: string): Promise<string> {
  const mail = mailbox
    .locator("li.mail")
    .filter({ has: mailbox.locator(".to", { hasText: email }) })
    .filter({ hasText: "Your code to withdraw your consent" })
    .first();
  await expect(async () => {
    await open(mailbox, testInfo, "/dev/outbox");
    await expect(mail).toBeVisible({ timeout: 500 });
  }).toPass({ timeout: 10_000 });
  return (await mail.locator(".body").innerText()).match(/^\s*(\d{6})\s*$/m)![1];
}

test("a month after signing, the link shows no copy and withdraws only with a code mailed to the client", async ({ page, browser }, testInfo) => {
  test.skip(!["phone", "phone-nojs"].includes(testInfo.project.name), "clients withdraw on phones, with JavaScript on and off");
  test.skip(!process.env.TRYGG_E2E_DATA_DIR, "needs the server's database to move the signature back a month");
  const desk = await browser.newContext({ baseURL: testInfo.project.use.baseURL, viewport: { width: 1280, height: 800 }, locale: "en-US" });
  const practitioner = await desk.newPage();
  await signedIn(practitioner, testInfo, "consent-old");
  await practitioner.goto("/clients/new");
  await practitioner.getByLabel("Name").fill("Ola Nordmann");
  const email = `ola-old-${testInfo.project.name}-${Date.now()}@example.no`;
  await practitioner.getByLabel("Email").fill(email);
  await practitioner.getByRole("button", { name: "Add client" }).click();
  await expect(practitioner).toHaveURL(/\/clients\/\d+$/);
  const profile = new URL(practitioner.url()).pathname;
  const consent = practitioner.locator("section.consent");
  await sendForSigning(practitioner);

  const link = await linkFromOutbox(page, testInfo, email, "/consent");
  await open(page, testInfo, link);
  await page.getByLabel("I have read the declaration and give my consent.").check();
  await page.getByLabel("Your full name").fill("Ola Nordmann");
  await page.getByRole("button", { name: "Sign" }).click();
  await expect(page.getByRole("status")).toContainText("Signed");

  // A month later the old mail's link no longer reads out the declaration or the signed copy.
  ageSignature(link, 31);
  await open(page, testInfo, link);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Withdraw your consent");
  await expect(page.locator(".declaration")).toHaveCount(0);
  await expect(page.locator(".practice")).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Download what you signed (PDF)" })).toHaveCount(0);
  expect((await page.request.get(link.replace("/consent?", "/consent/copy.pdf?"))).status()).toBe(404);
  await expectAccessible(page);
  await page.screenshot({ path: testInfo.outputPath("consent-withdraw-old.png"), fullPage: true });

  // The link alone withdraws nothing.
  await page.getByRole("button", { name: "Withdraw my consent" }).click();
  await expect(page.locator("#code-error")).toHaveText("Please fill in this field.");
  await page.getByRole("button", { name: "Email me a code" }).click();
  await expect(page.getByRole("status").filter({ hasText: "We have sent a 6-digit code" })).toBeVisible();
  const mailbox = await page.context().newPage();
  const code = await codeFromOutbox(mailbox, testInfo, email);
  const wrong = code === "000000" ? "000001" : "000000";
  const field = page.getByLabel("Code from the email");
  await expect(field).toHaveAttribute("inputmode", "numeric");
  await expect(field).toHaveAttribute("autocomplete", "one-time-code");
  await field.fill(wrong);
  await page.getByRole("button", { name: "Withdraw my consent" }).click();
  await expect(page.locator("#code-error")).toHaveText("That code is not right. Check the newest email from us and try again.");
  await expectAccessible(page);
  await page.screenshot({ path: testInfo.outputPath("consent-withdraw-code.png"), fullPage: true });
  await practitioner.goto(profile);
  await expect(consent.locator(".consent-now")).toContainText("Signed");

  await page.getByLabel("Code from the email").fill(code);
  await page.getByRole("button", { name: "Withdraw my consent" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Withdrawn" })).toBeVisible();
  await expect(page.getByLabel("Code from the email")).toHaveCount(0);
  await expectAccessible(page);
  await practitioner.goto(profile);
  await expect(consent.locator(".consent-now")).toContainText("Withdrawn");
  await desk.close();
});
