import { expectAccessible } from "./axe";
import { expect, jsEnabled, linkFromOutbox, nextMonday, open, practiceWithBookingPage, setUpPractice, signedIn, test } from "./helpers";

/** "25 Nov 2026" and "25. nov. 2026": the one form each language shows dates in. */
const ENGLISH_DATE = /^\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}$/;
const NORWEGIAN_DATE = /^\d{1,2}\. (jan\.|feb\.|mars|apr\.|mai|juni|juli|aug\.|sep\.|okt\.|nov\.|des\.) \d{4}$/;
const SIZES = [
  { name: "phone", width: 390, height: 844 },
  { name: "tablet", width: 820, height: 1180 },
  { name: "desktop", width: 1440, height: 900 },
];

test("the client profile and the booking confirmation show dates the same way, in each language", async ({ page, browser }, testInfo) => {
  test.skip(!["desktop", "desktop-nojs"].includes(testInfo.project.name), "one practitioner at a desk, with JavaScript on and off");
  test.setTimeout(180_000);
  const address = await practiceWithBookingPage(browser, testInfo, "dates");
  await signedIn(page, testInfo, "dates-profile");
  await setUpPractice(page, testInfo, "Ingrid Berg");
  const profile = new URL(page.url()).pathname;
  await open(page, testInfo, `${profile}/edit`);
  await page.getByLabel("Date of birth").fill("1980-03-05");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page).toHaveURL(new RegExp(`${profile}$`));
  await page.locator("section.journal").getByLabel("Title").fill("Første samtale");
  await page.locator("section.journal").getByLabel("Text").fill("Notat.");
  await page.locator("section.journal").getByRole("button", { name: "Save entry" }).click();
  await expect(page.locator("article.journal-entry")).toHaveCount(1);
  const monday = nextMonday();

  const check = async (pattern: RegExp, birth: string, booked: RegExp) => {
    await open(page, testInfo, profile);
    await expect(page.locator(".facts dd").filter({ hasText: /1980/ })).toHaveText(birth);
    await expect(page.locator("article.journal-entry time")).toHaveText(pattern);
    await open(page, testInfo, `${address}/booked?date=${monday}&time=09:00`);
    const confirmation = (await page.getByRole("status").innerText()).trim();
    const shown = confirmation.match(booked)?.[1];
    expect(shown, confirmation).toMatch(pattern);
  };
  await check(ENGLISH_DATE, "5 Mar 1980", /on (.+) at 09:00/);
  await page.screenshot({ path: `/tmp/polish/booked-en-${testInfo.project.name}.png` });

  // The same pages in Norwegian.
  await open(page, testInfo, "/settings");
  await page.getByRole("button", { name: "Norsk" }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "nb");
  await check(NORWEGIAN_DATE, "5. mars 1980", /er (.+) klokken 09:00/);
});

