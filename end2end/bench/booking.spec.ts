import { expect, practiceWithBookingPage, test } from "../tests/helpers";
import { PHONE, RUNS, clientPageRows, throttleText, firstLoads, report } from "./phone";

// The client's booking page with a service and a day chosen, so the time picker (radio buttons)
// and the details form are shown: first load on a phone, an empty cache each time. The page
// loads no module script, so it is usable once its HTML is parsed; "interactive" is
// DOMContentLoaded (which also waits for the deferred service-worker registration script).
test("booking page: first load on a phone, with the time picker", async ({ browser, page }, testInfo) => {
  test.skip(testInfo.project.name !== "phone", "a phone measurement");
  test.setTimeout(180_000 + RUNS * 60_000);
  const address = await practiceWithBookingPage(browser, testInfo, "bench-booking");

  // The address a client is at once they have chosen a service and a day (unthrottled).
  await page.goto(address);
  await page.getByRole("link", { name: /Samtale/ }).click();
  await expect(page.getByRole("heading", { name: "Choose a day" })).toBeVisible();
  await page.locator("a.day-choice").nth(1).click();
  await expect(page.getByRole("heading", { name: "Choose a time" })).toBeVisible();
  await expect(page.locator('input[type="radio"][name="time"]').first()).toBeAttached();
  const url = new URL(page.url());
  const path = url.pathname + url.search;
  expect(path).toMatch(/\?service=\d+&date=\d{4}-\d{2}-\d{2}$/);

  const loads = await firstLoads(browser, testInfo, {
    url: path,
    origin: url.origin,
    throttle: PHONE,
    interactive: "dcl",
    check: async (phone) => {
      const times = phone.locator('input[type="radio"][name="time"]');
      expect(await times.count(), "the time picker is shown").toBeGreaterThan(0);
      await expect(times.first()).toBeEnabled();
      await expect(phone.locator("label.time-choice").first()).toBeVisible();
      expect(await phone.locator('script[type="module"]').count(), "no module script").toBe(0);
    },
  });
  report("booking", "booking page with the time picker, first load on a phone", loads, clientPageRows("DOMContentLoaded"), {
    page: "/book/<slug>?service=…&date=…",
    throttle: throttleText(PHONE),
    interactive: "DOMContentLoaded: the page loads no module script; the radio buttons are plain HTML",
  });
});
