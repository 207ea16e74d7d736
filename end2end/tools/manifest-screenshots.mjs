// The screenshots in public/manifest.webmanifest, for Chromium's richer install dialog: the
// calendar's week on a desktop (wide) and a day on a phone (narrow), with invented demo data.
//
// Every name here is made up: the practice, the practitioner and the clients are no real
// people. The script signs a new demo practice up through the development outbox, like the
// Playwright specs do, so it needs a server started with TRYGG_DEV_OUTBOX=1 and a fresh data
// directory (the environment /tmp/e2e.sh or the README's test setup sets), for example:
//
//   cargo leptos build
//   DATA=$(mktemp -d) && chmod 700 "$DATA"
//   TRYGG_DATA_DIR="$DATA" TRYGG_BASE_URL=http://127.0.0.1:3130 LEPTOS_SITE_ADDR=127.0.0.1:3130 \
//     LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg LEPTOS_OUTPUT_NAME=trygg \
//     TRYGG_DEV_OUTBOX=1 TRYGG_MAIL_REQUESTS_PER_IP=1000 TRYGG_OPERATOR_NAME=Trygg \
//     TRYGG_OPERATOR_ADDRESS="Storgata 1, 0155 Oslo" TRYGG_OPERATOR_ORG_NUMBER=974760673 \
//     TRYGG_OPERATOR_EMAIL=support@trygg.test target/debug/server &
//   cd end2end && TRYGG_E2E_BASE_URL=http://127.0.0.1:3130 node tools/manifest-screenshots.mjs
//
// It writes public/screenshots/calendar-week-wide.png (1280×800) and calendar-day-narrow.png
// (390×844 CSS pixels at device scale 2: 780×1688), shrinks them with pngquant or ImageMagick
// when one is installed, and checks that the sizes in the manifest are the files' real ones.
// Chromium comes from CHROMIUM_PATH (default /usr/bin/chromium), as in playwright.config.ts.
// Plain JavaScript (not TypeScript) so that Node runs it as it is, without a build step.

import { spawnSync } from "node:child_process";
import { readFileSync, statSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, expect } from "@playwright/test";

const BASE = process.env.TRYGG_E2E_BASE_URL ?? "http://127.0.0.1:3130";
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const OUT = join(ROOT, "public", "screenshots");
const MANIFEST = join(ROOT, "public", "manifest.webmanifest");
const PASSWORD = "a calm river under nine bridges";

// Invented demo data: no real person.
const PRACTICE = "Fjordlys Terapi";
const PRACTITIONER = "Kari Nordmann";
const SERVICES = [
  { name: "Individual session", minutes: "50", colour: "Teal" },
  { name: "Couples therapy", minutes: "90", colour: "Violet" },
  { name: "Follow-up call", minutes: "30", colour: "Amber" },
];
const CLIENTS = ["Ola Nordmann", "Ingrid Fjellvik", "Amir Haugstad", "Sofie Brekkestø", "Emil Strandvold", "Nora Lien Aasheim", "Tobias Myrvang"];
// [weekday 0–4 from Monday, time, client, service]
const APPOINTMENTS = [
  [0, "09:00", "Ola Nordmann", "Individual session"],
  [0, "10:00", "Ingrid Fjellvik", "Individual session"],
  [0, "12:30", "Amir Haugstad", "Couples therapy"],
  [0, "14:30", "Sofie Brekkestø", "Follow-up call"],
  [1, "08:30", "Emil Strandvold", "Individual session"],
  [1, "11:00", "Nora Lien Aasheim", "Couples therapy"],
  [1, "13:30", "Tobias Myrvang", "Individual session"],
  [2, "09:00", "Sofie Brekkestø", "Individual session"],
  [2, "10:30", "Ola Nordmann", "Follow-up call"],
  [2, "13:00", "Ingrid Fjellvik", "Couples therapy"],
  [3, "08:00", "Amir Haugstad", "Individual session"],
  [3, "10:00", "Nora Lien Aasheim", "Individual session"],
  [3, "14:00", "Emil Strandvold", "Follow-up call"],
  [4, "09:30", "Tobias Myrvang", "Couples therapy"],
  [4, "12:00", "Ingrid Fjellvik", "Follow-up call"],
];

const launchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
};

/** Opens a page and waits until the WASM has hydrated it. */
async function open(page, path) {
  await page.goto(path);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true", { timeout: 60_000 });
}

/** The next Monday (never today), as YYYY-MM-DD. */
function nextMonday() {
  const day = new Date();
  day.setDate(day.getDate() + ((8 - day.getDay()) % 7 || 7));
  return day.toISOString().slice(0, 10);
}

function addDays(iso, days) {
  const day = new Date(`${iso}T12:00:00Z`);
  day.setUTCDate(day.getUTCDate() + days);
  return day.toISOString().slice(0, 10);
}

async function signUpDemoPractice(page) {
  const email = `demo-${Date.now()}@example.no`;
  await open(page, "/signup");
  await page.getByLabel("Practice name").fill(PRACTICE);
  await page.getByLabel("Your name").fill(PRACTITIONER);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/signup\/sent$/);

  // The verification mail, from the development outbox (written in the background).
  const link = page.locator("li.mail").filter({ has: page.locator(".to", { hasText: email }) }).locator('a[href*="/verify-email?token="]').first();
  await expect(async () => {
    await open(page, "/dev/outbox");
    await expect(link).toBeVisible({ timeout: 500 });
  }).toPass({ timeout: 15_000 });
  const href = new URL(await link.getAttribute("href"));
  await open(page, href.pathname + href.search);
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page).toHaveURL(/\/login\?reason=verified$/);

  await open(page, "/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/calendar$/);
}

