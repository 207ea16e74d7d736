import { type APIRequestContext, type Page, type TestInfo } from "@playwright/test";
import { expect, jsEnabled, nextMonday, open, setUpPractice, signedIn, test, uniqueEmail } from "./helpers";

/** The pixel size a PNG says in its IHDR chunk (always the first, right after the signature). */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), "a PNG signature").toBe(true);
  expect(png.subarray(12, 16).toString("latin1"), "IHDR first").toBe("IHDR");
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** `"1280x800"` as numbers. */
function declaredSize(sizes: string): { width: number; height: number } {
  const match = /^(\d+)x(\d+)$/.exec(sizes);
  expect(match, `"${sizes}" is one WIDTHxHEIGHT`).not.toBeNull();
  return { width: Number(match![1]), height: Number(match![2]) };
}

/** A public PNG, served as one without a sign-in (no redirect to the login page). */
async function servedPng(request: APIRequestContext, src: string): Promise<Buffer> {
  const response = await request.get(src, { maxRedirects: 0 });
  expect(response.status(), `${src} is served`).toBe(200);
  expect(response.headers()["content-type"], `${src} is a PNG`).toBe("image/png");
  return response.body();
}

test("the manifest makes Trygg installable, with a description, a maskable icon and screenshots for the install dialog", async ({ page, request }, testInfo) => {
  await open(page, testInfo, "/login");
  await expect(page.locator('link[rel="manifest"]')).toHaveAttribute("href", "/manifest.webmanifest");

  const response = await request.get("/manifest.webmanifest", { maxRedirects: 0 });
  expect(response.status()).toBe(200);
  expect(response.headers()["content-type"]).toMatch(/^application\/(manifest\+)?json/);
  const manifest = JSON.parse(await response.text());
  expect(manifest.name).toBe("Trygg");
  expect(manifest.short_name).toBeTruthy();
  expect(manifest.display).toBe("standalone");
  expect(manifest.start_url).toBe("/calendar");
  // What the install dialog says about the app: a sentence or two, not a tag line.
  expect(typeof manifest.description).toBe("string");
  expect(manifest.description.length).toBeGreaterThanOrEqual(60);
  expect(manifest.description).toContain("therapists");

  // Icons: 192 and 512, one of them maskable; each the size it says.
  const icons: { src: string; sizes: string; type: string; purpose?: string }[] = manifest.icons;
  expect(icons.map((icon) => icon.sizes)).toEqual(expect.arrayContaining(["192x192", "512x512"]));
  expect(icons.some((icon) => (icon.purpose ?? "any").split(/\s+/).includes("maskable"))).toBe(true);
  for (const icon of icons) {
    expect(icon.type).toBe("image/png");
    expect(pngSize(await servedPng(request, icon.src)), icon.src).toEqual(declaredSize(icon.sizes));
  }

  // Screenshots for Chromium's richer install dialog: one wide (desktop), one narrow (phone),
  // each labelled, each a PNG of exactly the declared size, within Chromium's limits (320 to
  // 3840 pixels a side, the long side at most 2.3 times the short one).
  const screenshots: { src: string; sizes: string; type: string; form_factor?: string; label?: string }[] = manifest.screenshots;
  expect(screenshots.map((shot) => shot.form_factor).sort()).toEqual(["narrow", "wide"]);
  for (const shot of screenshots) {
    expect(shot.src).toMatch(/^\/screenshots\/[\w.-]+\.png$/);
    expect(shot.type).toBe("image/png");
    expect(shot.label?.trim().length ?? 0, `${shot.src} has a label`).toBeGreaterThan(10);
    const size = declaredSize(shot.sizes);
    expect(pngSize(await servedPng(request, shot.src)), `${shot.src}: its real pixel size`).toEqual(size);
    const [short, long] = [Math.min(size.width, size.height), Math.max(size.width, size.height)];
    expect(short).toBeGreaterThanOrEqual(320);
    expect(long).toBeLessThanOrEqual(3840);
    expect(long / short).toBeLessThanOrEqual(2.3);
    if (shot.form_factor === "wide") expect(size.width).toBeGreaterThan(size.height);
    else expect(size.height).toBeGreaterThan(size.width);
  }
});

