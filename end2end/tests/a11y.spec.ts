import { expectAccessible } from "./axe";
import { expect, open, practiceWithBookingPage, setUpPractice, signedIn, test } from "./helpers";

// Every page a person reaches, checked with axe-core (WCAG 2.1 A and AA) at desktop and phone
// size. The checker reads the page's markup as served, so it covers the page without JavaScript
// as well. Pages that need a login challenge or a support account are checked in their own specs.
test.beforeEach(async ({}, testInfo) => {
  test.skip(!["desktop", "phone"].includes(testInfo.project.name), "each page once wide and once narrow");
  test.setTimeout(180_000);
});

test("the public pages", async ({ page }, testInfo) => {
  for (const path of [
    "/login",
    "/login?reason=idle",
    "/signup",
    "/signup/sent",
    "/forgot-password",
    "/forgot-password/sent",
    "/confirm-email?token=x",
    "/revert-email?token=x",
    "/confirm-transfer?token=x",
    "/confirm-transfer?confirmed=1",
    "/nowhere",
  ]) {
    await open(page, testInfo, path);
    await expectAccessible(page);
  }
});

test("a practitioner's pages", async ({ page }, testInfo) => {
  await signedIn(page, testInfo, "a11y");
  await setUpPractice(page, testInfo, "Ingrid Berg");
  const profile = new URL(page.url()).pathname;
  await page.locator("section.journal").getByLabel("Title").fill("Første samtale");
  await page.locator("section.journal").getByLabel("Text").fill("Notat.");
  await page.locator("section.journal").getByRole("button", { name: "Save entry" }).click();
  await expect(page.locator("article.journal-entry")).toHaveCount(1);
  for (const path of [
    "/calendar",
    "/calendar/new",
    "/clients",
    "/clients/new",
    profile,
    `${profile}/edit`,
    `${profile}/delete`,
    "/settings",
    "/settings/profile",
    "/settings/security",
    "/settings/services",
    "/settings/consent",
    "/settings/cleanup",
    "/settings/export",
    "/settings/transfer",
  ]) {
    await open(page, testInfo, path);
    await expectAccessible(page);
  }
});

test("a practice's booking page, on its way to a booking", async ({ page, browser }, testInfo) => {
  const address = await practiceWithBookingPage(browser, testInfo, "a11ybook");
  await open(page, testInfo, address);
  await expectAccessible(page);
  await page.getByRole("link", { name: /Samtale/ }).click();
  await expect(page.getByRole("heading", { name: "Choose a day" })).toBeVisible();
  await page.locator("a.day-choice").nth(1).click();
  await expect(page.getByRole("heading", { name: "Choose a time" })).toBeVisible();
  await expectAccessible(page);
});
