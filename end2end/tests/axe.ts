import { expect, type Page } from "@playwright/test";
import { expectOwnStylesComplete } from "./styles";

/** The WCAG 2.1 A and AA rules, and 2.2 AA (target size). */
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

type Results = { violations: { id: string; nodes: { target: string[] }[] }[] };

/**
 * Runs axe-core on the page as it is now and fails on any violation. The page's markup, with its
 * scripts left out, is checked in a fresh page of the same size, with the same styles: so a page
 * without JavaScript is checked too, and the page under test is not touched. A client page's own
 * styles are first checked to be complete (`expectOwnStylesComplete`).
 */
export async function expectAccessible(page: Page) {
  const origin = new URL(page.url()).origin;
  const html = (await page.content())
    .replace(/<script\b[\s\S]*?<\/script>/gi, "")
    .replace(/<head([^>]*)>/i, `<head$1><base href="${origin}/">`);
  // Playwright Test gives new pages the project's options; this one runs scripts whatever they say.
  const probe = await page.context().browser()!.newPage({ viewport: page.viewportSize(), javaScriptEnabled: true });
  try {
    await probe.setContent(html, { waitUntil: "load" });
    // A client page carries its own rules: they must be all it uses, or axe would judge a page
    // that looks otherwise than it does with the app's stylesheet.
    if ((await probe.locator("head > style").count()) > 0) await expectOwnStylesComplete(probe, page.url());
    await probe.addScriptTag({ path: require.resolve("axe-core/axe.min.js") });
    const violations = await probe.evaluate(async (tags) => {
      const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<Results> } }).axe;
      const results = await axe.run(document, { runOnly: { type: "tag", values: tags } });
      return results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
    }, TAGS);
    expect(violations, `accessibility of ${page.url()}`).toEqual([]);
  } finally {
    await probe.close();
  }
}
