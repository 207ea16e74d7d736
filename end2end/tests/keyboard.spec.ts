import { type Browser, type Locator, type Page, type TestInfo } from "@playwright/test";
import {
  PASSWORD,
  expect,
  jsEnabled,
  linkFromOutbox,
  open,
  practiceWithBookingPage,
  signUp,
  test,
  uniqueEmail,
  verifyThroughOutbox,
  totp,
  desktopBrowser,
} from "./helpers";

// Issue 21: keyboard-only walks through sign-in, two-factor, booking and consent signing, and
// what a screen reader meets on the consent page. The walks use nothing but `page.keyboard`
// (Tab, Shift+Tab, Enter, Space, arrow keys, typing); only the setup (accounts, a practice, a
// consent request) goes through the usual helpers, in a desktop browser of its own. At every
// tab stop the focused element must show a focus indicator. They run on every project: a
// keyboard works the same with JavaScript off, and a phone can have one (a Bluetooth keyboard,
// or a switch device that sends the same keys).
test.beforeEach(async ({}, testInfo) => {
  test.setTimeout(150_000);
});

// ---------------------------------------------------------------------------------------------
// Where focus is, and whether it shows.

type Stop = {
  /** What a person would call it: tag, role-ish type, and its label or text. */
  label: string;
  /** Chromium's own judgement: the element matches :focus-visible. */
  focusVisible: boolean;
  /** The element (or, for a visually hidden radio or checkbox, its label) draws an outline or a
   *  box shadow. */
  ring: boolean;
  style: string;
  /** The indicator is on screen (Chromium scrolls a focused element into view). */
  inView: boolean;
  /** Contrast of the outline against what is right next to it (null for `auto` rings, which
   *  Chromium draws in two colours, and for box shadows). */
  contrast: number | null;
};

/** The focused element, described; null when focus is on nothing (the body). */
async function focused(page: Page): Promise<Stop | null> {
  return page.evaluate(() => {
    const element = document.activeElement as HTMLElement | null;
    if (!element || element === document.body || element === document.documentElement) return null;
    // A radio or checkbox that is hidden behind its label shows focus on the label.
    let shown: Element = element;
    if (element instanceof HTMLInputElement && ["radio", "checkbox"].includes(element.type) && element.labels?.length) {
      const box = element.getBoundingClientRect();
      if (getComputedStyle(element).opacity === "0" || box.width <= 2 || box.height <= 2) shown = element.labels[0];
    }
    const style = getComputedStyle(shown);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 1;
    const shadow = style.boxShadow !== "none" && style.boxShadow !== "";
    const box = shown.getBoundingClientRect();
    const inView = box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0 && box.top < innerHeight && box.left < innerWidth;

    const rgba = (text: string): number[] | null => {
      const match = text.match(/rgba?\(([^)]+)\)/);
      if (!match) return null;
      const parts = match[1].split(/[\s,/]+/).filter(Boolean).map(Number);
      return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1];
    };
    const luminance = ([r, g, b]: number[]) => {
      const channel = (c: number) => {
        const s = c / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    };
    let contrast: number | null = null;
    if (outline && style.outlineStyle !== "auto") {
      const ring = rgba(style.outlineColor);
      // The outline sits outside the element (outline-offset), on its parent's background.
      let behind: number[] | null = null;
      for (let node = shown.parentElement; node && !behind; node = node.parentElement) {
        const colour = rgba(getComputedStyle(node).backgroundColor);
        if (colour && colour[3] > 0) behind = colour;
      }
      behind ??= [255, 255, 255, 1];
      if (ring) {
        const [a, b] = [luminance(ring), luminance(behind)].sort((x, y) => y - x);
        contrast = Math.round(((a + 0.05) / (b + 0.05)) * 100) / 100;
      }
    }

    const name =
      element.getAttribute("aria-label") ??
      (element instanceof HTMLInputElement && element.labels?.length ? element.labels[0].textContent : null) ??
      element.textContent ??
      "";
    const kind = element instanceof HTMLInputElement ? `input[${element.type}]` : element.tagName.toLowerCase();
    return {
      label: `${kind} "${name.replace(/\s+/g, " ").trim().slice(0, 60)}"`,
      focusVisible: element.matches(":focus-visible"),
      ring: outline || shadow,
      style: `outline: ${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}; box-shadow: ${style.boxShadow}`,
      inView,
      contrast,
    };
  });
}

