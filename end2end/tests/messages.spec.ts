import { type Page, type TestInfo } from "@playwright/test";
import { expectAccessible } from "./axe";
import { expect, linkFromOutbox, open, signedIn, test, uniqueEmail } from "./helpers";

/** A 1×1 PNG: what a phone's camera roll hands over, in small. */
const PHOTO = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);
const SUMMARY = "Hei Ola! Her er oppsummeringen fra timen.";

/** The newest one-time code mailed to `email`, read from the outbox in a page of its own. */
async function codeFromOutbox(outbox: Page, testInfo: TestInfo, email: string): Promise<string> {
  const mail = outbox
    .locator("li.mail")
    .filter({ has: outbox.locator(".to", { hasText: email }) })
    .filter({ has: outbox.locator(".subject", { hasText: "Your code for the secure message" }) })
    .first();
  await expect(async () => {
    await open(outbox, testInfo, "/dev/outbox");
    await expect(mail).toBeVisible({ timeout: 500 });
  }).toPass({ timeout: 10_000 });
  return (await mail.innerText()).match(/\b\d{6}\b/)![0];
}

test("a client reads a secure message on a phone and answers with a photo; the practitioner sees it on a tablet", async ({ page, browser }, testInfo) => {
  test.skip(!["phone", "phone-nojs"].includes(testInfo.project.name), "clients read on phones, with JavaScript on and off");
  // The practitioner, on a tablet.
  const tablet = await browser.newContext({
    baseURL: testInfo.project.use.baseURL,
    viewport: { width: 820, height: 1180 },
    hasTouch: true,
    locale: "en-US",
  });
  const practitioner = await tablet.newPage();
  await signedIn(practitioner, testInfo, "messages");
  await practitioner.goto("/clients/new");
  await practitioner.getByLabel("Name").fill("Ola Nordmann");
  const email = uniqueEmail(testInfo, "ola");
  await practitioner.getByLabel("Email").fill(email);
  await practitioner.getByRole("button", { name: "Add client" }).click();
  await expect(practitioner).toHaveURL(/\/clients\/\d+$/);
  const messages = practitioner.locator("section.messages");
  await messages.getByLabel("Message").fill(SUMMARY);
  await messages.getByLabel("Files").setInputFiles({ name: "oppsummering.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4\n%%EOF\n") });
  await messages.getByRole("button", { name: "Send securely" }).click();
  await expect(practitioner).toHaveURL(/\?sent=1#messages$/);
  await expect(messages.locator(".thread .message")).toHaveCount(1);
  await expect(messages.locator(".message.mine .read")).toHaveText("Not read yet");
  await expectAccessible(practitioner);

  // The client's mail says only who wrote; the link opens the code step, not the message.
  const link = await linkFromOutbox(page, testInfo, email, "/secure-message");
  const outbox = await page.context().newPage();
  await open(outbox, testInfo, "/dev/outbox");
  await expect(outbox.locator("li.mail", { hasText: "Secure message from Klinikk Nord" }).first()).not.toContainText("oppsummering");
  await open(page, testInfo, link);
  await expect(page.locator(".practice")).toHaveText("Klinikk Nord");
  await expect(page.getByText(SUMMARY)).toHaveCount(0);
  await expectAccessible(page);
  await page.getByRole("button", { name: "Email me a code" }).click();
  await expect(page.getByRole("status")).toContainText("We have sent a 6-digit code");
  const code = await codeFromOutbox(outbox, testInfo, email);
  await page.getByLabel("Code from the email").fill(code);
  await page.getByRole("button", { name: "Open the conversation" }).click();

  // The conversation, with the file as a download.
  await expect(page.locator(".thread")).toContainText(SUMMARY);
  const file = page.getByRole("link", { name: "oppsummering.pdf" });
  await expect(file).toBeVisible();
  const download = page.waitForEvent("download");
  await file.click();
  expect((await download).suggestedFilename()).toBe("oppsummering.pdf");
  await expectAccessible(page);

  // A file that is not what its name says is refused beside the field, and nothing is sent.
  await page.getByLabel("Your answer").fill("Her er innkallingen.");
  await page.getByLabel("Files").setInputFiles({ name: "innkalling.pdf", mimeType: "application/pdf", buffer: Buffer.from("<html><script>alert(1)</script></html>") });
  await page.getByRole("button", { name: "Send securely" }).click();
  await expect(page.locator("#files-error")).toContainText("This type of file cannot be sent");
  await expect(page.locator(".thread .message")).toHaveCount(1);
  await expect(page.getByLabel("Your answer"), "the typed text is not lost").toHaveValue("Her er innkallingen.");

  // The answer with a photo.
  await page.getByLabel("Your answer").fill("Takk! Her er bildet av skjemaet.");
  await page.getByLabel("Files").setInputFiles({ name: "skjema.png", mimeType: "image/png", buffer: PHOTO });
  await page.getByRole("button", { name: "Send securely" }).click();
  await expect(page.getByRole("status")).toContainText("Sent.");
  await expect(page.locator(".thread .message")).toHaveCount(2);
  await expect(page.locator(".message.mine")).toContainText("Takk! Her er bildet av skjemaet.");

  // Later the client follows the mailed link again, from the mail app: another site, so the
  // browser leaves the SameSite=Strict session cookie out. The page looks once more from this
  // site, and the conversation opens without a new code.
  const mailApp = await page.context().newPage();
  await mailApp.setContent(`<a href="${new URL(link, page.url()).href}">Open the secure message</a>`);
  await mailApp.getByRole("link", { name: "Open the secure message" }).click();
  await expect(mailApp).toHaveURL(/resumed=1/);
  await expect(mailApp.locator(".thread .message")).toHaveCount(2);

  // The practitioner sees one unread, reads it, and sees that the client read theirs.
  await practitioner.goto("/messages");
  const row = practitioner.locator(".conversations li", { hasText: "Ola Nordmann" });
  await expect(row.locator(".unread")).toHaveText("1 unread");
  await expectAccessible(practitioner);
  await row.getByRole("link").click();
  await expect(practitioner.locator(".thread")).toContainText("Takk! Her er bildet av skjemaet.");
  await expect(practitioner.getByRole("link", { name: "skjema.png" })).toBeVisible();
  await expect(practitioner.locator(".message.mine .read")).toContainText("Read");
  await expectAccessible(practitioner);
  await practitioner.goto("/messages");
  await expect(row.locator(".unread")).toHaveCount(0);
  await tablet.close();
});
