import { jsEnabled, open, test } from "./helpers";

// The suite's own guard: an error thrown in a page (a WASM panic during hydration is one) fails
// the test that opened it, even when everything the test asserts holds.
test("an error thrown in the page fails the test", async ({ page }, testInfo) => {
  test.skip(!jsEnabled(testInfo), "a page without JavaScript cannot throw");
  test.fail();
  await open(page, testInfo, "/login");
  await page.evaluate(() => setTimeout(() => { throw new Error("thrown by the harness test"); }));
  await page.waitForTimeout(300);
});

test("an error logged to the console fails the test", async ({ page }, testInfo) => {
  test.skip(!jsEnabled(testInfo), "a page without JavaScript cannot log");
  test.fail();
  await open(page, testInfo, "/login");
  await page.evaluate(() => console.error("logged by the harness test"));
});
