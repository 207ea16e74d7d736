import { type Page, type TestInfo } from "@playwright/test";
import { expect, longDate, nextMonday, open, setUpPractice, signedIn, test } from "./helpers";

test("a client and a service set up, and an appointment booked from an empty slot", async ({ page }, testInfo) => {
  await signedIn(page, testInfo, "calendar");
  await setUpPractice(page, testInfo, "Ola Nordmann");
  const monday = nextMonday();

  await open(page, testInfo, `/calendar?date=${monday}`);
  await page.getByRole("link", { name: /New appointment Monday .* 09:00/ }).first().click();
  await expect(page).toHaveURL(/\/calendar\/new\?date=.*&time=09:00/);
  await page.getByLabel("Client").selectOption({ label: "Ola Nordmann" });
  await page.getByLabel("Service").selectOption({ label: "Samtale (50 minutes)" });
  await page.getByRole("button", { name: "Book appointment" }).click();
  await expect(page).toHaveURL(new RegExp(`/calendar\\?date=${monday}$`));
  const appointment = page.locator("a.appt", { hasText: "Ola Nordmann" });
  await expect(appointment).toContainText("09:00–09:50");
  await expect(page).toHaveTitle("Calendar · Trygg");
  await page.screenshot({ path: testInfo.outputPath("calendar.png"), fullPage: true });
});

test("booked on a phone, seen in the calendar, moved, hidden from view, and cancelled", async ({ page, browser }, testInfo) => {
  test.skip(!["desktop", "tablet"].includes(testInfo.project.name), "the practitioner's side runs on desktop and tablet");
  await signedIn(page, testInfo, "booking");
  await setUpPractice(page, testInfo, "Anne Berg");
  await open(page, testInfo, "/settings/services");
  const address = await page.getByTestId("booking-address").getAttribute("href");
  expect(address).toMatch(/\/book\/klinikk-nord(-\d+)?$/);

  // The client, on a phone.
  const phoneContext = await browser.newContext({
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    deviceScaleFactor: 2,
    locale: "en-US",
  });
  const phone = await phoneContext.newPage();
  await phone.goto(address!);
  await expect(phone.locator(".brand")).toHaveText("Klinikk Nord");
  await phone.getByRole("link", { name: /Samtale/ }).click();
  const day = phone.locator("a.day-choice").nth(1);
  const dayLabel = (await day.textContent())!.trim();
  await day.click();
  await phone.locator("label.time-choice", { hasText: "10:00" }).click();
  await phone.getByLabel("Your name").fill("Ola Nordmann");
  await phone.getByLabel("Email").fill("ola@example.no");
  await phone.getByLabel("Phone").fill("+47 912 34 567");
  await phone.screenshot({ path: testInfo.outputPath("booking-phone.png"), fullPage: true });
  await phone.getByRole("button", { name: "Book" }).click();
  await expect(phone.getByRole("heading", { name: "You are booked" })).toBeVisible();
  const date = new URL(phone.url()).searchParams.get("date")!;
  await expect(phone.getByRole("status")).toContainText(`${longDate(date)} at 10:00`);
  await phoneContext.close();

  // The practitioner sees it, moves it.
  await open(page, testInfo, `/calendar?date=${date}`);
  const appointment = page.locator("a.appt", { hasText: "Ola Nordmann" });
  await expect(appointment).toContainText("10:00–10:50");
  await expect(page.locator(".day.selected .day-name")).toContainText(dayLabel.split(" ")[0]);
  await appointment.click();
  await expect(page).toHaveURL(/\/calendar\/appointments\/\d+$/);
  await page.getByLabel("Time").fill("13:00");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page).toHaveURL(new RegExp(`/calendar\\?date=${date}$`));
  await expect(appointment).toContainText("13:00–13:50");

  // Hide client data: nothing legible, nothing in titles or accessible names, and it stays.
  const toggle = page.getByRole("button", { name: "Hide client data" });
  await toggle.click();
  await expect(page.getByRole("button", { name: "Show client data" })).toHaveAttribute("aria-pressed", "true");
  await expectHidden(page, ["Ola Nordmann", "Samtale"]);
  await page.screenshot({ path: testInfo.outputPath("calendar-hidden.png"), fullPage: true });
  await page.reload();
  await expectHidden(page, ["Ola Nordmann", "Samtale"]);
  const second = await page.context().newPage();
  await second.goto(`/calendar?date=${date}`);
  await expectHidden(second, ["Ola Nordmann"]);
  await second.close();

  await open(page, testInfo, `/calendar?date=${date}`);
  await page.keyboard.press("Alt+Shift+H");
  await expect(appointment.locator(".appt-text")).toBeVisible();
  await expect(page.getByRole("link", { name: /Ola Nordmann/ })).toBeVisible();
  // Losing focus (another window in front) hides it by itself.
  await page.evaluate(() => window.dispatchEvent(new Event("blur")));
  await expectHidden(page, ["Ola Nordmann"]);
  await page.keyboard.press("Alt+Shift+H");
  await expect(appointment.locator(".appt-text")).toBeVisible();

  // Cancelling can be undone for a moment.
  await appointment.click();
  await page.getByRole("button", { name: "Cancel appointment" }).click();
  await expect(page).toHaveURL(new RegExp(`/calendar\\?date=${date}&cancelled=\\d+$`));
  await expect(page.getByRole("status").filter({ hasText: "cancelled" })).toBeVisible();
  await expect(page.locator("a.appt")).toHaveCount(0);
  await page.getByRole("button", { name: "Undo" }).click();
  await expect(page).toHaveURL(new RegExp(`/calendar\\?date=${date}$`));
  await expect(appointment).toContainText("13:00–13:50");
  await appointment.click();
  await page.getByRole("button", { name: "Cancel appointment" }).click();
  await expect(page).toHaveURL(/cancelled=\d+$/);
  await open(page, testInfo, `/calendar?date=${date}`);
  await expect(page.locator("a.appt")).toHaveCount(0);
});

