import { createHmac } from "node:crypto";
import { test as base, expect, type Browser, type BrowserContext, type Page, type TestInfo } from "@playwright/test";

export { expect };

/** Every test fails on an error in any page it opened (in any browser context): an uncaught
 *  exception, a WASM panic during hydration, a CSP violation, a 5xx answer. A form refused with
 *  a 4xx is expected and allowed. */
export const test = base.extend<{ failOnPageErrors: void }>({
  failOnPageErrors: [
    async ({ context, browser }, use) => {
      const problems: string[] = [];
      const watchPage = (page: Page) => {
        page.on("pageerror", (error) => problems.push(`${page.url()}: ${error.message}`));
        page.on("console", (message) => {
          // Scaffolding pages (the accessibility probe's copy of a page) are not the app.
          if (message.type() !== "error" || page.url().startsWith("about:")) return;
          const text = message.text();
          if (/Failed to load resource: the server responded with a status of 4\d\d/.test(text)) return;
          problems.push(`${page.url()}: ${text}`);
        });
      };
      const watchContext = (watched: BrowserContext) => {
        watched.pages().forEach(watchPage);
        watched.on("page", watchPage);
      };
      watchContext(context);
      const newContext = browser.newContext.bind(browser);
      browser.newContext = async (options) => {
        const made = await newContext(options);
        watchContext(made);
        return made;
      };
      await use();
      browser.newContext = newContext;
      expect(problems, "no page errors and no console errors").toEqual([]);
    },
    { auto: true },
  ],
});

export const PASSWORD = "a calm river under nine bridges";

/** A fresh address per test and project, so runs never collide. */
export function uniqueEmail(testInfo: TestInfo, label: string): string {
  const stamp = `${Date.now()}${Math.floor(Math.random() * 1000)}`;
  return `${label}-${testInfo.project.name}-${stamp}@example.no`;
}

export function jsEnabled(testInfo: TestInfo): boolean {
  return testInfo.project.use.javaScriptEnabled !== false;
}

/** Opens a page; with JavaScript on, waits until its WASM has run: the practitioner's app
 *  hydrated, or the consent page's pad live. Booking and message pages load no script. */
export async function open(page: Page, testInfo: TestInfo, path: string) {
  await page.goto(path);
  if (jsEnabled(testInfo) && (await page.locator('script[type="module"]').count()) > 0) {
    // The debug WASM is several MB: on a busy 2-core machine compiling it can take a while.
    await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true", { timeout: 30_000 });
  }
}

/** Collects Content-Security-Policy violations reported in the console. */
export function watchCsp(page: Page): string[] {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" && /Content Security Policy/i.test(message.text())) {
      violations.push(message.text());
    }
  });
  return violations;
}

export async function signUp(page: Page, testInfo: TestInfo, email: string) {
  await open(page, testInfo, "/signup");
  await page.getByLabel("Practice name").fill("Klinikk Nord");
  await page.getByLabel("Your name").fill("Kari Nordmann");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/signup\/sent$/);
  await expect(page.getByRole("heading", { name: "Check your email" })).toBeVisible();
}

/** The newest link to `path` in mail to `email`, from the development outbox. */
export async function linkFromOutbox(page: Page, testInfo: TestInfo, email: string, path: string): Promise<string> {
  const mail = page.locator("li.mail").filter({ has: page.locator(".to", { hasText: email }) });
  const link = mail.locator(`a[href*="${path}?token="]`).first();
  // Mail is written in the background: look again until it has arrived.
  await expect(async () => {
    await open(page, testInfo, "/dev/outbox");
    await expect(link).toBeVisible({ timeout: 500 });
  }).toPass({ timeout: 10_000 });
  const href = new URL((await link.getAttribute("href"))!);
  return href.pathname + href.search;
}

/** Finds the verification mail in the development outbox and confirms the address. */
export async function verifyThroughOutbox(page: Page, testInfo: TestInfo, email: string) {
  await open(page, testInfo, await linkFromOutbox(page, testInfo, email, "/verify-email"));
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page).toHaveURL(/\/login\?reason=verified$/);
  await expect(page.getByRole("status")).toContainText("Your email address is confirmed");
}

