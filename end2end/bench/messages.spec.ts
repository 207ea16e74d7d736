import { expect, linkFromOutbox, signedIn, test } from "../tests/helpers";
import { PHONE, RUNS, clientPageRows, throttleText, firstLoads, report } from "./phone";

const BIRTH_DATE = "1985-04-12";
const MESSAGES = [
  "Hei Ola! Her er oppsummeringen fra timen i dag. Vi snakket om søvn, om pust og om hvordan det går på jobb.",
  "Som avtalt: prøv pusteøvelsen morgen og kveld, fem minutter hver gang, og skriv ned hvordan det kjennes.",
  "Neste time er om to uker. Gi meg gjerne beskjed her om noe skulle dukke opp før det.",
];

// The client's secure-message page once their phone is verified: the conversation and the reply
// box (a plain multipart form, no script). The device is verified once (with the date of birth);
// each run then opens the mailed link in a new context with that session cookie but an empty
// HTTP cache. "Interactive" is DOMContentLoaded: the textarea is plain HTML.
test("secure-message page: first load on a phone, conversation and reply box", async ({ browser, page }, testInfo) => {
  test.skip(testInfo.project.name !== "phone", "a phone measurement");
  test.setTimeout(120_000 + RUNS * 60_000);
  await signedIn(page, testInfo, "bench-messages");
  const origin = new URL(page.url()).origin;
  const email = `bench-messages-${Date.now()}@example.no`;
  const created = await page.request.post("/api/clients/create", {
    form: { name: "Ola Nordmann", email, phone: "", birth_date: BIRTH_DATE, address: "", notes: "" },
    headers: { origin },
    maxRedirects: 0,
  });
  const clientId = created.headers()["location"].split("/").pop()!;
  // Three messages, the device checked by the date of birth (the practitioner's send form).
  for (const body of MESSAGES) {
    const sent = await page.request.post(`/messages/${clientId}/send`, {
      multipart: { body, second_factor: "birth_date", from: "profile" },
      headers: { origin },
      maxRedirects: 0,
    });
    expect(sent.status(), body).toBe(303);
    expect(sent.headers()["location"]).toContain("sent=1");
  }
  const link = await linkFromOutbox(page, testInfo, email, "/secure-message");

  // The client verifies this phone once; its session cookie is kept for every run.
  const use = testInfo.project.use;
  const verifying = await browser.newContext({
    baseURL: origin,
    viewport: use.viewport,
    isMobile: use.isMobile,
    hasTouch: use.hasTouch,
    userAgent: use.userAgent,
    locale: "en-US",
  });
  const client = await verifying.newPage();
  // As if followed from the mail and then resumed (the page reloads itself once to find a cookie).
  await client.goto(`${link}&resumed=1`);
  const birthDate = client.locator('input[name="birth_date"]');
  await expect(birthDate).toBeVisible();
  await birthDate.fill(BIRTH_DATE);
  await client.locator("form.verify").getByRole("button").click();
  await expect(client.locator('textarea[name="body"]')).toBeVisible();
  await expect(client.locator(".thread .message")).toHaveCount(MESSAGES.length);
  const storageState = await verifying.storageState();
  await verifying.close();

  const loads = await firstLoads(browser, testInfo, {
    url: link,
    origin,
    storageState,
    throttle: PHONE,
    interactive: "dcl",
    check: async (phone) => {
      // The conversation itself, straight away: not the code step, nor a reload to find the cookie.
      await expect(phone.locator(".thread .message")).toHaveCount(MESSAGES.length);
      await expect(phone.locator('textarea[name="body"]')).toBeEditable();
      expect(new URL(phone.url()).search, "no second load").not.toContain("resumed=1");
      expect(await phone.locator('script[type="module"]').count(), "no module script").toBe(0);
    },
  });
  report("messages", "secure-message page with the conversation and reply box, first load on a phone", loads, clientPageRows("DOMContentLoaded"), {
    page: "/secure-message?token=… (device verified, session cookie kept, empty cache)",
    throttle: throttleText(PHONE),
    interactive: "DOMContentLoaded: the page loads no module script; the reply textarea is plain HTML",
    conversation: `${MESSAGES.length} messages`,
  });
});
