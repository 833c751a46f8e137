// Real Chromium for the board's browser tests: Debian's `chromium` (installed by .ci/run)
// driven by playwright-core, with a fresh profile per launch and everything that would reach
// off this machine switched off. Screenshots go to .ci/out/screenshots/ as test artifacts.
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { type BrowserContext, chromium, type Locator, type Page } from "playwright-core";
import { CHROMIUM } from "../../scripts/test/tiers.ts";
import { tempDir } from "../harness/index.ts";

export { CHROMIUM };
export const SCREENSHOTS = resolve(import.meta.dir, "../../.ci/out/screenshots");

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export async function launchBrowser(): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: npm test installs it (apt-get install chromium), or set FLEET_CHROMIUM`,
    );
  }
  // A persistent context is how playwright takes a --user-data-dir: a fresh one per launch.
  return chromium.launchPersistentContext(tempDir("chromium-profile"), {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1366, height: 900 },
    colorScheme: "light",
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** The table row (or phone card) of the host named `name`. */
export function hostRow(page: Page, name: string): Locator {
  return page.locator("#hosts tbody tr").filter({
    has: page.locator("a.host-link", { hasText: new RegExp(`^${name}$`) }),
  });
}

/** Names in the hosts table, in display order. */
export function shownHosts(page: Page): Promise<string[]> {
  return page.locator("#hosts tbody a.host-link").allTextContents();
}

/**
 * Text whose colour contrast against its effective background is below WCAG AA (4.5:1, or
 * 3:1 for large text). Runs in the page; returns "text: ratio" for each offender.
 */
export function contrastFailures(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const parse = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number);
    const lum = ([r, g, b]: number[]) => {
      const f = (v: number) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(b!);
    };
    const background = (el: Element | null): number[] => {
      for (let e = el; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c.length >= 3 && (c[3] === undefined || c[3] > 0.5)) return c;
      }
      return parse(getComputedStyle(document.documentElement).backgroundColor);
    };
    const failures: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent?.trim();
      const el = node.parentElement;
      if (!text || !el?.checkVisibility() || el.closest(".sr-only, option")) continue;
      const style = getComputedStyle(el);
      const fg = lum(parse(style.color));
      const bg = lum(background(el));
      const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      const size = Number.parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5)) failures.push(`${text.slice(0, 40)}: ${ratio.toFixed(2)}`);
    }
    return failures;
  });
}

/** A raw API call the way a test sets a fleet up (enroll, report): the JSON answer, or a throw naming the status. */
export async function apiCall(
  base: string,
  method: string,
  path: string,
  token: string | null,
  body?: unknown,
) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json().catch(() => null)) as any;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}
