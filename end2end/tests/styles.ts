import { expect, type Page } from "@playwright/test";

const PROBE = "whole-stylesheet-probe";

/** Every element's computed style (pseudo-elements aside), keyed by its place in the document. */
function computedStyles(page: Page): Promise<Record<string, string>> {
  return page.evaluate((probe) => {
    const styles: Record<string, string> = {};
    const elements = Array.from(document.querySelectorAll("*")).filter((element) => element.id !== probe);
    elements.forEach((element, index) => {
      const classes = typeof element.className === "string" ? element.className.trim().split(/\s+/).filter(Boolean) : [];
      const key = `${index} <${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ""}${classes.map((c) => `.${c}`).join("")}>`;
      const computed = getComputedStyle(element);
      const properties: string[] = [];
      for (let i = 0; i < computed.length; i++) properties.push(`${computed[i]}: ${computed.getPropertyValue(computed[i])}`);
      styles[key] = properties.join("\n");
    });
    return styles;
  }, PROBE);
}

/**
 * A client page carries its own rules (`<style>` in the head: the rules marked for client pages
 * in style/main.css) instead of the app's stylesheet. This checks that they are all it needs as it
 * is now: every element's computed style stays the same when the app's whole stylesheet is added
 * after them. A rule the page uses but that is not marked shows as the element and property it
 * changes. The added stylesheet is taken away again afterwards.
 */
export async function expectOwnStylesComplete(page: Page) {
  const own = await computedStyles(page);
  await page.evaluate(
    (probe) =>
      new Promise<void>((resolve, reject) => {
        const link = document.createElement("link");
        link.rel = "stylesheet";
        link.href = "/pkg/trygg.css";
        link.id = probe;
        link.onload = () => resolve();
        link.onerror = () => reject(new Error("/pkg/trygg.css did not load"));
        document.head.append(link);
      }),
    PROBE,
  );
  const whole = await computedStyles(page);
  await page.evaluate((probe) => document.getElementById(probe)?.remove(), PROBE);
  const differences: string[] = [];
  for (const [element, styles] of Object.entries(whole)) {
    const before = (own[element] ?? "").split("\n");
    const after = styles.split("\n");
    after.forEach((line, i) => {
      if (line !== before[i]) differences.push(`${element} ${before[i] ?? "(none)"} → ${line}`);
    });
  }
  expect(differences.slice(0, 20), `rules ${page.url()} uses but does not carry (mark them in style/main.css)`).toEqual([]);
}
