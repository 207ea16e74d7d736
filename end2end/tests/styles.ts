import { expect, type Page } from "@playwright/test";

const PROBE = "whole-stylesheet-probe";

/** Every element's computed style (pseudo-elements aside), keyed by its place in the document.
 *  Custom properties are left out: the app's stylesheet is minified (`#ffffff` there is `#fff`),
 *  and what they hold shows in the properties that use them. */
function computedStyles(page: Page): Promise<Record<string, Record<string, string>>> {
  return page.evaluate((probe) => {
    const styles: Record<string, Record<string, string>> = {};
    const elements = Array.from(document.querySelectorAll("*")).filter((element) => element.id !== probe);
    elements.forEach((element, index) => {
      const classes = typeof element.className === "string" ? element.className.trim().split(/\s+/).filter(Boolean) : [];
      const key = `${index} <${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ""}${classes.map((c) => `.${c}`).join("")}>`;
      const computed = getComputedStyle(element);
      const properties: Record<string, string> = {};
      for (let i = 0; i < computed.length; i++) {
        const name = computed[i];
        if (!name.startsWith("--")) properties[name] = computed.getPropertyValue(name);
      }
      styles[key] = properties;
    });
    return styles;
  }, PROBE);
}

/**
 * A client page carries its own rules (`<style>` in the head: the rules marked for client pages
 * in style/main.css) instead of the app's stylesheet. This checks, in `probe` (a page holding a
 * copy of the client page's markup, with scripts allowed: see `expectAccessible`), that they are
 * all the page needs as it is now: every element's computed style stays the same when the app's
 * whole stylesheet is added after them. A rule the page uses but that is not marked shows as the
 * element and the property it changes. The added stylesheet is taken away again afterwards.
 */
export async function expectOwnStylesComplete(probe: Page, url: string) {
  const own = await computedStyles(probe);
  await probe.evaluate(
    (id) =>
      new Promise<void>((resolve, reject) => {
        const link = document.createElement("link");
        link.rel = "stylesheet";
        link.href = "/pkg/trygg.css";
        link.id = id;
        link.onload = () => resolve();
        link.onerror = () => reject(new Error("/pkg/trygg.css did not load"));
        document.head.append(link);
      }),
    PROBE,
  );
  const whole = await computedStyles(probe);
  await probe.evaluate((id) => document.getElementById(id)?.remove(), PROBE);
  // Each change once, with the elements it touches (the first three of them).
  const changes = new Map<string, string[]>();
  for (const [element, properties] of Object.entries(whole)) {
    for (const [name, value] of Object.entries(properties)) {
      const before = own[element]?.[name];
      if (before === value) continue;
      const change = `${name}: ${before ?? "(none)"} → ${value}`;
      changes.set(change, [...(changes.get(change) ?? []), element]);
    }
  }
  const differences = [...changes].map(([change, elements]) => `${elements.slice(0, 3).join(" ")}${elements.length > 3 ? ` (+${elements.length - 3})` : ""}: ${change}`);
  expect(differences.slice(0, 30), `rules ${url} uses but does not carry (mark them in style/main.css)`).toEqual([]);
}
