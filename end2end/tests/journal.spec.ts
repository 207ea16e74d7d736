import { readFile } from "node:fs/promises";
import { expectAccessible } from "./axe";
import { expect, jsEnabled, open, pdfText, signedIn, test } from "./helpers";

test.beforeEach(({}, testInfo) => {
  test.skip(!["tablet", "desktop-nojs"].includes(testInfo.project.name), "written on a tablet; checked once without JavaScript");
});

test("a journal entry is written, edited with its history kept, and read", async ({ page }, testInfo) => {
  // A page that fails to hydrate stops answering clicks: any such error fails the test.
  const breakage: string[] = [];
  page.on("pageerror", (error) => breakage.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error" && /hydrat|panicked/i.test(message.text())) breakage.push(message.text());
  });
  await signedIn(page, testInfo, "journal");
  await open(page, testInfo, "/clients/new");
  await page.getByLabel("Name").fill("Ola Nordmann");
  await page.getByRole("button", { name: "Add client" }).click();
  await expect(page).toHaveURL(/\/clients\/\d+$/);
  const profile = new URL(page.url()).pathname;
  await open(page, testInfo, profile);

  const journal = page.locator("section.journal");
  await expect(journal.getByText("No journal entries yet.")).toBeVisible();
  // A title is required: the message sits next to the field, and nothing is saved.
  await journal.getByLabel("Text").fill("Søvn bedre etter tre uker.");
  await journal.getByRole("button", { name: "Save entry" }).click();
  await expect(page.locator("#title-error")).toHaveText("Please fill in this field.");
  if (!jsEnabled(testInfo)) await page.goto(profile);
  await expect(journal.locator("article.journal-entry")).toHaveCount(0);

  await journal.getByLabel("Title").fill("Første samtale");
  await journal.getByLabel("Text").fill("Søvn bedre etter tre uker.\nSnakket om angst på jobb.");
  await journal.getByRole("button", { name: "Save entry" }).click();
  const entry = journal.locator("article.journal-entry", { hasText: "Første samtale" });
  await expect(entry).toContainText("Snakket om angst på jobb.");
  await expect(page).toHaveTitle("Client · Trygg");

  await entry.getByRole("link", { name: "Edit" }).click();
  await expect(page).toHaveURL(/\/clients\/\d+\/journal\/\d+$/);
  if (jsEnabled(testInfo)) await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByText("Not changed since it was written.")).toBeVisible();
  await page.getByLabel("Text").fill("Søvn bedre etter tre uker.\nAngst på jobb er mindre.");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page).toHaveURL(new RegExp(`${profile}(#journal)?$`));
  await expect(entry).toContainText("Angst på jobb er mindre.");
  await expect(entry).toContainText("edited");
  await page.screenshot({ path: testInfo.outputPath("journal.png"), fullPage: true });

  await entry.getByRole("link", { name: "Edit · history" }).click();
  const history = page.locator(".journal-history");
  await expect(history).toContainText("Version 1");
  await expect(history).toContainText("Snakket om angst på jobb.");
  await expect(page.locator(".meta").first()).toContainText("Version 2");
  await page.screenshot({ path: testInfo.outputPath("journal-history.png"), fullPage: true });

  await open(page, testInfo, profile);
  await page.getByText("Access log").click();
  const log = page.locator(".journal-log table");
  await expect(log).toContainText("Wrote a journal entry");
  await expect(log).toContainText("Changed a journal entry");
  await expect(log).toContainText("Read the journal");

  // Deleting asks first, naming what goes; keeping the client changes nothing.
  await open(page, testInfo, `${profile}/edit`);
  await page.getByRole("link", { name: "Delete client" }).click();
  await expect(page).toHaveURL(new RegExp(`${profile}/delete$`));
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Delete Ola Nordmann?");
  await expect(page.getByTestId("deletion-counts")).toContainText("1 journal entry, with its earlier versions");
  await expect(page.getByText("This cannot be undone")).toBeVisible();
  await expectAccessible(page);
  await page.screenshot({ path: testInfo.outputPath("delete-client.png"), fullPage: true });
  await page.getByRole("link", { name: "No, keep the client" }).click();
  await expect(page).toHaveURL(new RegExp(`${profile}$`));
  await expect(journal.locator("article.journal-entry")).toHaveCount(1);
  await open(page, testInfo, `${profile}/delete`);
  await page.getByRole("button", { name: "Delete Ola Nordmann for good" }).click();
  await expect(page).toHaveURL(/\/clients\?deleted=1$/);
  await expect(page.getByRole("status")).toContainText("deleted");
  await expect(page.getByText("Ola Nordmann")).toHaveCount(0);
  expect(breakage).toEqual([]);
});

test("the data processing agreement is a PDF with the practice's details", async ({ page }, testInfo) => {
  await signedIn(page, testInfo, "dpa");
  await open(page, testInfo, "/settings/profile");
  await page.getByLabel("Practice name").fill("Klinikk Fjord (Øst)");
  await page.getByLabel("Address", { exact: true }).fill("Storgata 1\n0155 Oslo");
  await page.getByLabel("Organisation number").fill("923 609 017");
  await page.getByRole("button", { name: "Save practice details" }).click();
  await expect(page.locator("#org_number-error")).toContainText("nine digits");
  if (!jsEnabled(testInfo)) await open(page, testInfo, "/settings/profile");
  await page.getByLabel("Practice name").fill("Klinikk Fjord (Øst)");
  await page.getByLabel("Address", { exact: true }).fill("Storgata 1\n0155 Oslo");
  await page.getByLabel("Organisation number").fill("923 609 016");
  await page.getByRole("button", { name: "Save practice details" }).click();
  if (jsEnabled(testInfo)) await expect(page.getByRole("status")).toContainText("Saved.");
  // Stored as nine digits, without the spaces typed.
  await open(page, testInfo, "/settings/profile");
  await expect(page.getByLabel("Organisation number")).toHaveValue("923609016");
  await page.screenshot({ path: testInfo.outputPath("profile.png"), fullPage: true });

  for (const [link, title] of [
    ["Download in Norwegian (PDF)", "Databehandleravtale"],
    ["Download in English (PDF)", "Data processing agreement"],
  ]) {
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: link }).click()]);
    const pdf = await readFile((await download.path())!);
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    const text = pdfText(pdf);
    expect(text.split("\n")[0]).toBe(title);
    for (const detail of ["Klinikk Fjord (Øst)", "Storgata 1", "0155 Oslo", "923609016"]) {
      expect(text.split("\n")).toContain(detail);
    }
  }
});
