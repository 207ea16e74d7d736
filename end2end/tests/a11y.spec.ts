import { expectAccessible } from "./axe";
import { bookOnPhone, expect, open, practiceWithBookingPage, setUpPractice, signedIn, test } from "./helpers";

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
  // Refused: a time but no name; the errors beside the fields.
  await page.locator("label.time-choice", { hasText: "10:00" }).click();
  await page.getByRole("button", { name: "Book" }).click();
  await expect(page.locator(".field-error:not(:empty)").first()).toBeVisible();
  await expectAccessible(page);
  await page.getByLabel("Your name").fill("Ola Nordmann");
  await page.getByLabel("Email").fill("ola.a11y@example.no");
  await page.getByLabel("Phone").fill("+47 912 34 568");
  await page.locator("label.time-choice", { hasText: "10:00" }).click();
  await page.getByRole("button", { name: "Book" }).click();
  await expect(page.getByRole("heading", { name: "You are booked" })).toBeVisible();
  await expectAccessible(page);
  await open(page, testInfo, "/book/no-such-practice");
  await expectAccessible(page);
});

// Support's side of these requests, and the address shown once, are checked in ip-requests.spec.ts.
test("a practitioner's IP address request pages", async ({ page, browser }, testInfo) => {
  await signedIn(page, testInfo, "a11yip");
  await setUpPractice(page, testInfo, "Ingrid Berg");
  await open(page, testInfo, "/settings/services");
  const address = new URL((await page.getByTestId("booking-address").getAttribute("href"))!).pathname;
  const date = await bookOnPhone(browser, testInfo, address, { name: "Ola Nordmann", email: "ola.a11y@example.no", phone: "+47 912 34 569" });
  await open(page, testInfo, "/ip-requests");
  await expectAccessible(page);
  await open(page, testInfo, `/calendar?date=${date}&view=day`);
  await page.locator("a.appt", { hasText: "Ola Nordmann" }).click();
  await expect(page).toHaveURL(/\/calendar\/appointments\/\d+$/);
  const appointment = new URL(page.url()).pathname.split("/").pop();
  await expectAccessible(page);
  await page.locator(".client-links").getByRole("link", { name: "Profile" }).click();
  await expect(page.locator("#online-bookings")).toBeVisible();
  const client = new URL(page.url()).pathname;
  await expectAccessible(page);
  await open(page, testInfo, `/ip-requests/new?appointment=${appointment}`);
  await page.getByRole("button", { name: "Send the request" }).click();
  await expect(page.locator("#reason-error")).not.toBeEmpty();
  await expectAccessible(page);
  await page.getByLabel("Why do you need the IP address?").fill("Threats after the booking; the police asked for the address.");
  await page.getByRole("button", { name: "Send the request" }).click();
  await expect(page).toHaveURL(/\/ip-requests\/\d+$/);
  await expect(page.getByTestId("ip-status")).toHaveText("Sent");
  await expectAccessible(page);
  for (const path of ["/ip-requests", `/ip-requests/new?appointment=${appointment}`, client]) {
    await open(page, testInfo, path);
    await expectAccessible(page);
  }
});