/** Fails unless the focused element shows that it has focus, on screen. */
function expectShown(stop: Stop | null, where: string) {
  expect(stop, `${where}: focus is on an element, not lost to the page`).not.toBeNull();
  expect(stop!.focusVisible, `${where}: ${stop!.label} matches :focus-visible`).toBe(true);
  expect(stop!.ring, `${where}: ${stop!.label} draws a focus indicator (${stop!.style})`).toBe(true);
  expect(stop!.inView, `${where}: ${stop!.label} is on screen`).toBe(true);
}

async function isFocused(target: Locator): Promise<boolean> {
  return target.evaluate((element) => element === document.activeElement, undefined, { timeout: 5_000 }).catch(() => false);
}

/**
 * Presses Tab (or Shift+Tab) until `target` has focus, at most `max` times; every stop on the
 * way must show its focus. Returns the stops, the target last.
 */
async function tabTo(page: Page, target: Locator, options: { max?: number; back?: boolean } = {}): Promise<string[]> {
  const stops: string[] = [];
  const max = options.max ?? 40;
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(options.back ? "Shift+Tab" : "Tab");
    const stop = await focused(page);
    if (!stop) {
      // Past the last element Chromium leaves the page for its own window; the next Tab comes back.
      stops.push("(outside the page)");
      continue;
    }
    stops.push(stop.label);
    expectShown(stop, `tab stop ${i + 1} on ${page.url()}`);
    if (await isFocused(target)) return stops;
  }
  throw new Error(`${options.back ? "Shift+Tab" : "Tab"} did not reach ${target} in ${max} presses; stops: ${stops.join(" → ")}`);
}

/** One Tab (or Shift+Tab), and focus must be on `target` next: the order of a form. */
async function tabNext(page: Page, target: Locator, back = false) {
  await page.keyboard.press(back ? "Shift+Tab" : "Tab");
  await expect(target).toBeFocused();
  const stop = await focused(page);
  expectShown(stop, `after ${back ? "Shift+Tab" : "Tab"} on ${page.url()}`);
}

/** Selects what is in the focused text field and types over it. */
async function typeOver(page: Page, text: string) {
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.type(text);
}

/** Waits for a client's page (booking, consent) after it loaded. Such a page may ship no script
 *  at all (then it is ready once loaded) or a script of its own that marks the body hydrated. */
async function clientPageReady(page: Page, testInfo: TestInfo) {
  await page.waitForLoadState("load");
  if (jsEnabled(testInfo) && (await page.locator('script[type="module"]').count()) > 0) {
    await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true", { timeout: 30_000 });
  }
}

async function shot(page: Page, testInfo: TestInfo, name: string) {
  await page.screenshot({ path: testInfo.outputPath(`${name}.png`) });
}

// ---------------------------------------------------------------------------------------------
// Setup, in a desktop browser with JavaScript (not part of any walk).


/** A verified account that is not signed in anywhere; its email. */
async function verifiedAccount(browser: Browser, testInfo: TestInfo, label: string): Promise<string> {
  const { context, page, info } = await desktopBrowser(browser, testInfo);
  const email = uniqueEmail(testInfo, label);
  await signUp(page, info, email);
  await verifyThroughOutbox(page, info, email);
  await context.close();
  return email;
}

/** A code from a time step not used yet: waits for the next step to begin. */
async function nextCode(page: Page, key: string): Promise<string> {
  await page.waitForTimeout(30_000 - (Date.now() % 30_000) + 500);
  return totp(key);
}

/** A verified account with two-factor turned on through the wizard (as two_factor.spec.ts does
 *  it), signed out again; its email and key. */
async function twoFactorAccount(browser: Browser, testInfo: TestInfo): Promise<{ email: string; key: string }> {
  const { context, page, info } = await desktopBrowser(browser, testInfo);
  const email = uniqueEmail(testInfo, "kbd-2fa");
  await signUp(page, info, email);
  await verifyThroughOutbox(page, info, email);
  await open(page, info, "/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/calendar$/);
  await open(page, info, "/settings/security");
  const section = page.locator("#two-factor");
  await section.getByRole("button", { name: "Show QR code" }).click();
  const key = (await section.getByTestId("totp-key").textContent())!.trim();
  await section.getByLabel("Code from the app").fill(totp(key));
  await section.getByRole("button", { name: "Turn on two-factor security" }).click();
  await expect(section.getByTestId("recovery-codes").locator("li")).toHaveCount(10);
  await section.getByRole("button", { name: "I have saved them" }).click();
  await expect(section.locator(".badge.on")).toHaveText("On");
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login/);
  await context.close();
  return { email, key };
}