/** No appointment text is visible, in a title, or in the accessibility tree; the tab title is plain. */
async function expectHidden(page: Page, secrets: string[]) {
  await expect(page.locator(".calendar")).toHaveClass(/private/);
  for (const appt of await page.locator("a.appt").all()) {
    await expect(appt.locator(".appt-text")).toBeHidden();
  }
  const tree = await page.locator(".calendar").ariaSnapshot();
  const titles = await page.locator("[title]").evaluateAll((nodes) => nodes.map((n) => n.getAttribute("title")).join(" "));
  for (const secret of secrets) {
    expect(tree).not.toContain(secret);
    expect(titles).not.toContain(secret);
    await expect(page.getByRole("link", { name: new RegExp(secret) })).toHaveCount(0);
  }
  await expect(page).toHaveTitle("Calendar · Trygg");
}

test("client data hides itself after the chosen idle minutes", async ({ page }, testInfo) => {
  test.skip(!["desktop", "tablet"].includes(testInfo.project.name), "needs JavaScript; desktop and tablet");
  await page.clock.install();
  await signedIn(page, testInfo, "idlehide");
  await open(page, testInfo, "/calendar");
  await page.getByText("Hide by itself").click();
  await page.getByLabel("Hide client data after").selectOption("2");
  await page.locator(".privacy-settings").getByRole("button", { name: "Save" }).click();
  await expect(page.locator(".privacy-settings .saved")).toHaveText("Saved.");
  await open(page, testInfo, "/calendar");
  await expect(page.locator(".calendar")).not.toHaveClass(/private/);
  await page.clock.runFor(60_000);
  await expect(page.locator(".calendar")).not.toHaveClass(/private/);
  await page.clock.runFor(70_000);
  await expect(page.locator(".calendar")).toHaveClass(/private/);
  await expect(page.getByRole("button", { name: "Show client data" })).toHaveAttribute("aria-pressed", "true");
});
