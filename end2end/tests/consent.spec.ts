import { readFile } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import { linkFromOutbox, open, pdfText, signedIn } from "./helpers";

test.beforeEach(({}, testInfo) => {
  test.skip(!["phone", "phone-nojs"].includes(testInfo.project.name), "clients answer on phones, with JavaScript on and off");
});

test("a consent request is signed on a phone with a typed name, withdrawn, and the next one declined", async ({ page, browser }, testInfo) => {
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
  await consent.getByRole("button", { name: "Send for signing" }).click();
  await practitioner.goto(profile);
  await expect(consent.locator(".consent-now")).toContainText("Sent");

  // The client opens the link from the email on a phone.
  await open(page, testInfo, await linkFromOutbox(page, testInfo, email, "/consent"));
  await expect(page.locator(".practice")).toHaveText("Klinikk Nord");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Samtykke til behandling av helseopplysninger");
  await expect(page.locator(".declaration")).toContainText("artikkel 9");
  await page.getByLabel("Your full name").fill("Ola Nordmann");
  await page.getByRole("button", { name: "Sign" }).click();
  await expect(page.locator("#agree-error")).toHaveText("Tick the box to give your consent.");
  await page.getByLabel("I have read the declaration and give my consent.").check();
  await page.getByLabel("Your full name").fill("Ola Nordmann");
  await page.getByRole("button", { name: "Sign" }).click();
  await expect(page.getByRole("status")).toContainText("Signed");
  await expect(page.getByRole("button", { name: "Sign" })).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath("consent-signed.png"), fullPage: true });

  await practitioner.goto("/clients");
  await expect(practitioner.locator(".client-list li", { hasText: "Ola Nordmann" }).locator(".consent-status")).toHaveText("Signed");
  await practitioner.goto(profile);
  await expect(consent.locator(".consent-now")).toContainText("Signed");
  const [download] = await Promise.all([
    practitioner.waitForEvent("download"),
    consent.getByRole("link", { name: "Signed copy (PDF)" }).click(),
  ]);
  const copy = pdfText(await readFile((await download.path())!));
  for (const expected of ["Samtykke til behandling av helseopplysninger", "Ola Nordmann", "Signed", "Opened"]) {
    expect(copy).toContain(expected);
  }

  // The client changes their mind, through the same link.
  await page.getByRole("button", { name: "Withdraw my consent" }).click();
  await expect(page.getByRole("status")).toContainText("Withdrawn");
  await practitioner.goto(profile);
  await expect(consent.locator(".consent-now")).toContainText("Withdrawn");

  // A second request, declined.
  await practitioner.goto(profile);
  await consent.getByRole("button", { name: "Send for signing" }).click();
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
  await desk.close();
});