test("the Security page lists its sections at the top, in the seed's order, and jumps to each", async ({ page }, testInfo) => {
  test.skip(!["desktop", "desktop-nojs", "tablet", "phone"].includes(testInfo.project.name), "every size, and once without JavaScript");
  await signedIn(page, testInfo, "security-index");
  await open(page, testInfo, "/settings/security");
  const index = page.getByRole("navigation", { name: "On this page" });
  await expect(index.getByRole("link")).toHaveText(["Current sessions", "Password", "Automatic logout", "Two-factor security", "Recent security activity"]);
  const sections = await page.locator(".indexed-sections > section").evaluateAll((all) => all.map((s) => s.id));
  expect(sections).toEqual(["sessions", "password", "logout", "two-factor", "log"]);
  await expectAccessible(page);

  await index.getByRole("link", { name: "Automatic logout" }).click();
  await expect(page).toHaveURL(/#logout$/);
  await expect(page.locator("#logout h2")).toBeInViewport();
  await index.getByRole("link", { name: "Recent security activity" }).click().catch(async () => {
    // On a phone the index has scrolled away: back to the top, as a person would.
    await page.evaluate(() => window.scrollTo(0, 0));
    await index.getByRole("link", { name: "Recent security activity" }).click();
  });
  await expect(page.locator("#log h2")).toBeInViewport();
  // The log dates each event the one way the language does, and says how long ago.
  await expect(page.locator("li.event .when").first()).toHaveText(/^\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d · /);
});

test("a navigation keeps the page on screen until the next one is ready, with a bar at the top", async ({ page }, testInfo) => {
  test.skip(!["desktop", "tablet"].includes(testInfo.project.name), "navigation inside the app needs JavaScript");
  await signedIn(page, testInfo, "routing");
  await open(page, testInfo, "/calendar");
  const before = (await page.locator("main h1").innerText()).trim();
  // The next page's data is slow to come.
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route("**/api/clients/list*", async (route) => {
    await held;
    await route.continue();
  });
  await page.getByRole("navigation", { name: "Main menu" }).getByRole("link", { name: "Clients" }).click();
  await expect(page.locator(".routing-bar")).toHaveClass(/active/);
  await expect(page.locator(".routing-bar")).toBeVisible();
  // Half a second later the calendar is still there: never an empty page.
  await page.waitForTimeout(500);
  await expect(page.locator("main h1")).toHaveText(before);
  await expect(page.locator("main")).not.toBeEmpty();
  await page.screenshot({ path: `/tmp/polish/routing-${testInfo.project.name}.png` });
  release();
  await expect(page.locator("main h1")).toHaveText("Clients");
  await expect(page).toHaveURL(/\/clients$/);
  await expect(page.locator(".routing-bar")).not.toHaveClass(/active/);
});

test("the consent request row's actions line up, and the Settings index says what each part holds", async ({ page }, testInfo) => {
  test.skip(testInfo.project.name !== "desktop", "the screens at three sizes, taken once");
  test.setTimeout(180_000);
  await signedIn(page, testInfo, "polish-screens");
  await setUpPractice(page, testInfo, "Ingrid Berg");
  const profile = new URL(page.url()).pathname;
  const consent = page.locator("section.consent");
  await Promise.all([
    page.waitForResponse((response) => response.url().includes("/api/consent/send")),
    consent.getByRole("button", { name: "Send for signing" }).click(),
  ]);
  const link = await linkFromOutbox(page, testInfo, "ola@example.no", "/consent");

  for (const size of SIZES) {
    await page.setViewportSize(size);
    await open(page, testInfo, profile);
    const row = consent.locator(".consent-requests li").first();
    const remind = row.getByRole("button", { name: "Send a reminder" });
    const revoke = row.getByRole("button", { name: "Revoke link" });
    const [a, b] = [(await remind.boundingBox())!, (await revoke.boundingBox())!];
    expect(Math.abs(a.y - b.y), `${size.name}: the two actions on one line`).toBeLessThan(1);
    expect(Math.abs(a.height - b.height), `${size.name}: the same height`).toBeLessThan(1);
    expect(b.x - (a.x + a.width), `${size.name}: side by side, close`).toBeLessThan(16);
    const box = (await row.boundingBox())!;
    expect(b.x + b.width, `${size.name}: inside the row`).toBeLessThanOrEqual(box.x + box.width + 0.5);
    await consent.screenshot({ path: `/tmp/polish/consent-row-${size.name}.png` });
    await page.screenshot({ path: `/tmp/polish/profile-${size.name}.png`, fullPage: true });
    await expectAccessible(page);

    await open(page, testInfo, "/settings");
    await expect(page.locator("p.intro")).toContainText("consent declarations you send");
    await page.screenshot({ path: `/tmp/polish/settings-${size.name}.png`, fullPage: true });
    await open(page, testInfo, "/settings/security");
    await page.screenshot({ path: `/tmp/polish/security-${size.name}.png` });
    await open(page, testInfo, "/settings/consent");
    await page.screenshot({ path: `/tmp/polish/consent-settings-${size.name}.png`, fullPage: true });
    await open(page, testInfo, link);
    await page.screenshot({ path: `/tmp/polish/consent-page-${size.name}.png`, fullPage: true });
  }
});
