import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { type Page, type TestInfo } from "@playwright/test";
import { expectAccessible } from "./axe";
import { expect, open, signedIn, test } from "./helpers";

// Settings → Cleanup as a practitioner goes through it: switch it on (a period under ten years
// asks for confirmation), see the preview, keep a client, run the job by its command, and read
// the deletion log. The whole run changes the shared database, so it runs in one project; the
// others check the form, the confirmation and the page's accessibility at their size.

const DAY = 86_400;

async function newClient(page: Page, testInfo: TestInfo, name: string): Promise<string> {
  await open(page, testInfo, "/clients/new");
  await page.getByLabel("Name").fill(name);
  await page.getByRole("button", { name: "Add client" }).click();
  await expect(page).toHaveURL(/\/clients\/\d+$/);
  return new URL(page.url()).pathname.split("/").pop()!;
}

function sql(statement: string) {
  const database = join(process.env.TRYGG_E2E_DATA_DIR!, "trygg.db");
  execFileSync("sqlite3", ["-cmd", ".timeout 5000", database, statement]);
}

/** `server cleanup run` on the server's data, as an operator would; what it printed. */
function runCleanup(testInfo: TestInfo): string {
  return execFileSync(process.env.TRYGG_E2E_SERVER!, ["cleanup", "run"], {
    env: {
      ...process.env,
      TRYGG_DATA_DIR: process.env.TRYGG_E2E_DATA_DIR,
      TRYGG_BASE_URL: String(testInfo.project.use.baseURL),
      RUST_LOG: "warn",
    },
    encoding: "utf8",
  });
}

async function switchOn(page: Page, period: string) {
  await page.getByLabel("Delete clients automatically after the retention period").check();
  await page.getByLabel("Retention period after the last activity").selectOption({ label: period });
  await page.getByRole("button", { name: "Save cleanup setting" }).click();
}

async function ownMonths(page: Page, months: string) {
  await page.getByLabel("Delete clients automatically after the retention period").check();
  await page.getByLabel("Retention period after the last activity").selectOption({ label: "A number of months" });
  await page.getByLabel("Number of months").fill(months);
  await page.getByRole("button", { name: "Save cleanup setting" }).click();
}

test("the setting asks for confirmation under ten years, and the page is accessible", async ({ page }, testInfo) => {
  await signedIn(page, testInfo, "cleanup-form");
  await open(page, testInfo, "/settings");
  await page.getByRole("link", { name: "Cleanup" }).first().click();
  await expect(page).toHaveURL(/\/settings\/cleanup$/);
  await expect(page.getByTestId("cleanup-state")).toContainText("Off: no client is deleted automatically");
  await expect(page.getByText("pasientjournalforskriften")).toBeVisible();
  await expectAccessible(page);

  await switchOn(page, "3 years");
  await expect(page.locator("#confirmed-error")).toContainText("A period under 10 years needs your confirmation");
  await expect(page.getByTestId("cleanup-state")).toContainText("Off");
  await expectAccessible(page);

  // Without JavaScript the page comes back as saved (still off): the choice is made again.
  await ownMonths(page, "0");
  await expect(page.locator("#months-error")).toContainText("whole number of months from 1 to 600");
  await ownMonths(page, "150");
  await expect(page.getByTestId("cleanup-state")).toContainText("On: clients are deleted 150 months after their last activity");
  await expect(page.getByRole("status")).toContainText("The cleanup setting is saved");
  await expect(page.getByText(/Next run: /)).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath("cleanup-on.png"), fullPage: true });
});

