import type { Locator, Page } from 'playwright-core';

/** Polls a locator's text until it matches; returns how long that took (ms). */
export async function waitForText(locator: Locator, expected: string | RegExp, timeoutMs = 10_000): Promise<number> {
  const started = Date.now();
  let last = '';
  while (Date.now() - started < timeoutMs) {
    last = (
      (await locator
        .first()
        .textContent({ timeout: 1000 })
        .catch(() => null)) ?? ''
    ).replace(/\s+/g, ' ');
    if (typeof expected === 'string' ? last.includes(expected) : expected.test(last)) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`waited ${timeoutMs} ms for ${String(expected)}; the text was ${JSON.stringify(last)}`);
}

/** All text of the page, shadow roots included (page.content() stops at shadow boundaries). Runs in the page: a string, since this file is typed for Node. */
const DEEP_TEXT = `(() => {
  const parts = [];
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) parts.push(node.textContent ?? '');
    if (node instanceof Element && node.shadowRoot) walk(node.shadowRoot);
    node.childNodes.forEach(walk);
  };
  walk(document.body);
  return parts.join(' ').replace(/\\s+/g, ' ');
})()`;

export function deepText(page: Page): Promise<string> {
  return page.evaluate<string>(DEEP_TEXT);
}

export const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
