// Shared first-load measurement for the browser benchmarks: a fresh browser context (so an empty
// HTTP cache) with the project's device emulation, CPU and network throttled through the Chrome
// DevTools Protocol, the bytes over the wire counted per type, and the page's own clock read for
// DOMContentLoaded, Largest Contentful Paint and "interactive".
import * as fs from "node:fs";
import * as path from "node:path";
import type { Browser, BrowserContext, CDPSession, Page, TestInfo } from "@playwright/test";

/** How many times each measurement is taken (TRYGG_BENCH_RUNS, 10 unless told). */
export const RUNS = Math.max(1, Number(process.env.TRYGG_BENCH_RUNS ?? 10) || 10);

/** Print every request of the first run (TRYGG_BENCH_VERBOSE=1). */
const VERBOSE = !!process.env.TRYGG_BENCH_VERBOSE;

export type Throttle = {
  /** Chromium's CPU slow-down factor (1: none). */
  cpu: number;
  /** Added round-trip latency and throughput in bits per second; none: the machine's own. */
  network?: { latencyMs: number; downloadBitsPerSecond: number; uploadBitsPerSecond: number };
};

/** Issue 21's phone: 4× slower CPU, 1.6 Mbit/s down, 750 kbit/s up, 150 ms latency (Lighthouse's
 *  "slow 4G" / DevTools' "fast 3G"). Viewport 390×844 and touch come from the "phone" project. */
export const PHONE: Throttle = {
  cpu: 4,
  network: { latencyMs: 150, downloadBitsPerSecond: 1.6 * 1024 * 1024, uploadBitsPerSecond: 750 * 1024 },
};

/** The practitioner's computer on the practice's broadband: no throttling by default (the
 *  benchmark machine is no faster than an office laptop); TRYGG_BENCH_DESKTOP_CPU=4 slows it. */
export const DESKTOP: Throttle = { cpu: Math.max(1, Number(process.env.TRYGG_BENCH_DESKTOP_CPU ?? 1) || 1) };

/** Bytes over the wire (headers and encoded bodies, as received), by what they are. */
export type Bytes = { total: number; html: number; css: number; js: number; wasm: number; other: number; requests: number };

export type Load = Bytes & {
  /** `PerformanceNavigationTiming.domInteractive`: the HTML parsed (forms there and usable). */
  parsed: number;
  /** `domContentLoadedEventEnd`: parsed, deferred and module scripts run. */
  dcl: number;
  /** The last `largest-contentful-paint` entry's time once the page has settled. */
  lcp: number;
  /** When the page can be used, as the caller defines it (see `Interactive`). */
  interactive: number;
  /** Whatever else a caller measured in the same page (`after`). */
  [extra: string]: number;
};

/** "dcl": a page without a module script is usable at DOMContentLoaded. "hydrated": the moment
 *  `<body data-hydrated="true">` appears, recorded in the page by a MutationObserver (so no
 *  polling latency from the test runner counts). */
export type Interactive = "dcl" | "hydrated";

type Kind = keyof Omit<Bytes, "total" | "requests">;
type Tracker = { bytes: () => Bytes; log: string[]; add: (kind: Kind, n: number, url: string) => void };

