import { readFile } from "node:fs/promises";
import { expectAccessible } from "./axe";
import { expect, jsEnabled, linkFromOutbox, open, pdfText, signedIn, test } from "./helpers";

// The client's page speaks the declaration's language, whatever the browser's (these browsers ask
// for English), and a plain link switches to the other language: with JavaScript on and off.
test("a Norwegian declaration gets a Norwegian page, and the client can switch it to English", async ({ page, browser }, testInfo) => {
  test.skip(!["phone", "phone-nojs"].includes(testInfo.project.name), "clients answer on phones, with JavaScript on and off");
  const desk = await browser.newContext({ baseURL: testInfo.project.use.baseURL, viewport: { width: 1280, height: 800 }, locale: "en-US" });
  const practitioner = await desk.newPage();
  await signedIn(practitioner, testInfo, "consent-lang");
  await practitioner.goto("/clients/new");
  await practitioner.getByLabel("Name").fill("Ola Nordmann");
  const email = `ola-lang-${testInfo.project.name}-${Date.now()}@example.no`;
  await practitioner.getByLabel("Email").fill(email);
  await practitioner.getByRole("button", { name: "Add client" }).click();
  await expect(practitioner).toHaveURL(/\/clients\/\d+$/);
  const consent = practitioner.locator("section.consent");
  await consent.getByLabel("Declaration").selectOption({ label: "Samtykke til behandling av helseopplysninger" });
  await Promise.all([
    practitioner.waitForResponse((response) => response.url().includes("/api/consent/send")),
    consent.getByRole("button", { name: "Send for signing" }).click(),
  ]);
  await desk.close();

  const link = await linkFromOutbox(page, testInfo, email, "/consent");
  await open(page, testInfo, link);
  const main = page.locator("main");
  await expect(main).toHaveAttribute("lang", "nb");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Samtykke til behandling av helseopplysninger");
  await expect(page.getByRole("button", { name: "Signer", exact: true })).toBeVisible();
  await expect(page.getByRole("button", { name: "Avslå" })).toBeVisible();
  await expect(page.getByLabel("Ditt fulle navn")).toBeVisible();
  await expect(page.getByRole("button", { name: "Sign", exact: true })).toHaveCount(0);
  await expectAccessible(page);
  await page.screenshot({ path: `/tmp/polish/consent-nb-${testInfo.project.name}.png`, fullPage: true });

  // A refused form answers in the page's language too.
  await page.getByRole("button", { name: "Signer", exact: true }).click();
  await expect(page.getByText("Kryss av i boksen for å gi samtykke.")).toBeVisible();

  // The switch: a link to the same page in English.
  await page.getByRole("link", { name: "English" }).click();
  await expect(page).toHaveURL(/[?&]lang=en/);
  if (jsEnabled(testInfo)) await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true", { timeout: 30_000 });
  await expect(main).toHaveAttribute("lang", "en");
  // The declaration itself stays as written; everything around it is English.
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Samtykke til behandling av helseopplysninger");
  await expect(page.getByRole("button", { name: "Sign", exact: true })).toBeVisible();
  await expect(page.getByRole("link", { name: "Norsk" })).toBeVisible();
  await expectAccessible(page);
  await page.screenshot({ path: `/tmp/polish/consent-en-${testInfo.project.name}.png`, fullPage: true });

  await page.getByLabel("I have read the declaration and give my consent.").check();
  await page.getByLabel("Your full name").fill("Ola Nordmann");
  await page.getByRole("button", { name: "Sign", exact: true }).click();
  await expect(page.getByRole("status").first()).toContainText("Signed");
  // Until when the copy can be had, in the English date form ("25 Nov 2026, 14:05").
  await expect(page.locator(".copy-until")).toHaveText(/until \d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d\.$/);
  const [mine] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download what you signed (PDF)" }).click()]);
  expect(mine.suggestedFilename()).toBe("signed-consent.pdf");
  const english = pdfText(await readFile((await mine.path())!));
  expect(english).toContain("Signature and trail");
  expect(english).toContain("Name typed");

  // Back in the declaration's language: the labels of the same copy in Norwegian.
  await open(page, testInfo, link);
  await expect(main).toHaveAttribute("lang", "nb");
  await expect(page.locator(".copy-until")).toHaveText(/fram til \d{1,2}\. [a-zæøå]+\.? \d{4} kl\. \d\d:\d\d\.$/);
  const [norsk] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Last ned det du signerte (PDF)" }).click()]);
  expect(norsk.suggestedFilename()).toBe("signert-samtykke.pdf");
  const norwegian = pdfText(await readFile((await norsk.path())!));
  expect(norwegian).toContain("Signatur og historikk");
  expect(norwegian).toContain("Navn skrevet inn");
});
