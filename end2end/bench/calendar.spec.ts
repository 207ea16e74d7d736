import { expect, signedIn, test } from "../tests/helpers";
import { DESKTOP, LOAD_ROWS, RUNS, type Row, throttleText, firstLoads, report } from "./phone";

const MONDAY = "2030-01-07";
const NEXT_MONDAY = "2030-01-14";
/** A working week: six appointments a weekday, then five the week after (so the two differ). */
const PER_DAY = [6, 5];

// The practitioner's calendar on a desktop, signed in, with an empty cache each run: the first
// load of a week of appointments (the whole app's WASM, hydrated), then one client-side
// navigation to the next week. Desktop throttling: none by default (TRYGG_BENCH_DESKTOP_CPU=4
// for a 4× slower CPU); the network is the machine's own.
test("calendar: first load and navigation to the next week", async ({ browser, page }, testInfo) => {
  test.skip(testInfo.project.name !== "desktop", "a desktop measurement");
  test.setTimeout(120_000 + RUNS * 60_000);
  await signedIn(page, testInfo, "bench-calendar");
  const origin = new URL(page.url()).origin;
  const post = async (fn: string, form: Record<string, string>) => {
    const response = await page.request.post(`/api/${fn}`, { form, headers: { origin } });
    expect(response.status(), `${fn} ${JSON.stringify(form)}`).toBe(200);
  };
  const hours: Record<string, string> = {};
  for (let d = 0; d < 7; d++) Object.assign(hours, { [`hours[d${d}_open]`]: "on", [`hours[d${d}_from]`]: "08:00", [`hours[d${d}_to]`]: "17:00" });
  await post("hours/set", hours);
  await post("services/create", { name: "Samtale", duration: "50", price: "850" });
  const services = await (await page.request.post("/api/services/list", { headers: { origin } })).json();
  const clientIds: string[] = [];
  for (let i = 0; i < 12; i++) {
    const response = await page.request.post("/api/clients/create", {
      form: { name: `Klient Nummer ${i}`, email: "", phone: "", birth_date: "", address: "", notes: "" },
      headers: { origin },
      maxRedirects: 0,
    });
    clientIds.push(response.headers()["location"].split("/").pop()!);
  }
  let n = 0;
  for (const [week, monday] of [MONDAY, NEXT_MONDAY].entries()) {
    for (let d = 0; d < 5; d++) {
      const day = new Date(`${monday}T00:00:00Z`);
      day.setUTCDate(day.getUTCDate() + d);
      for (let h = 0; h < PER_DAY[week]; h++) {
        await post("appointments/create", {
          client_id: clientIds[n++ % clientIds.length],
          service_id: String(services[0].id),
          date: day.toISOString().slice(0, 10),
          time: `${String(8 + h).padStart(2, "0")}:00`,
          notes: "Oppfølging",
        });
      }
    }
  }
  const [thisWeek, nextWeek] = PER_DAY.map((perDay) => perDay * 5);
  const storageState = await page.context().storageState();

  const loads = await firstLoads(browser, testInfo, {
    // What the practitioner opens (the automatic view: the week on a desktop), on a known week.
    url: `/calendar?date=${MONDAY}`,
    origin,
    storageState,
    throttle: DESKTOP,
    interactive: "hydrated",
    check: async (desktop) => {
      await expect(desktop.locator("a.appt")).toHaveCount(thisWeek);
    },
    // Then "Next week": from the click until the new week's appointments are in the page, and
    // until the frame after that has been produced. Client-side routing: the page must survive.
    after: async (desktop, bytes) => {
      const before = bytes().total;
      const timing = await desktop.evaluate(
        ({ expected, date }) =>
          new Promise<{ navigation: number; navigationPainted: number }>((resolve, reject) => {
            const period = () => document.querySelector("h2.period")?.textContent?.trim();
            const old = period();
            const link = document.querySelector<HTMLAnchorElement>('a[aria-label^="Next week"]');
            if (!link) return reject(new Error("no Next week link"));
            const rendered = () =>
              location.search.includes(`date=${date}`) &&
              period() !== old &&
              document.querySelectorAll("a.appt").length === expected;
            const started = performance.now();
            const observer = new MutationObserver(() => {
              if (!rendered()) return;
              observer.disconnect();
              const navigation = performance.now() - started;
              requestAnimationFrame(() => requestAnimationFrame(() => resolve({ navigation, navigationPainted: performance.now() - started })));
            });
            observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
            link.click();
            setTimeout(() => reject(new Error(`the next week did not render (period ${period()}, ${document.querySelectorAll("a.appt").length} appointments)`)), 30_000);
          }),
        { expected: nextWeek, date: NEXT_MONDAY },
      );
      await desktop.waitForTimeout(500);
      return { ...timing, navigationBytes: bytes().total - before };
    },
  });
  const rows: Row[] = [
    ...LOAD_ROWS.map((row) => (row.key === "interactive" ? { ...row, label: "interactive (hydrated: data-hydrated)" } : row)),
    { key: "navigation", label: "next week: click to new week in the DOM", unit: "ms" },
    { key: "navigationPainted", label: "next week: click to the frame after it", unit: "ms" },
    { key: "navigationBytes", label: "next week: bytes over the wire", unit: "KiB" },
  ];
  report("calendar", `calendar week (${thisWeek} appointments), first load on a desktop, then next week (${nextWeek})`, loads, rows, {
    page: `/calendar?date=${MONDAY} (automatic view: the week), then the "Next week" link`,
    throttle: throttleText(DESKTOP),
    viewport: "1280×800",
    interactive: "body[data-hydrated] set by the app's WASM, from navigation start",
  });
});