/** Sends the English declaration to a new client and returns the link from the client's mail. */
async function consentLink(browser: Browser, testInfo: TestInfo): Promise<string> {
  const email = `ola-kbd-${testInfo.project.name}-${Date.now()}@example.no`;
  const practitioner = await desktopBrowser(browser, testInfo);
  const ownerEmail = uniqueEmail(testInfo, "kbd-consent");
  await signUp(practitioner.page, practitioner.info, ownerEmail);
  await verifyThroughOutbox(practitioner.page, practitioner.info, ownerEmail);
  await open(practitioner.page, practitioner.info, "/login");
  await practitioner.page.getByLabel("Email").fill(ownerEmail);
  await practitioner.page.getByLabel("Password").fill(PASSWORD);
  await practitioner.page.getByRole("button", { name: "Log in" }).click();
  await expect(practitioner.page).toHaveURL(/\/calendar$/);
  const p = practitioner.page;
  await open(p, practitioner.info, "/clients/new");
  await p.getByLabel("Name").fill("Ola Nordmann");
  await p.getByLabel("Email").fill(email);
  await p.getByRole("button", { name: "Add client" }).click();
  await expect(p).toHaveURL(/\/clients\/\d+$/);
  await p.locator("section.consent").getByLabel("Declaration").selectOption({ label: "Consent to the processing of health data" });
  await Promise.all([
    p.waitForResponse((response) => response.url().includes("/api/consent/send")),
    p.locator("section.consent").getByRole("button", { name: "Send for signing" }).click(),
  ]);
  const link = await linkFromOutbox(p, practitioner.info, email, "/consent");
  await practitioner.context.close();
  return link;
}

// ---------------------------------------------------------------------------------------------
// The walks.

test("sign-in: the login form by keyboard, a wrong password and then the right one, and the skip link", async ({ page, browser }, testInfo) => {
  const email = await verifiedAccount(browser, testInfo, "kbd-login");

  await open(page, testInfo, "/login");
  const email_ = page.getByLabel("Email");
  const password = page.getByLabel("Password");
  const logIn = page.getByRole("button", { name: "Log in" });
  // Only the header (the brand and the language switch) comes before the form.
  const before = await tabTo(page, email_, { max: 5 });
  expect(before.length, `stops before Email: ${before.join(" → ")}`).toBeLessThanOrEqual(4);
  await shot(page, testInfo, "login-email-focused");
  await page.keyboard.type(email);
  await tabNext(page, password);
  await page.keyboard.type("not my password at all");
  await tabNext(page, logIn);
  await shot(page, testInfo, "login-button-focused");
  await page.keyboard.press("Enter");
  await expect(page.getByRole("alert")).toContainText("Wrong email or password.");

  // Back to the password (with Shift+Tab from wherever focus is now), and in with Enter.
  if ((await email_.inputValue()) !== email) {
    await tabTo(page, email_, { max: 12 });
    await typeOver(page, email);
    await tabNext(page, password);
  } else {
    await tabTo(page, password, { back: true, max: 12 });
  }
  await typeOver(page, PASSWORD);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/calendar$/);
  await expect(page.getByRole("button", { name: "Log out" })).toBeVisible();

  // On the signed-in pages the first Tab offers "Skip to content", shown on screen; taking it
  // moves the keyboard past the menu, into the page.
  await open(page, testInfo, "/calendar");
  const skip = page.getByRole("link", { name: "Skip to content" });
  await tabNext(page, skip);
  await shot(page, testInfo, "skip-link-focused");
  await page.keyboard.press("Enter");
  await page.keyboard.press("Tab");
  const next = await focused(page);
  expect(next, "a Tab after the skip link lands on something").not.toBeNull();
  expect(
    await page.evaluate(() => !!document.activeElement?.closest("main")),
    `after the skip link, Tab goes into <main> (it went to ${next?.label})`,
  ).toBe(true);
});