/** Made up for this test: no real person. */
const CLIENT = "Vesla Trollheimsæter";
const JOURNAL_TITLE = "Fjelltur med søsteren";
const JOURNAL_TEXT = "Vesla sov godt etter turen til Snøhetta-hytta.";
const MESSAGE = "Hei Vesla, her er øvelsene vi snakket om i dag.";

type CachedEntry = { cache: string; url: string; contentType: string; bytes: number; found: string[] };

/** Everything in every Cache Storage cache of this origin: each request's URL, its response's
 *  type and size, and which of `secrets` its body contains. */
async function cachedEntries(page: Page, secrets: string[]): Promise<CachedEntry[]> {
  // The service worker stores a copy after answering: let it finish writing.
  await page.waitForLoadState("networkidle");
  await page.waitForTimeout(500);
  return page.evaluate(async (secrets) => {
    const entries: CachedEntry[] = [];
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      for (const request of await cache.keys()) {
        const response = await cache.match(request);
        const body = response ? await response.text() : "";
        entries.push({
          cache: name,
          url: request.url,
          contentType: response?.headers.get("content-type") ?? "",
          bytes: body.length,
          found: secrets.filter((secret) => body.includes(secret) || decodeURIComponent(request.url).includes(secret)),
        });
      }
    }
    return entries;
  }, secrets);
}

/** Only the static bundle, icons, screenshots and the offline notice are kept; never a page,
 *  never a server function's answer, and no client or account data in any of them. */
async function expectOnlyStaticAssetsCached(page: Page, testInfo: TestInfo, secrets: string[], when: string, mustHold = true): Promise<CachedEntry[]> {
  const entries = await cachedEntries(page, secrets);
  await testInfo.attach(`cache-${when}.json`, { body: JSON.stringify(entries, null, 2), contentType: "application/json" });
  const origin = new URL(page.url()).origin;
  const paths = entries.map((entry) => entry.url.replace(origin, ""));
  if (mustHold) {
    // The service worker did cache (so this looks at its real cache, not an empty one).
    expect(paths, `${when}: the offline notice is cached`).toContain("/offline.html");
    expect(paths.some((path) => path.startsWith("/pkg/")), `${when}: the app bundle is cached`).toBe(true);
  }
  for (const entry of entries) {
    const url = new URL(entry.url);
    const where = `${when}: ${entry.url} in ${entry.cache}`;
    expect(url.origin, where).toBe(origin);
    expect(url.search, `${where}: no query`).toBe("");
    expect(url.pathname, `${where}: a static asset`).toMatch(/^\/(pkg|icons|screenshots)\/[^/]+$|^\/offline\.html$/);
    expect(url.pathname, where).not.toMatch(/^\/api\//);
    if (url.pathname !== "/offline.html") expect(entry.contentType, `${where}: not a page`).not.toMatch(/text\/html/);
    expect(entry.found, `${where}: holds no client or account data`).toEqual([]);
  }
  return entries;
}

/** The page is under the service worker's control. */
async function expectControlled(page: Page) {
  expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL ?? null)).toMatch(/\/sw\.js$/);
}