test("switch on, preview, keep a client, run by the command, read the log", async ({ page }, testInfo) => {
  test.skip(testInfo.project.name !== "desktop", "changes the shared database: one project runs it");
  test.skip(!process.env.TRYGG_E2E_DATA_DIR || !process.env.TRYGG_E2E_SERVER, "needs the server's data and binary");
  test.setTimeout(120_000);
  await signedIn(page, testInfo, "cleanup-run");
  const gunnar = await newClient(page, testInfo, "Gunnar Gammel");
  const hanne = await newClient(page, testInfo, "Hanne Holdt");
  await newClient(page, testInfo, "Nina Ny");
  // Two clients last seen more than two years ago.
  sql(`UPDATE clients SET created_at = created_at - ${800 * DAY} WHERE id IN (${gunnar}, ${hanne});`);

  await open(page, testInfo, "/settings/cleanup");
  await switchOn(page, "2 years");
  await expect(page.locator("#confirmed-error")).toBeVisible();
  await page.getByLabel("Delete clients automatically after the retention period").check();
  await page.getByLabel("Retention period after the last activity").selectOption({ label: "2 years" });
  await page.getByLabel("I have checked that I may delete client data after a period under 10 years").check();
  await page.getByRole("button", { name: "Save cleanup setting" }).click();
  await expect(page.getByTestId("cleanup-state")).toContainText("On: clients are deleted 2 years after their last activity");

  // The preview: told first, then deleted 14 days on; the new client is not in it.
  const soon = page.getByTestId("soon");
  await expect(soon).toContainText("Gunnar Gammel");
  await expect(soon).toContainText("Hanne Holdt");
  await expect(soon).not.toContainText("Nina Ny");
  await expect(page.getByTestId("at-next-run")).toContainText("No clients.");

  // Keep Hanne, with a reason.
  const row = soon.locator("li").filter({ hasText: "Hanne Holdt" });
  await row.getByText("Keep this client").click();
  await row.getByRole("button", { name: "Keep" }).click();
  await expect(row.getByText("Please fill in this field.")).toBeVisible();
  await row.getByLabel("Why keep Hanne Holdt?").fill("Saken er ikke avsluttet");
  await row.getByRole("button", { name: "Keep" }).click();
  const held = page.getByTestId("held");
  await expect(held).toContainText("Hanne Holdt");
  await expect(held).toContainText("Saken er ikke avsluttet");
  await expect(page.getByTestId("soon")).not.toContainText("Hanne Holdt");
  await expectAccessible(page);

  // The night's job, run by hand: the first run tells the practice; 14 days later it deletes.
  expect(runCleanup(testInfo)).toMatch(/Mailed the practices about \d+ client/);
  sql(`UPDATE cleanup_notices SET noticed_at = noticed_at - ${15 * DAY} WHERE client_id = ${gunnar};`);
  expect(runCleanup(testInfo)).toMatch(/Deleted [1-9]\d* client/);

  await open(page, testInfo, "/settings/cleanup");
  await expect(page.getByTestId("soon")).not.toContainText("Gunnar Gammel");
  await expect(page.getByTestId("at-next-run")).not.toContainText("Gunnar Gammel");
  await expect(page.getByTestId("held")).toContainText("Hanne Holdt");
  const log = page.getByTestId("deletion-log");
  await expect(log.locator("tbody tr")).toHaveCount(1);
  await expect(log.locator("tbody tr").first()).toContainText("Cleanup");
  await expect(log).not.toContainText("Gunnar");
  await expectAccessible(page);
  for (const [name, size] of [
    ["desktop", { width: 1280, height: 900 }],
    ["tablet", { width: 820, height: 1180 }],
    ["phone", { width: 390, height: 844 }],
  ] as const) {
    await page.setViewportSize(size);
    await page.screenshot({ path: testInfo.outputPath(`cleanup-${name}.png`), fullPage: true });
  }
  await open(page, testInfo, `/clients/${gunnar}`);
  await expect(page.getByText("Gunnar Gammel")).toHaveCount(0);

  // The practice was told, by count and without a name.
  await open(page, testInfo, "/dev/outbox");
  const notice = page.locator("li.mail").filter({ hasText: "Cleanup: 1 client(s) will be deleted in 14 days" });
  await expect(notice.first()).toBeVisible();
  await expect(notice.first()).not.toContainText("Gunnar");
});