test("two-factor: password, then the code, by keyboard", async ({ page, browser }, testInfo) => {
  const { email, key } = await twoFactorAccount(browser, testInfo);

  await open(page, testInfo, "/login");
  await tabTo(page, page.getByLabel("Email"), { max: 5 });
  await page.keyboard.type(email);
  await tabNext(page, page.getByLabel("Password"));
  await page.keyboard.type(PASSWORD);
  await tabNext(page, page.getByRole("button", { name: "Log in" }));
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/login\/code$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Enter your code");
  if (jsEnabled(testInfo)) await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");

  // The code field is the first stop in the page's main part; the button follows it.
  const code = page.getByLabel("Code", { exact: true });
  await tabTo(page, code, { max: 12 });
  await shot(page, testInfo, "code-focused");
  // A wrong code first: the error is announced, and the field can be typed over.
  const right = await nextCode(page, key);
  await page.keyboard.type(right === "000000" ? "111111" : "000000");
  await tabNext(page, page.getByRole("button", { name: "Sign in" }));
  await page.keyboard.press("Space");
  await expect(page.locator("#code-error")).toContainText("not right");
  // Without JavaScript the refused form comes back with its error in the address.
  await expect(page).toHaveURL(jsEnabled(testInfo) ? /\/login\/code$/ : /\/login\/code\?/);
  await tabTo(page, code, { back: true, max: 12 });
  await typeOver(page, right);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/calendar$/);
  await expect(page.getByRole("button", { name: "Log out" })).toBeVisible();
});

test("booking: service, day, time with the arrow keys, details, booked", async ({ page, browser }, testInfo) => {
  const address = await practiceWithBookingPage(browser, testInfo, "kbd-book");

  await page.goto(address);
  await clientPageReady(page, testInfo);
  const samtale = page.getByRole("link", { name: /Samtale/ });
  // Before Samtale: only the language switch (two buttons) and the service listed above it.
  const before = await tabTo(page, samtale, { max: 6 });
  expect(before.slice(0, 3), `stops before Samtale: ${before.join(" → ")}`).toEqual([
    'button "Norsk"',
    'button "English"',
    expect.stringMatching(/^a "Parterapi/),
  ]);
  await shot(page, testInfo, "book-service-focused");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/[?&]service=\d+/);
  await expect(page.getByRole("heading", { name: "Choose a day" })).toBeVisible();
  await clientPageReady(page, testInfo);

  const day = page.locator("a.day-choice").nth(1);
  const dayLabel = (await day.textContent())!.trim();
  await tabTo(page, day, { max: 20 });
  await shot(page, testInfo, "book-day-focused");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/[?&]date=\d{4}-\d{2}-\d{2}/);
  await expect(page.getByRole("heading", { name: "Choose a time" })).toBeVisible();
  await expect(page.locator("a.day-choice.chosen")).toHaveText(dayLabel);
  await clientPageReady(page, testInfo);

  // The times are one radio group: one tab stop, the arrow keys choose.
  const times = page.locator('input[type="radio"][name="time"]');
  await tabTo(page, times.first(), { max: 30 });
  await shot(page, testInfo, "book-time-focused");
  let chosen = "";
  for (let i = 0; i < 60 && chosen !== "10:00"; i++) {
    await page.keyboard.press("ArrowRight");
    chosen = await page.locator('input[name="time"]:checked').evaluate((input: HTMLInputElement) => input.value).catch(() => "");
    const stop = await focused(page);
    expectShown(stop, `time ${chosen}`);
  }
  expect(chosen).toBe("10:00");
  await expect(page.locator('input[name="time"]:checked')).toBeFocused();
  await shot(page, testInfo, "book-time-chosen");
  const name = page.getByLabel("Your name");
  await tabNext(page, name);
  await page.keyboard.type("Ola Nordmann");
  await tabNext(page, page.getByLabel("Email"));
  await page.keyboard.type("ola@example.no");
  // Shift+Tab goes back the same way.
  await tabNext(page, name, true);
  await tabNext(page, page.getByLabel("Email"));
  await tabNext(page, page.getByLabel("Phone"));
  await page.keyboard.type("+47 912 34 567");
  await tabNext(page, page.getByRole("button", { name: "Book" }));
  await shot(page, testInfo, "book-button-focused");
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: "You are booked" })).toBeVisible();
  await expect(page.getByRole("status")).toContainText("at 10:00");
});