function kindOf(url: string, type: string | undefined, mime: string): Kind {
  const pathname = url.split(/[?#]/)[0];
  if (pathname.endsWith(".wasm") || mime === "application/wasm") return "wasm";
  if (type === "Script" || /javascript|ecmascript/.test(mime)) return "js";
  if (type === "Stylesheet" || mime === "text/css") return "css";
  if (type === "Document" || mime === "text/html") return "html";
  return "other";
}

/** Counts every response the page's network stack receives. A response the service worker
 *  gave is counted where the service worker fetched it (see `firstLoad`), not twice. */
async function trackBytes(cdp: CDPSession): Promise<Tracker> {
  const seen = new Map<string, { url: string; kind: Kind; viaWorker: boolean }>();
  const counted: Bytes = { total: 0, html: 0, css: 0, js: 0, wasm: 0, other: 0, requests: 0 };
  const log: string[] = [];
  const add = (kind: Kind, n: number, url: string) => {
    counted[kind] += n;
    counted.total += n;
    counted.requests += 1;
    log.push(`${kind.padEnd(5)} ${(n / 1024).toFixed(1).padStart(7)} KiB  ${url}`);
  };
  cdp.on("Network.requestWillBeSent", (event) => {
    // A redirect's response arrives only here.
    if (event.redirectResponse) {
      const r = event.redirectResponse;
      add(kindOf(r.url, event.type, r.mimeType), r.encodedDataLength ?? 0, `${r.url} (${r.status} redirect)`);
    }
  });
  cdp.on("Network.responseReceived", (event) => {
    const { url, mimeType, fromServiceWorker } = event.response;
    seen.set(event.requestId, { url, kind: kindOf(url, event.type, mimeType), viaWorker: !!fromServiceWorker });
  });
  cdp.on("Network.loadingFinished", (event) => {
    const response = seen.get(event.requestId);
    if (response?.viaWorker) {
      log.push(`${response.kind.padEnd(5)}  (from the service worker, ${event.encodedDataLength} B here)  ${response.url}`);
      return;
    }
    add(response?.kind ?? "other", event.encodedDataLength, response?.url ?? `request ${event.requestId}`);
  });
  await cdp.send("Network.enable");
  return { bytes: () => ({ ...counted }), log, add };
}

/** Installed before any of the page's own scripts: notes when `data-hydrated` appears. */
function watchHydration() {
  const w = window as unknown as { __benchHydrated?: number };
  const check = () => {
    if (w.__benchHydrated === undefined && document.body?.getAttribute("data-hydrated") === "true") {
      w.__benchHydrated = performance.now();
    }
  };
  // Only that attribute, anywhere under the document: no cost while the HTML is parsed.
  new MutationObserver(check).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-hydrated"] });
  document.addEventListener("DOMContentLoaded", check);
}

export type FirstLoad = {
  /** Path (or absolute address) opened. */
  url: string;
  origin: string;
  throttle: Throttle;
  interactive: Interactive;
  /** Cookies (and storage) the context starts with; never a cache. */
  storageState?: Awaited<ReturnType<BrowserContext["storageState"]>>;
  /** Checks that the page is the one meant (the time picker, the reply box…), after loading. */
  check?: (page: Page) => Promise<void>;
  /** More measurements in the same page after the first load; `bytes` reads the running count. */
  after?: (page: Page, bytes: () => Bytes) => Promise<Record<string, number>>;
};

/** One first load with an empty cache, in a new context emulating the test's project. */
export async function firstLoad(browser: Browser, testInfo: TestInfo, run: number, options: FirstLoad): Promise<Load> {
  const use = testInfo.project.use;
  const context = await browser.newContext({
    baseURL: options.origin,
    viewport: use.viewport,
    deviceScaleFactor: use.deviceScaleFactor,
    isMobile: use.isMobile,
    hasTouch: use.hasTouch,
    userAgent: use.userAgent,
    locale: "en-US",
    storageState: options.storageState,
  });
  try {
    const page = await context.newPage();
    if (options.interactive === "hydrated") await page.addInitScript(watchHydration);
    const cdp = await context.newCDPSession(page);
    const tracker = await trackBytes(cdp);
    // The service worker's own fetches (its install, and what it fetches for the page) are not
    // the page's: Playwright reports them.
    const workerFetches: Promise<void>[] = [];
    context.on("requestfinished", (request) => {
      if (!request.serviceWorker()) return;
      workerFetches.push(
        Promise.all([request.sizes(), request.response()])
          .then(([sizes, response]) => {
            const mime = (response?.headers()["content-type"] ?? "").split(";")[0];
            tracker.add(kindOf(request.url(), undefined, mime), sizes.responseHeadersSize + sizes.responseBodySize, `${request.url()} (service worker)`);
          })
          .catch(() => {}),
      );
    });
    const { network, cpu } = options.throttle;
    if (network) {
      await cdp.send("Network.emulateNetworkConditions", {
        offline: false,
        latency: network.latencyMs,
        downloadThroughput: network.downloadBitsPerSecond / 8,
        uploadThroughput: network.uploadBitsPerSecond / 8,
      });
    }
    if (cpu > 1) await cdp.send("Emulation.setCPUThrottlingRate", { rate: cpu });

    await page.goto(options.url, { waitUntil: "load", timeout: 120_000 });
    let interactive: number;
    if (options.interactive === "hydrated") {
      // The observer's time; should it have missed the change, the time it is seen here (later).
      const hydrated = await page.waitForFunction(
        () =>
          (window as unknown as { __benchHydrated?: number }).__benchHydrated ??
          (document.body?.getAttribute("data-hydrated") === "true" ? performance.now() : undefined),
        null,
        {
        timeout: 120_000,
      });
      interactive = (await hydrated.jsonValue()) as number;
    } else {
      interactive = await page.evaluate(
        () => (performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming).domContentLoadedEventEnd,
      );
    }
    if (options.check) await options.check(page);
    // Everything the first load brings (the service worker's registration, icons…).
    await page.waitForLoadState("networkidle");
    await Promise.all(workerFetches);
    const timing = await page.evaluate(
      () =>
        new Promise<{ parsed: number; dcl: number; lcp: number }>((resolve) => {
          const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
          const done = (lcp: number) => resolve({ parsed: nav.domInteractive, dcl: nav.domContentLoadedEventEnd, lcp });
          new PerformanceObserver((list) => {
            const entries = list.getEntries();
            done(entries[entries.length - 1].startTime);
          }).observe({ type: "largest-contentful-paint", buffered: true });
          // No entry at all (nothing contentful painted): NaN, not a hang.
          setTimeout(() => done(NaN), 2000);
        }),
    );
    const bytes = tracker.bytes();
    if (VERBOSE && run === 0) console.log(`${options.url}, run 1, requests:\n  ${tracker.log.join("\n  ")}`);
    const extra = options.after ? await options.after(page, tracker.bytes) : {};
    if (VERBOSE && run === 0 && options.after) console.log(`  …and after it:\n  ${tracker.log.slice(bytes.requests).join("\n  ")}`);
    return { ...bytes, ...timing, interactive, ...extra };
  } finally {
    await context.close();
  }
}

/** `runs` first loads, one after another. */
export async function firstLoads(browser: Browser, testInfo: TestInfo, options: FirstLoad, runs = RUNS): Promise<Load[]> {
  const loads: Load[] = [];
  for (let run = 0; run < runs; run++) loads.push(await firstLoad(browser, testInfo, run, options));
  return loads;
}

export type Row = {
  key: string;
  label: string;
  unit: "KiB" | "ms" | "n";
  /** The budget for the median, if there is one: reported as within or over, never failed. */
  budget?: number;
};

/** The rows every first load has; callers add their own. */
export const LOAD_ROWS: Row[] = [
  { key: "total", label: "bytes over the wire, in all", unit: "KiB" },
  { key: "html", label: "  of which HTML", unit: "KiB" },
  { key: "css", label: "  of which CSS", unit: "KiB" },
  { key: "js", label: "  of which JS", unit: "KiB" },
  { key: "wasm", label: "  of which WASM", unit: "KiB" },
  { key: "other", label: "  of which other (icons, manifest, data…)", unit: "KiB" },
  { key: "requests", label: "requests", unit: "n" },
  { key: "parsed", label: "HTML parsed (domInteractive)", unit: "ms" },
  { key: "dcl", label: "DOMContentLoaded", unit: "ms" },
  { key: "lcp", label: "Largest Contentful Paint", unit: "ms" },
  { key: "interactive", label: "interactive", unit: "ms" },
];

/** Issue 21's budget for a client page on a phone. */
export function clientPageRows(interactive: string): Row[] {
  return LOAD_ROWS.map((row) => {
    if (row.key === "total") return { ...row, budget: 100 };
    if (row.key === "lcp") return { ...row, budget: 800 };
    if (row.key === "interactive") return { ...row, label: `interactive (${interactive})`, budget: 1000 };
    return row;
  });
}

function medianOf(values: number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Prints the medians (with min and max) and writes them to `bench/results/<name>.json`. */
export function report(name: string, title: string, loads: Load[], rows: Row[], notes: Record<string, unknown> = {}) {
  const scale = (row: Row, v: number) => (row.unit === "KiB" ? v / 1024 : v);
  const shown = (row: Row, v: number) => (Number.isNaN(v) ? "–" : row.unit === "KiB" ? v.toFixed(1) : v.toFixed(0));
  const stats: Record<string, { median: number; min: number; max: number; unit: string; budget?: number }> = {};
  const lines = [
    `${title} (${loads.length} runs)`,
    `  ${"".padEnd(46)} ${"median".padStart(8)} ${"min".padStart(8)} ${"max".padStart(8)}  budget`,
  ];
  for (const row of rows) {
    const values = loads.map((l) => scale(row, l[row.key])).filter((v) => v !== undefined && !Number.isNaN(v));
    const median = medianOf(values);
    const min = values.length ? Math.min(...values) : NaN;
    const max = values.length ? Math.max(...values) : NaN;
    const round = (v: number) => Number(v.toFixed(row.unit === "KiB" ? 1 : 0));
    stats[row.key] = { median: round(median), min: round(min), max: round(max), unit: row.unit, ...(row.budget ? { budget: row.budget } : {}) };
    const budget = row.budget === undefined ? "" : `≤ ${row.budget} ${row.unit}: ${median <= row.budget ? "within" : "OVER"}`;
    const label = `${row.label} (${row.unit})`;
    lines.push(`  ${label.padEnd(46)} ${shown(row, median).padStart(8)} ${shown(row, min).padStart(8)} ${shown(row, max).padStart(8)}  ${budget}`);
  }
  console.log(lines.join("\n"));
  const dir = path.join(__dirname, "results");
  fs.mkdirSync(dir, { recursive: true });
  const json = {
    name,
    title,
    runs: loads.length,
    measuredAt: new Date().toISOString(),
    ...notes,
    medians: Object.fromEntries(Object.entries(stats).map(([k, s]) => [k, s.median])),
    stats,
  };
  fs.writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify(json, null, 2)}\n`);
}

/** What the throttling was, for the JSON. */
export function throttleText(throttle: Throttle): string {
  const n = throttle.network;
  const net = n
    ? `${(n.downloadBitsPerSecond / 1024 / 1024).toFixed(1)} Mbit/s down, ${(n.uploadBitsPerSecond / 1024).toFixed(0)} kbit/s up, ${n.latencyMs} ms latency`
    : "no network throttling";
  return `${throttle.cpu}× CPU slow-down, ${net}`;
}
