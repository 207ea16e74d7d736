import { expect, linkFromOutbox, signedIn, test } from "../tests/helpers";
import { PHONE, RUNS, clientPageRows, throttleText, firstLoads, report } from "./phone";

// The client's consent page, first load on a phone (mobile emulation, 4× slower CPU, 1.6 Mbit/s
// with 150 ms latency, an empty cache each time): bytes over the wire, Largest Contentful Paint,
// when the signing form is there (it is in the HTML, so before any WASM), and when the signature
// pad is live (the small client-pages WASM has set `data-hydrated`): that is "interactive".
test("consent page: first load on a phone", async ({ browser, page }, testInfo) => {
  test.skip(testInfo.project.name !== "phone", "a phone measurement");
  test.setTimeout(120_000 + RUNS * 60_000);
  await signedIn(page, testInfo, "bench-consent");
  const origin = new URL(page.url()).origin;
  const email = `bench-${Date.now()}@example.no`;
  const created = await page.request.post("/api/clients/create", {
    form: { name: "Ola Nordmann", email, phone: "", birth_date: "", address: "", notes: "" },
    headers: { origin },
    maxRedirects: 0,
  });
  const clientId = created.headers()["location"].split("/").pop()!;
  const templates = await (await page.request.post("/api/consent/templates", { headers: { origin } })).json();
  const sent = await page.request.post("/api/consent/send", {
    form: { client_id: clientId, template_id: String(templates[0].id) },
    headers: { origin },
  });
  expect(sent.status()).toBe(200);
  const link = await linkFromOutbox(page, testInfo, email, "/consent");

  const loads = await firstLoads(browser, testInfo, {
    url: link,
    origin,
    throttle: PHONE,
    interactive: "hydrated",
    check: async (phone) => {
      await expect(phone.getByRole("button", { name: "Sign" })).toBeVisible();
    },
  });
  report("consent", "consent page, first load on a phone", loads, clientPageRows("signature pad live: data-hydrated"), {
    page: "/consent?token=…",
    throttle: throttleText(PHONE),
    interactive: "body[data-hydrated] set by the client-pages WASM, from navigation start",
  });
});