test("consent: tick, name, sign, by keyboard; a missing tick is reported and fixed", async ({ page, browser }, testInfo) => {
  const link = await consentLink(browser, testInfo);

  await page.goto(link);
  await clientPageReady(page, testInfo);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Consent to the processing of health data");
  const agree = page.getByRole("checkbox", { name: "I have read the declaration and give my consent." });
  const name = page.getByRole("textbox", { name: "Your full name" });
  const sign = page.getByRole("button", { name: "Sign", exact: true });
  // Only the language link comes before the consent box.
  const before = await tabTo(page, agree, { max: 4 });
  expect(before, "the language link, then the consent box").toHaveLength(2);
  await shot(page, testInfo, "consent-agree-focused");
  // Not ticked yet: on to the name, then to Sign.
  await tabNext(page, name);
  await page.keyboard.type("Ola Nordmann");
  if (jsEnabled(testInfo)) {
    // The drawing pad is optional and takes no keys: it is no tab stop; its Clear button is.
    await expect(page.locator("#signature-pad")).toBeVisible();
    await tabNext(page, page.getByRole("button", { name: "Clear" }));
    await shot(page, testInfo, "consent-clear-focused");
  }
  await tabNext(page, sign);
  await page.keyboard.press("Enter");
  await expect(page.locator("#agree-error")).toHaveText("Tick the box to give your consent.");
  await expect(page.getByRole("status")).toHaveCount(0);

  // Back to the box (Shift+Tab from wherever focus is), ticked with Space.
  await tabTo(page, agree, { back: true, max: 12 });
  await page.keyboard.press("Space");
  await expect(agree).toBeChecked();
  await tabNext(page, name);
  if ((await name.inputValue()) !== "Ola Nordmann") await typeOver(page, "Ola Nordmann");
  await shot(page, testInfo, "consent-name-focused");
  await tabTo(page, sign, { max: 3 });
  await page.keyboard.press("Space");
  await expect(page.getByRole("status")).toContainText("Signed");
  await expect(sign).toHaveCount(0);
  await shot(page, testInfo, "consent-signed");
  // Where focus went once the form made way for the status (recorded, for the report).
  const landed = await focused(page);
  testInfo.annotations.push({ type: "focus after signing", description: landed?.label ?? "nothing (the body)" });
  // The keyboard can go on from there to the client's copy.
  await tabTo(page, page.getByRole("link", { name: "Download what you signed (PDF)" }), { max: 10 });
});

// ---------------------------------------------------------------------------------------------
// What a screen reader meets on the consent page.

type AxNode = { role: string; name: string; level?: number; ignored: boolean; description: string };

/** Chromium's accessibility tree of the page, flat (through DevTools: works with JavaScript off). */
async function accessibilityTree(page: Page): Promise<AxNode[]> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = (await cdp.send("Accessibility.getFullAXTree")) as {
      nodes: {
        ignored: boolean;
        role?: { value: string };
        name?: { value: string };
        description?: { value: string };
        properties?: { name: string; value: { value: unknown } }[];
      }[];
    };
    return nodes.map((node) => ({
      role: String(node.role?.value ?? ""),
      name: String(node.name?.value ?? "").trim(),
      description: String(node.description?.value ?? "").trim(),
      level: node.properties?.find((p) => p.name === "level")?.value.value as number | undefined,
      ignored: node.ignored,
    }));
  } finally {
    await cdp.detach();
  }
}

/** The accessible name and role Chromium gives one element. */
async function accessibleName(page: Page, selector: string): Promise<{ role: string; name: string; description: string }> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { root } = (await cdp.send("DOM.getDocument", { depth: 0 })) as { root: { nodeId: number } };
    const { nodeId } = (await cdp.send("DOM.querySelector", { nodeId: root.nodeId, selector })) as { nodeId: number };
    const { nodes } = (await cdp.send("Accessibility.getPartialAXTree", { nodeId, fetchRelatives: false })) as {
      nodes: { role?: { value: string }; name?: { value: string }; description?: { value: string } }[];
    };
    return {
      role: String(nodes[0]?.role?.value ?? ""),
      name: String(nodes[0]?.name?.value ?? "").trim(),
      description: String(nodes[0]?.description?.value ?? "").trim(),
    };
  } finally {
    await cdp.detach();
  }
}

const CONTROLS = ["textbox", "checkbox", "radio", "combobox", "listbox", "button", "link", "slider", "spinbutton", "searchbox"];