async function setUpDemoPractice(page) {
  await open(page, "/settings/services");
  for (const day of ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]) {
    await page.locator("fieldset.day-hours", { hasText: day }).getByLabel("Open").check();
  }
  await page.getByRole("button", { name: "Save opening hours" }).click();
  await expect(page.locator(".hours .saved")).toHaveText("Saved.");
  for (const service of SERVICES) {
    await page.getByLabel("Name").fill(service.name);
    await page.getByLabel("Duration").selectOption(service.minutes);
    await page.getByRole("radio", { name: service.colour }).check();
    await page.getByRole("button", { name: "Add service" }).click();
    await expect(page.locator(".service-list")).toContainText(service.name);
    await expect(page.getByLabel("Name")).toHaveValue("");
  }
  for (const [i, name] of CLIENTS.entries()) {
    await open(page, "/clients/new");
    await page.getByLabel("Name").fill(name);
    await page.getByLabel("Email").fill(`demo-client-${i + 1}@example.no`);
    await page.getByRole("button", { name: "Add client" }).click();
    await expect(page).toHaveURL(/\/clients\/\d+$/);
  }
  const monday = nextMonday();
  for (const [weekday, time, client, service] of APPOINTMENTS) {
    const date = addDays(monday, weekday);
    await open(page, `/calendar/new?date=${date}&time=${time}`);
    await page.getByLabel("Client").selectOption({ label: client });
    // The option reads "Individual session (50 minutes)": pick it by the service's name.
    const select = page.getByLabel("Service");
    const label = (await select.locator("option", { hasText: service }).first().textContent()).trim();
    await select.selectOption({ label });
    await page.getByRole("button", { name: "Book appointment" }).click();
    await expect(page).toHaveURL(/\/calendar\?date=/);
  }
  return monday;
}

/** Waits until the page is still: hydrated, fonts loaded, no routing bar, no focus ring. */
async function settle(page) {
  await page.evaluate(async () => {
    await document.fonts.ready;
    document.activeElement?.blur?.();
  });
  await page.mouse.move(0, 0);
  await page.waitForTimeout(300);
}

/** Shrinks a PNG in place with pngquant, else ImageMagick (a 256-colour palette), if installed. */
function optimise(file) {
  const smaller = `${file}.tmp.png`;
  const tools = [
    ["pngquant", ["--quality=80-98", "--speed=1", "--strip", "--force", "--output", smaller, file]],
    ["convert", [file, "-strip", "-dither", "None", "-colors", "256", "-define", "png:compression-level=9", `PNG8:${smaller}`]],
  ];
  for (const [tool, args] of tools) {
    const run = spawnSync(tool, args, { stdio: "inherit" });
    if (run.status === 0 && statSync(smaller, { throwIfNoEntry: false })?.size < statSync(file).size) {
      renameSync(smaller, file);
      return tool;
    }
    rmSync(smaller, { force: true });
  }
  return "none";
}

function pngSize(file) {
  const png = readFileSync(file);
  if (png.toString("latin1", 1, 4) !== "PNG" || png.toString("latin1", 12, 16) !== "IHDR") throw new Error(`${file}: not a PNG`);
  return `${png.readUInt32BE(16)}x${png.readUInt32BE(20)}`;
}

const browser = await chromium.launch(launchOptions);
try {
  const desktop = await browser.newContext({ baseURL: BASE, viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, locale: "en-US", timezoneId: "Europe/Oslo" });
  const page = await desktop.newPage();
  await signUpDemoPractice(page);
  const monday = await setUpDemoPractice(page);
  mkdirSync(OUT, { recursive: true });

  const shots = [];
  await open(page, `/calendar?date=${monday}&view=week`);
  await expect(page.locator("a.appt")).toHaveCount(APPOINTMENTS.length);
  await settle(page);
  const wide = join(OUT, "calendar-week-wide.png");
  await page.screenshot({ path: wide });
  shots.push(wide);

  // The same practitioner on a phone: a day of the same week.
  const phone = await browser.newContext({
    baseURL: BASE,
    storageState: await desktop.storageState(),
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: "en-US",
    timezoneId: "Europe/Oslo",
    userAgent: "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Mobile Safari/537.36",
  });
  const phonePage = await phone.newPage();
  await open(phonePage, `/calendar?date=${monday}&view=day`);
  await expect(phonePage.locator("a.appt")).toHaveCount(APPOINTMENTS.filter(([weekday]) => weekday === 0).length);
  await settle(phonePage);
  const narrow = join(OUT, "calendar-day-narrow.png");
  await phonePage.screenshot({ path: narrow });
  shots.push(narrow);

  const manifest = JSON.parse(readFileSync(MANIFEST, "utf8"));
  let mismatch = false;
  for (const file of shots) {
    const tool = optimise(file);
    const size = pngSize(file);
    const src = `/screenshots/${file.split("/").pop()}`;
    const declared = manifest.screenshots?.find((s) => s.src === src)?.sizes;
    console.log(`${src}: ${size}, ${Math.round(statSync(file).size / 1024)} KB (optimised with ${tool}); manifest says ${declared ?? "nothing"}`);
    if (declared !== size) mismatch = true;
  }
  if (mismatch) {
    console.error("The manifest's screenshot sizes differ from the files: update public/manifest.webmanifest.");
    process.exitCode = 1;
  }
} finally {
  await browser.close();
}
