import { expect, linkFromOutbox, signedIn, test } from "../tests/helpers";

const RUNS = 10;

type Load = { lcp: number; formReady: number; hydrated: number; bytes: number; wasmBytes: number; htmlBytes: number };

// The client's consent page, first load on a phone (mobile emulation, 4× slower CPU, a "fast
// 3G"-like network, an empty cache each time): bytes over the wire, Largest Contentful Paint,
// when the signing form is there (it is in the HTML, so before any WASM), and when the page is
// hydrated.
test("consent page: first load on a phone", async ({ browser, page }, testInfo) => {
  test.skip(testInfo.project.name !== "phone", "a phone measurement");
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

  const loads: Load[] = [];
  for (let run = 0; run < RUNS; run++) {
    const use = testInfo.project.use;
    const context = await browser.newContext({
      baseURL: origin,
      viewport: use.viewport,
      deviceScaleFactor: use.deviceScaleFactor,
      isMobile: use.isMobile,
      hasTouch: use.hasTouch,
      userAgent: use.userAgent,
      locale: "en-US",
    });
    const phone = await context.newPage();
    const cdp = await context.newCDPSession(phone);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 150,
      downloadThroughput: (1.6 * 1024 * 1024) / 8,
      uploadThroughput: (750 * 1024) / 8,
    });
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
    let bytes = 0;
    let wasmBytes = 0;
    let htmlBytes = 0;
    cdp.on("Network.loadingFinished", (event) => {
      bytes += event.encodedDataLength;
    });
    const urls = new Map<string, string>();
    cdp.on("Network.responseReceived", (event) => urls.set(event.requestId, event.response.url));
    cdp.on("Network.loadingFinished", (event) => {
      const url = urls.get(event.requestId) ?? "";
      if (url.endsWith(".wasm")) wasmBytes += event.encodedDataLength;
      if (url.includes("/consent?token=")) htmlBytes += event.encodedDataLength;
    });
    await phone.goto(link);
    const formReady = await phone.evaluate(() => {
      const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
      return nav.domContentLoadedEventEnd;
    });
    await expect(phone.getByRole("button", { name: "Sign" })).toBeVisible();
    await expect(phone.locator("body")).toHaveAttribute("data-hydrated", "true", { timeout: 60_000 });
    const hydrated = await phone.evaluate(() => performance.now());
    const lcp = await phone.evaluate(
      () =>
        new Promise<number>((resolve) => {
          new PerformanceObserver((list) => {
            const entries = list.getEntries();
            resolve(entries[entries.length - 1].startTime);
          }).observe({ type: "largest-contentful-paint", buffered: true });
        }),
    );
    await phone.waitForLoadState("networkidle");
    loads.push({ lcp, formReady, hydrated, bytes, wasmBytes, htmlBytes });
    await context.close();
  }
  const median = (pick: (l: Load) => number) => {
    const values = loads.map(pick).sort((a, b) => a - b);
    return values[Math.floor(values.length / 2)];
  };
  const kib = (n: number) => (n / 1024).toFixed(1);
  console.log(`consent page, first load on a phone (${RUNS} runs, medians):`);
  console.log(`  bytes over the wire: ${kib(median((l) => l.bytes))} KiB in all, of which WASM ${kib(median((l) => l.wasmBytes))} KiB and the page's HTML ${kib(median((l) => l.htmlBytes))} KiB`);
  console.log(`  Largest Contentful Paint: ${median((l) => l.lcp).toFixed(0)} ms`);
  console.log(`  signing form in place (DOMContentLoaded, no WASM needed): ${median((l) => l.formReady).toFixed(0)} ms`);
  console.log(`  hydrated (WASM loaded and running): ${median((l) => l.hydrated).toFixed(0)} ms`);
});