export async function logIn(page: Page, testInfo: TestInfo, email: string, password = PASSWORD) {
  await open(page, testInfo, "/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
}

/** A new account, verified through the outbox and logged in on this page. Returns its email. */
export async function signedIn(page: Page, testInfo: TestInfo, label: string): Promise<string> {
  const email = uniqueEmail(testInfo, label);
  await signUp(page, testInfo, email);
  await verifyThroughOutbox(page, testInfo, email);
  await logIn(page, testInfo, email);
  await expect(page).toHaveURL(/\/calendar$/);
  return email;
}

/** The text a Trygg PDF shows, one line per shown string (WinAnsi, literal or hex strings). */
export function pdfText(pdf: Buffer): string {
  const winAnsi: Record<number, string> = { 0x91: "‘", 0x92: "’", 0x93: "“", 0x94: "”", 0x95: "•", 0x96: "–", 0x97: "—" };
  const decode = (bytes: number[]) => bytes.map((b) => winAnsi[b] ?? String.fromCharCode(b)).join("");
  const source = pdf.toString("latin1");
  const lines: string[] = [];
  const shown = /<([0-9A-Fa-f]*)>\s*Tj|\(((?:\\.|[^\\()]|\((?:\\.|[^\\()])*\))*)\)\s*Tj/g;
  for (const match of source.matchAll(shown)) {
    if (match[1] !== undefined) {
      lines.push(decode(match[1].match(/../g)?.map((h) => parseInt(h, 16)) ?? []));
    } else {
      const literal = match[2].replace(/\\([0-7]{1,3}|.)/g, (_, e: string) =>
        /^[0-7]+$/.test(e) ? String.fromCharCode(parseInt(e, 8)) : ({ n: "\n", r: "\r", t: "\t" } as Record<string, string>)[e] ?? e,
      );
      lines.push(decode([...literal].map((c) => c.charCodeAt(0))));
    }
  }
  return lines.join("\n");
}

/** Monday to Friday 08–16, one 50-minute service, one client: through the settings pages. */
export async function setUpPractice(page: Page, testInfo: TestInfo, clientName: string) {
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
  // The form starts empty for the next service.
  await expect(page.getByLabel("Name")).toHaveValue("");
  await expect(page.getByLabel("Duration")).toHaveValue("60");
  await page.getByLabel("Name").fill("Parterapi");
  await page.getByLabel("Duration").selectOption("90");
  await page.getByRole("button", { name: "Add service" }).click();
  await expect(page.locator(".service-list li", { hasText: "Parterapi" })).toContainText("1 h 30 min");

  await open(page, testInfo, "/clients/new");
  await page.getByLabel("Name").fill(clientName);
  await page.getByLabel("Email").fill("ola@example.no");
  await page.getByLabel("Phone").fill("+47 912 34 567");
  await page.getByRole("button", { name: "Add client" }).click();
  await expect(page).toHaveURL(/\/clients\/\d+$/);
  await expect(page.getByRole("heading", { name: clientName })).toBeVisible();
}

/** A `YYYY-MM-DD` date as the app shows it (app/src/dates.rs): "1 Dec 2026", "1. des. 2026". */
export function longDate(iso: string, lang: "en" | "nb" = "en"): string {
  const [year, month, day] = iso.split("-").map(Number);
  const en = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const nb = ["jan.", "feb.", "mars", "apr.", "mai", "juni", "juli", "aug.", "sep.", "okt.", "nov.", "des."];
  return lang === "en" ? `${day} ${en[month - 1]} ${year}` : `${day}. ${nb[month - 1]} ${year}`;
}

/** The next Monday (never today), as YYYY-MM-DD. */
export function nextMonday(): string {
  const day = new Date();
  day.setDate(day.getDate() + ((8 - day.getDay()) % 7 || 7));
  return day.toISOString().slice(0, 10);
}

/** A desktop browser of its own, with JavaScript, and a TestInfo that says so (for `open`):
 *  contexts made in a test take the project's options unless told otherwise. */
export async function desktopBrowser(browser: Browser, testInfo: TestInfo) {
  const context = await browser.newContext({
    baseURL: testInfo.project.use.baseURL,
    viewport: { width: 1280, height: 800 },
    isMobile: false,
    hasTouch: false,
    javaScriptEnabled: true,
    locale: "en-US",
  });
  const page = await context.newPage();
  const info = { ...testInfo, project: { ...testInfo.project, use: { ...testInfo.project.use, javaScriptEnabled: true } } } as TestInfo;
  return { context, page, info };
}

/** A practitioner in a desktop browser of their own, with a practice set up; the public
 *  booking address. */
export async function practiceWithBookingPage(browser: Browser, testInfo: TestInfo, label: string): Promise<string> {
  const { context, page, info: desktop } = await desktopBrowser(browser, testInfo);
  await signedIn(page, desktop, label);
  await setUpPractice(page, desktop, "Anne Berg");
  await open(page, desktop, "/settings/services");
  const address = await page.getByTestId("booking-address").getAttribute("href");
  await context.close();
  return new URL(address!).pathname;
}

/** A client books Samtale at 10:00 on the second day offered, in a phone browser of their own
 *  (JavaScript on, and the given user agent if any); the booked day (YYYY-MM-DD). */
export async function bookOnPhone(
  browser: Browser,
  testInfo: TestInfo,
  address: string,
  client: { name: string; email: string; phone: string; userAgent?: string },
): Promise<string> {
  const context = await browser.newContext({
    baseURL: testInfo.project.use.baseURL,
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    javaScriptEnabled: true,
    userAgent: client.userAgent,
    locale: "en-US",
  });
  const phone = await context.newPage();
  await phone.goto(address);
  await phone.getByRole("link", { name: /Samtale/ }).click();
  await phone.locator("a.day-choice").nth(1).click();
  await phone.locator("label.time-choice", { hasText: "10:00" }).click();
  await phone.getByLabel("Your name").fill(client.name);
  await phone.getByLabel("Email").fill(client.email);
  await phone.getByLabel("Phone").fill(client.phone);
  await phone.getByRole("button", { name: "Book" }).click();
  await expect(phone.getByRole("heading", { name: "You are booked" })).toBeVisible();
  const date = new URL(phone.url()).searchParams.get("date")!;
  await context.close();
  return date;
}

/** RFC 4648 base32, as the key is shown (spaces between groups). */
function base32Decode(text: string): Buffer {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const char of text.replace(/[\s=]/g, "").toUpperCase()) {
    const value = alphabet.indexOf(char);
    if (value < 0) throw new Error(`not base32: ${char}`);
    bits += value.toString(2).padStart(5, "0");
  }
  const bytes: number[] = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** The code an authenticator app would show now (RFC 6238: HMAC-SHA-1, 30 s, 6 digits). */
export function totp(key: string, at = Date.now()): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const mac = createHmac("sha1", base32Decode(key)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return value.toString().padStart(6, "0");
}
