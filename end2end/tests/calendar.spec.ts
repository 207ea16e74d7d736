import { type Page, type TestInfo } from "@playwright/test";
import { expectAccessible } from "./axe";
import { expect, jsEnabled, longDate, nextMonday, open, setUpPractice, signedIn, test } from "./helpers";

test("a client and a service set up, and an appointment booked from an empty slot", async ({ page }, testInfo) => {
  await signedIn(page, testInfo, "calendar");
  await setUpPractice(page, testInfo, "Ola Nordmann");
  const monday = nextMonday();

  await open(page, testInfo, `/calendar?date=${monday}`);
  // The empty half hours are mouse shortcuts beside the "New appointment" button.
  await page.locator(`section.day.selected a.slot[data-time="09:00"]`).click();
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
  expect(address).toMatch(/\/book\/klinikk-nord(-[0-9a-f]+)?$/);

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
  await expect(page.locator(".day.selected .date-number")).toHaveText(String(Number(date.slice(8))));
  expect(dayLabel).toBeTruthy();
  // Its status shows: booked online, no consent signed yet.
  await expect(appointment.getByRole("img", { name: "Booked online" })).toBeVisible();
  await expect(appointment.getByRole("img", { name: "No signed consent" })).toBeVisible();
  await appointment.click();
  await expect(page).toHaveURL(/\/calendar\/appointments\/\d+$/);
  await expect(page.getByRole("heading", { level: 1, name: "Ola Nordmann" })).toBeVisible();
  await expect(page.locator(".appt-summary .facts")).toContainText("Booked by the client on your booking page");
  await page.getByRole("link", { name: "Edit" }).click();
  await expect(page).toHaveURL(/\/calendar\/appointments\/\d+\/edit$/);
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

/** The columns a person sees (auto shows what fits the screen). */
async function visibleDays(page: Page): Promise<number> {
  return page.locator("section.day").evaluateAll((days) => days.filter((d) => (d as HTMLElement).offsetParent !== null).length);
}

test("the period is named, today is marked, and any week, three days or day is a click away", async ({ page }, testInfo) => {
  await signedIn(page, testInfo, "period");
  const period = page.locator("h2.period");

  // Without a chosen view the screen decides: the week, three days on a tablet, a day on a phone.
  await open(page, testInfo, "/calendar?date=2026-11-25");
  const auto = { desktop: ["23–29 Nov 2026", 7], "desktop-nojs": ["23–29 Nov 2026", 7], tablet: ["25–27 Nov 2026", 3] }[
    testInfo.project.name
  ] ?? ["Wednesday 25 Nov 2026", 1];
  // The label of the width shown (the others are there, hidden, for other widths).
  expect(await period.innerText()).toBe(auto[0]);
  expect(await visibleDays(page)).toBe(auto[1]);

  await open(page, testInfo, "/calendar?date=2026-11-25&view=week");
  await expect(period).toHaveText("23–29 Nov 2026");
  expect(await visibleDays(page)).toBe(7);
  await expect(page.getByRole("navigation", { name: "Calendar view" }).getByRole("link", { name: "Week" })).toHaveAttribute("aria-current", "page");
  await page.getByRole("link", { name: "Next week" }).click();
  await expect(page).toHaveURL(/date=2026-12-02&view=week$/);
  await expect(period).toHaveText("30 Nov–6 Dec 2026");

  // The date picker: a plain GET form, so it works without JavaScript too; the view stays.
  await page.getByLabel("Go to date").fill("2027-01-04");
  await page.getByRole("button", { name: "Show" }).click();
  await expect(page).toHaveURL(/date=2027-01-04&view=week$/);
  await expect(period).toHaveText("4–10 Jan 2027");

  await page.getByRole("navigation", { name: "Calendar view" }).getByRole("link", { name: "3 days" }).click();
  await expect(page).toHaveURL(/date=2027-01-04&view=3days$/);
  await expect(period).toHaveText("4–6 Jan 2027");
  expect(await visibleDays(page)).toBe(3);
  await page.getByRole("link", { name: "Previous 3 days" }).click();
  await expect(period).toHaveText("1–3 Jan 2027");

  await page.getByRole("navigation", { name: "Calendar view" }).getByRole("link", { name: "Day", exact: true }).click();
  await expect(page).toHaveURL(/date=2027-01-01&view=day$/);
  await expect(period).toHaveText("Friday 1 Jan 2027");
  expect(await visibleDays(page)).toBe(1);

  // Today: back to this day, marked in its column.
  await page.getByRole("link", { name: "Today", exact: true }).click();
  await expect(page).toHaveURL(/\/calendar\?view=day$/);
  const today = page.locator("section.day.today");
  await expect(today).toHaveCount(1);
  await expect(today.locator(".day-name a")).toHaveAttribute("aria-current", "date");
  // Today in the practice's time zone, not the test runner's: they differ around midnight.
  const day = new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Oslo", day: "numeric" }).format(new Date());
  await expect(today.locator(".date-number")).toHaveText(day);
  await expect(page.getByRole("link", { name: "Today", exact: true })).toHaveAttribute("aria-current", "date");
  await page.screenshot({ path: testInfo.outputPath("calendar-today.png") });
});

test("appointments take their service's colour, short ones on one line, and nothing is cramped on a tablet", async ({ page }, testInfo) => {
  await signedIn(page, testInfo, "colours");
  await setUpPractice(page, testInfo, "Ingrid Berg");
  await open(page, testInfo, "/settings/services");
  await page.getByLabel("Name").fill("Kort samtale");
  await page.getByLabel("Duration").selectOption("30");
  await page.getByRole("radio", { name: "Rose" }).check();
  await page.getByRole("button", { name: "Add service" }).click();
  await expect(page.locator(".service-list li", { hasText: "Kort samtale" }).getByRole("img", { name: "Rose" })).toBeVisible();

  const monday = nextMonday();
  for (const [service, time] of [["Samtale (50 minutes)", "09:00"], ["Kort samtale (30 minutes)", "11:00"]]) {
    await open(page, testInfo, `/calendar/new?date=${monday}&time=${time}`);
    await page.getByLabel("Client").selectOption({ label: "Ingrid Berg" });
    await page.getByLabel("Service").selectOption({ label: service });
    await page.getByRole("button", { name: "Book appointment" }).click();
    await expect(page).toHaveURL(new RegExp(`/calendar\\?date=${monday}$`));
  }
  for (const view of ["", "&view=week", "&view=3days", "&view=day"]) {
    await open(page, testInfo, `/calendar?date=${monday}${view}`);
    const short = page.locator("a.appt.svc-rose");
    const long = page.locator("a.appt.svc-teal");
    await expect(short).toHaveClass(/short/);
    await expect(short).toContainText("11:00");
    await expect(long).toContainText("09:00–09:50");
    for (const appt of [short, long]) {
      // The name is whole, the time on one line.
      const name = appt.locator(".appt-name");
      await expect(name).toHaveText("Ingrid Berg");
      const fits = await name.evaluate((n) => n.scrollWidth <= n.clientWidth + 1 && n.getBoundingClientRect().height < 24);
      expect(fits, `${view || "auto"}: the name fits`).toBe(true);
      const lines = await appt.locator(".appt-time").evaluate((t) => {
        const range = document.createRange();
        range.selectNodeContents(t.firstChild!);
        return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
      });
      expect(lines, `${view || "auto"}: the time is on one line`).toBe(1);
    }
    // The short one is a single line, name and time side by side, where the column has room
    // (a narrow column of the week on a tablet stacks them, both whole).
    const [timeBox, nameBox] = [await short.locator(".appt-time").boundingBox(), await short.locator(".appt-name").boundingBox()];
    const column = await short.evaluate((a) => a.parentElement!.clientWidth);
    if (column > 8.5 * 16) {
      expect(Math.abs(timeBox!.y + timeBox!.height / 2 - (nameBox!.y + nameBox!.height / 2))).toBeLessThan(3);
    } else {
      expect(nameBox!.y).toBeGreaterThan(timeBox!.y);
    }
    await page.screenshot({ path: testInfo.outputPath(`calendar${view.replace("&view=", "-") || "-auto"}.png`) });
  }
});

test("every calendar view, the summary and the forms pass axe at this size", async ({ page }, testInfo) => {
  test.skip(testInfo.project.name.endsWith("nojs"), "the checker reads the served markup: once per size is enough");
  test.setTimeout(180_000);
  await signedIn(page, testInfo, "calaxe");
  await setUpPractice(page, testInfo, "Ingrid Berg");
  const monday = nextMonday();
  await open(page, testInfo, `/calendar/new?date=${monday}&time=09:00`);
  await page.getByLabel("Client").selectOption({ label: "Ingrid Berg" });
  await page.getByLabel("Service").selectOption({ label: "Samtale (50 minutes)" });
  await page.getByRole("button", { name: "Book appointment" }).click();
  await expect(page).toHaveURL(new RegExp(`/calendar\\?date=${monday}$`));
  for (const view of ["", "&view=week", "&view=3days", "&view=day"]) {
    await open(page, testInfo, `/calendar?date=${monday}${view}`);
    await expectAccessible(page);
  }
  await open(page, testInfo, "/calendar");
  await page.locator(".privacy-settings summary").click();
  await expectAccessible(page);
  await open(page, testInfo, `/calendar?date=${monday}`);
  await page.locator("a.appt").first().click();
  await expect(page.getByRole("heading", { level: 1, name: "Ingrid Berg" })).toBeVisible();
  await expectAccessible(page);
  await page.screenshot({ path: testInfo.outputPath("appointment-summary.png"), fullPage: true });
  await page.getByRole("link", { name: "Edit" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Appointment" })).toBeVisible();
  await expectAccessible(page);
});

test("an appointment opens as a summary, with the client's profile and journal a click away", async ({ page }, testInfo) => {
  await signedIn(page, testInfo, "summary");
  await setUpPractice(page, testInfo, "Ingrid Berg");
  const client = new URL(page.url()).pathname;
  const monday = nextMonday();
  await open(page, testInfo, `/calendar/new?date=${monday}&time=10:00`);
  await page.getByLabel("Client").selectOption({ label: "Ingrid Berg" });
  await page.getByLabel("Service").selectOption({ label: "Parterapi (1 h 30 min)" });
  await page.getByLabel("Notes").fill("Første time.");
  await page.getByRole("button", { name: "Book appointment" }).click();
  await expect(page).toHaveURL(new RegExp(`/calendar\\?date=${monday}$`));

  await page.locator("a.appt", { hasText: "Ingrid Berg" }).click();
  await expect(page).toHaveURL(/\/calendar\/appointments\/\d+$/);
  await expect(page).toHaveTitle("Appointment · Trygg");
  const summary = page.locator("article.appt-summary");
  await expect(summary.getByRole("heading", { level: 1 })).toHaveText("Ingrid Berg");
  await expect(summary).toContainText("Parterapi");
  await expect(summary).toContainText("10:00–11:30");
  await expect(summary).toContainText("1 h 30 min");
  await expect(summary).toContainText("Første time.");
  await expect(summary).toContainText("Booked by you");
  await expect(summary.locator(".consent-status")).toHaveText("Not asked");
  await expect(summary.getByRole("link", { name: "Profile" })).toHaveAttribute("href", client);
  await expect(summary.getByRole("link", { name: "Journal" })).toHaveAttribute("href", `${client}#journal`);
  await expect(summary.getByRole("link", { name: "Edit" })).toBeVisible();
  await expect(summary.getByRole("button", { name: "Cancel appointment" })).toBeVisible();
  // No edit form on the summary.
  await expect(page.getByLabel("Time")).toHaveCount(0);

  await summary.getByRole("link", { name: "Journal" }).click();
  await expect(page).toHaveURL(new RegExp(`${client}#journal$`));
  await expect(page.getByRole("heading", { name: "Journal" })).toBeVisible();
});

test("while client data is hidden, the appointment form lists no names until one is typed", async ({ page }, testInfo) => {
  await signedIn(page, testInfo, "hiddenpick");
  await setUpPractice(page, testInfo, "Ingrid Berg");
  await open(page, testInfo, "/clients/new");
  await page.getByLabel("Name").fill("Ola Nordmann");
  await page.getByRole("button", { name: "Add client" }).click();
  await expect(page).toHaveURL(/\/clients\/\d+$/);
  const monday = nextMonday();
  await open(page, testInfo, `/calendar?date=${monday}`);
  await page.getByRole("button", { name: "Hide client data" }).click();
  await expect(page.getByRole("button", { name: "Show client data" })).toHaveAttribute("aria-pressed", "true");

  await page.getByRole("link", { name: "New appointment" }).click();
  await expect(page).toHaveURL(/\/calendar\/new/);
  await expect(page.getByRole("heading", { level: 1, name: "New appointment" })).toBeVisible();
  await expect(page.locator("select#client_id")).toHaveCount(0);
  expect(await page.content()).not.toContain("Ingrid Berg");
  expect(await page.content()).not.toContain("Ola Nordmann");
  const field = page.getByRole("searchbox", { name: "Client" });
  if (jsEnabled(testInfo)) {
    await field.fill("ingr");
    const match = page.getByRole("button", { name: "Ingrid Berg" });
    await expect(match).toBeVisible();
    await expect(page.getByRole("button", { name: "Ola Nordmann" })).toHaveCount(0);
    await match.click();
    await expect(field).toHaveValue("Ingrid Berg");
  } else {
    await field.fill("Ingrid");
  }
  await page.getByLabel("Time").fill("09:00");
  await page.getByLabel("Service").selectOption({ label: "Samtale (50 minutes)" });
  await page.getByRole("button", { name: "Book appointment" }).click();
  await expect(page).toHaveURL(new RegExp(`/calendar\\?date=${monday}$`));
  await expect(page.locator("a.appt")).toHaveCount(1);
  await expect(page.locator(".calendar")).toHaveClass(/private/);

  // A name that fits no one is refused next to the field.
  await open(page, testInfo, `/calendar/new?date=${monday}&time=12:00`);
  await page.getByRole("searchbox", { name: "Client" }).fill("Nobody");
  await page.getByLabel("Service").selectOption({ label: "Samtale (50 minutes)" });
  await page.getByRole("button", { name: "Book appointment" }).click();
  await expect(page.locator("#client_id-error")).toHaveText("No client has that name. Check the spelling, or add the client first.");
});

test("opening \"Hide by itself\" keeps the toolbar in one piece", async ({ page }, testInfo) => {
  await signedIn(page, testInfo, "toolbar");
  await open(page, testInfo, "/calendar");
  const toggle = page.locator(".privacy-toggle button");
  const add = page.locator("a.new-appointment");
  const before = [await toggle.boundingBox(), await add.boundingBox(), await page.locator(".calendar-scroll").boundingBox()];
  await page.locator(".privacy-settings summary").click();
  const select = page.getByLabel("Hide client data after");
  await expect(select).toBeVisible();
  const after = [await toggle.boundingBox(), await add.boundingBox(), await page.locator(".calendar-scroll").boundingBox()];
  expect(after).toEqual(before);
  // The select looks like the app's other fields, inside its own panel above the calendar.
  expect(await select.evaluate((s) => getComputedStyle(s).borderRadius)).toBe("8px");
  expect(await select.evaluate((s) => s.getBoundingClientRect().height)).toBeGreaterThanOrEqual(44);
  const panel = await page.locator(".privacy-settings form").boundingBox();
  expect(panel!.x + panel!.width).toBeLessThanOrEqual(page.viewportSize()!.width);
  await page.screenshot({ path: testInfo.outputPath("calendar-hide-by-itself.png") });
});