test("the service worker keeps only the static app: no page, no server answer and no client data, before and after logging out", async ({ page }, testInfo) => {
  test.skip(!jsEnabled(testInfo), "the service worker needs JavaScript");
  test.setTimeout(240_000);
  const practitioner = await signedIn(page, testInfo, "pwa");
  await setUpPractice(page, testInfo, "Ola Nordmann");

  // The service worker installs on the first page; a reload puts the page under its control.
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  await page.reload();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true", { timeout: 30_000 });
  await expectControlled(page);

  // A client with a name, email, journal entry, appointment and message of their own.
  const clientEmail = uniqueEmail(testInfo, "vesla");
  await open(page, testInfo, "/clients/new");
  await page.getByLabel("Name").fill(CLIENT);
  await page.getByLabel("Email").fill(clientEmail);
  await page.getByRole("button", { name: "Add client" }).click();
  await expect(page).toHaveURL(/\/clients\/\d+$/);
  const profile = new URL(page.url()).pathname;

  const journal = page.locator("section.journal");
  await journal.getByLabel("Title").fill(JOURNAL_TITLE);
  await journal.getByLabel("Text").fill(JOURNAL_TEXT);
  await journal.getByRole("button", { name: "Save entry" }).click();
  const entry = journal.locator("article.journal-entry", { hasText: JOURNAL_TITLE });
  await expect(entry).toContainText(JOURNAL_TEXT);

  const messages = page.locator("section.messages");
  await messages.getByLabel("Message").fill(MESSAGE);
  await messages.getByRole("button", { name: "Send securely" }).click();
  await expect(page).toHaveURL(/\?sent=1#messages$/);
  await expect(messages.locator(".thread .message")).toHaveCount(1);

  const monday = nextMonday();
  await open(page, testInfo, `/calendar/new?date=${monday}&time=10:00`);
  await page.getByLabel("Client").selectOption({ label: CLIENT });
  await page.getByLabel("Service").selectOption({ label: "Samtale (50 minutes)" });
  await page.getByRole("button", { name: "Book appointment" }).click();
  await expect(page).toHaveURL(new RegExp(`/calendar\\?date=${monday}$`));

  // Every kind of page with the client's data on it, each under the service worker.
  const appointment = page.locator("a.appt", { hasText: CLIENT });
  await expect(appointment).toBeVisible();
  await expectControlled(page);
  await appointment.click();
  await expect(page).toHaveURL(/\/calendar\/appointments\/\d+$/);
  await expect(page.getByRole("heading", { level: 1, name: CLIENT })).toBeVisible();
  await open(page, testInfo, profile);
  await expect(page.getByRole("heading", { name: CLIENT })).toBeVisible();
  await expectControlled(page);
  await page.locator("section.journal article.journal-entry", { hasText: JOURNAL_TITLE }).getByRole("link", { name: "Edit" }).click();
  await expect(page).toHaveURL(/\/clients\/\d+\/journal\/\d+$/);
  await expect(page.getByLabel("Text")).toHaveValue(JOURNAL_TEXT);
  await open(page, testInfo, "/messages");
  await expect(page.locator("#main")).toContainText(CLIENT);
  await expectControlled(page);
  await open(page, testInfo, "/clients");
  await expect(page.locator("#main")).toContainText(CLIENT);
  for (const path of ["/settings", "/settings/profile", "/settings/security"]) {
    await open(page, testInfo, path);
    await expectControlled(page);
  }
  await open(page, testInfo, `/calendar?date=${monday}`);
  await expect(appointment).toBeVisible();

  const secrets = [CLIENT, clientEmail, practitioner, JOURNAL_TITLE, JOURNAL_TEXT, MESSAGE];
  await expectOnlyStaticAssetsCached(page, testInfo, secrets, "signed in");

  // Logging out leaves nothing behind either (its Clear-Site-Data empties Cache Storage; what
  // the service worker stores again afterwards is the static app only).
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login\?reason=signed_out$/);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true", { timeout: 30_000 });
  await expectOnlyStaticAssetsCached(page, testInfo, secrets, "logged out", false);

  // The offline notice is a fixed page that holds no data: the cached copy if there is one, and
  // the one the service worker would cache.
  const offline = await page.evaluate(async () => {
    const cached = await caches.match("/offline.html");
    const served = await fetch("/offline.html", { cache: "no-store" });
    return [cached ? await cached.text() : null, await served.text()];
  });
  for (const body of offline.filter((b): b is string => b !== null)) {
    expect(body).toContain("No connection");
    expect(body).toContain("No client data is stored on this device.");
    for (const secret of [...secrets, "Klinikk Nord", "Kari Nordmann", "Ola Nordmann", "@"]) {
      expect(body, `the offline page holds no "${secret}"`).not.toContain(secret);
    }
    expect(body).not.toMatch(/<script|<form|<input/i);
  }
});
