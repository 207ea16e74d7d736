import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { jsEnabled, open, signedIn } from "./helpers";

/** Monday to Friday 08–16, one 50-minute service, one client: through the settings pages. */
async function setUpPractice(page: Page, testInfo: TestInfo, clientName: string) {
  await open(page, testInfo, "/settings/services");
  for (const day of ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]) {
    await page.locator("fieldset.day-hours", { hasText: day }).getByLabel("Open").check();
  }
  await page.getByRole("button", { name: "Save opening hours" }).click();
  if (jsEnabled(testInfo)) await expect(page.locator(".hours .saved")).toHaveText("Saved.");
  await page.getByLabel("Name").fill("Samtale");
  await page.getByLabel("Duration").selectOption("50");
  await page.getByLabel("Price (optional)").fill("850");
  await page.getByRole("button", { name: "Add service" }).click();
  await expect(page.locator(".service-list")).toContainText("Samtale");

  await open(page, testInfo, "/clients/new");
  await page.getByLabel("Name").fill(clientName);
  await page.getByLabel("Email").fill("ola@example.no");
  await page.getByLabel("Phone").fill("+47 912 34 567");
  await page.getByRole("button", { name: "Add client" }).click();
  await expect(page).toHaveURL(/\/clients\/\d+$/);
  await expect(page.getByRole("heading", { name: clientName })).toBeVisible();
}

/** The next Monday (never today), as YYYY-MM-DD. */
function nextMonday(): string {
  const day = new Date();
  day.setDate(day.getDate() + ((8 - day.getDay()) % 7 || 7));
  return day.toISOString().slice(0, 10);
}

test("a client and a service, an appointment booked from an empty slot, moved and cancelled", async ({ page }, testInfo) => {
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
