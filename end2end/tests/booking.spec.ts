import { expect, open, practiceWithBookingPage, test } from "./helpers";

// The client's side of online booking, on a phone, with JavaScript on and off. The page is
// plain links and one form either way: it loads no script and no stylesheet (its rules are in
// the page), so a phone on mobile data gets it at once.
test.beforeEach(async ({}, testInfo) => {
  test.skip(!testInfo.project.name.startsWith("phone"), "clients book on their phones");
  test.setTimeout(120_000);
});

test("a client books a time: service, day, time, details, booked", async ({ page, browser }, testInfo) => {
  const address = await practiceWithBookingPage(browser, testInfo, "bookpage");
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  const loaded: string[] = [];
  page.on("request", (request) => {
    if (["script", "fetch", "xhr", "stylesheet"].includes(request.resourceType()) || /\.wasm$/.test(request.url())) loaded.push(request.url());
  });

  await open(page, testInfo, address);
  await expect(page.locator(".brand")).toHaveText("Klinikk Nord");
  await expect(page.getByRole("heading", { name: "Choose a day" })).toHaveCount(0);
  await expect(page.getByRole("link", { name: /Parterapi/ })).toContainText("1 h 30 min");

  await page.getByRole("link", { name: /Samtale/ }).click();
  await expect(page.getByRole("heading", { name: "Choose a day" })).toBeVisible();
  await expect(page.locator("a.choice.chosen")).toContainText("Samtale");

  const day = page.locator("a.day-choice").nth(1);
  await day.click();
  await expect(page.getByRole("heading", { name: "Choose a time" })).toBeVisible();
  await expect(page.locator("a.day-choice.chosen")).toHaveText((await day.textContent())!);

  await page.locator("label.time-choice", { hasText: "10:00" }).click();
  await expect(page.locator("label.time-choice", { hasText: "10:00" })).toHaveCSS("background-color", "rgb(29, 92, 87)");
  await page.getByLabel("Your name").fill("Ola Nordmann");
  await page.getByLabel("Email").fill("ola@example.no");
  await page.getByLabel("Phone").fill("+47 912 34 567");
  await page.getByRole("button", { name: "Book" }).click();
  await expect(page.getByRole("heading", { name: "You are booked" })).toBeVisible();
  await expect(page.getByRole("status")).toContainText("at 10:00");
  expect(errors, "no page errors").toEqual([]);
  // Neither the app's WASM nor any script, not even the service worker's, nor a stylesheet
  // (the page's own rules styled it: the chosen time above was filled in the brand's colour).
  expect(loaded).toEqual([]);
});