test("consent page for a screen reader: one h1, every field named, the pad named, the signed status announced", async ({ page, browser }, testInfo) => {
  const link = await consentLink(browser, testInfo);
  await page.goto(link);
  await clientPageReady(page, testInfo);

  // Headings: exactly one h1, the declaration's title, and it comes first.
  const tree = (await accessibilityTree(page)).filter((node) => !node.ignored);
  const headings = tree.filter((node) => node.role === "heading");
  expect(headings.filter((h) => h.level === 1).map((h) => h.name)).toEqual(["Consent to the processing of health data"]);
  expect(headings[0]).toMatchObject({ level: 1, name: "Consent to the processing of health data" });
  await expect(page.locator("h1")).toHaveCount(1);

  // Every control has a name.
  const controls = tree.filter((node) => CONTROLS.includes(node.role));
  expect(controls.length).toBeGreaterThanOrEqual(4);
  expect(controls.filter((node) => !node.name), "controls without an accessible name").toEqual([]);
  // ... and every form field in the markup is one of them.
  const fields = page.locator('main :is(input:not([type="hidden"]), select, textarea)');
  for (const field of await fields.all()) {
    const id = await field.getAttribute("id");
    expect(id, "each field has an id").toBeTruthy();
    const { name } = await accessibleName(page, `#${id}`);
    expect(name, `#${id} has an accessible name`).not.toBe("");
  }
  await expect(page.getByRole("checkbox", { name: "I have read the declaration and give my consent." })).toBeVisible();
  await expect(page.getByRole("textbox", { name: "Your full name" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Sign", exact: true })).toBeVisible();
  await expect(page.getByRole("button", { name: "Decline" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Language" })).toBeVisible();
  await expect(page.locator("main")).toMatchAriaSnapshot(`
    - heading "Consent to the processing of health data" [level=1]
    - checkbox "I have read the declaration and give my consent."
    - textbox "Your full name"
    - button "Sign"
    - button "Decline"
  `);

  if (jsEnabled(testInfo)) {
    // The pad is there once the page's script runs, named by the text above it.
    const pad = page.locator("#signature-pad");
    await expect(pad).toBeVisible();
    await expect(pad).toHaveAttribute("aria-labelledby", "signature-label");
    const named = await accessibleName(page, "#signature-pad");
    expect(named.name).toBe("Draw your signature (optional)");
    expect(named.description).toContain("Your typed name is your signature either way.");
    await expect(page.getByLabel("Draw your signature (optional)")).toHaveId("signature-pad");
    await expect(page.getByRole("button", { name: "Clear" })).toBeVisible();
  } else {
    // Without JavaScript the pad is not shown (and so not in the accessibility tree); the page
    // says the typed name is the signature.
    await expect(page.locator("#signature-pad")).toBeHidden();
    expect(tree.filter((node) => node.name === "Draw your signature (optional)")).toEqual([]);
    await expect(page.getByText("Drawing a signature needs JavaScript.")).toBeVisible();
  }

  // A refused form names the problem in the field's description, and it is announced.
  await page.getByLabel("Your full name").fill("Ola Nordmann");
  await page.getByRole("button", { name: "Sign", exact: true }).click();
  await expect(page.locator("#agree-error")).toHaveText("Tick the box to give your consent.");
  const agreeNamed = await accessibleName(page, "#agree");
  expect(agreeNamed.description).toContain("Tick the box to give your consent.");

  // Signing: a status region with the signed state appears, as a live region.
  await page.getByLabel("I have read the declaration and give my consent.").check();
  if ((await page.getByLabel("Your full name").inputValue()) === "") await page.getByLabel("Your full name").fill("Ola Nordmann");
  await page.getByRole("button", { name: "Sign", exact: true }).click();
  const status = page.getByRole("status");
  await expect(status).toContainText("Signed");
  await expect(status).toHaveCount(1);
  // The answer is a new page; its title, which a screen reader reads first, says how it went.
  await expect(page).toHaveTitle("Signed · Consent · Trygg");
  // In Chromium's tree it is a status (an implicit polite live region), not ignored.
  const after = (await accessibilityTree(page)).filter((node) => !node.ignored);
  expect(after.filter((node) => node.role === "status")).toHaveLength(1);
  await expect(page.locator("h1")).toHaveCount(1);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Consent to the processing of health data");
});

// ---------------------------------------------------------------------------------------------
// Focus indicators are not only there but stand out: 3:1 against what is next to them (WCAG
// 2.1 SC 1.4.11, non-text contrast), on the white card and on the page's background.

test("focus indicators have 3:1 contrast against the background", async ({ page }, testInfo) => {
  test.skip(testInfo.project.name !== "desktop", "the colours are the same everywhere: checked once");
  await open(page, testInfo, "/login");
  const stops: Stop[] = [];
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press("Tab");
    const stop = await focused(page);
    if (stop) stops.push(stop);
  }
  const weak = stops.filter((stop) => stop.contrast !== null && stop.contrast < 3).map((stop) => `${stop.label}: ${stop.contrast}:1 (${stop.style})`);
  expect(weak, "focus indicators under 3:1").toEqual([]);
});
