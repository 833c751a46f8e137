// How long the board page takes to show a board document, in real Chromium: from the moment the
// document's response ended to the first frame after its rows were in the DOM (parse, render,
// style and layout). The page and its data are the test's own, through page.route, and the
// bundle can be swapped, so two builds of the page are timed on the same document.
import { symlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import type { BrowserContext } from "playwright-core";
import { tempDir } from "../harness/index.ts";

const REPO = resolve(import.meta.dir, "../..");

/** The board bundle as `site/` was at `commit` (git archive of site/ and protocol/, then bun build). */
export function bundleAt(commit: string): string {
  const dir = tempDir("board-at-commit");
  const archive = Bun.spawnSync(["git", "-C", REPO, "archive", "--format=tar", commit, "site", "protocol"], {
    stdout: "pipe",
    stderr: "pipe",
  });
  if (archive.exitCode !== 0)
    throw new Error(`git archive ${commit} failed (a shallow clone?): ${archive.stderr.toString()}`);
  const untar = Bun.spawnSync(["tar", "-x", "-C", dir], { stdin: archive.stdout, stderr: "pipe" });
  if (untar.exitCode !== 0) throw new Error(`tar: ${untar.stderr.toString()}`);
  symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"));
  return bundle(join(dir, "site/app.ts"));
}

export function bundle(entry = join(REPO, "site/app.ts")): string {
  const build = Bun.spawnSync(
    [process.execPath, "build", entry, "--target=browser", "--format=iife", "--minify"],
    { stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } },
  );
  if (build.exitCode !== 0) throw new Error(`bun build ${entry}: ${build.stderr.toString()}`);
  return build.stdout.toString();
}

/** Milliseconds from the board's response to the frame after `rows` rows were rendered. */
export async function renderMs(
  browser: BrowserContext,
  pageUrl: string,
  script: string,
  board: unknown,
  rows: number,
): Promise<number> {
  const page = await browser.newPage();
  try {
    await page.addInitScript((wanted: number) => {
      const w = window as unknown as { __rendered?: number };
      new MutationObserver((_, observer) => {
        if (document.querySelectorAll("#hosts tbody tr").length < wanted) return;
        observer.disconnect();
        // The rAF runs before the frame's style and layout, the timeout after them.
        requestAnimationFrame(() => setTimeout(() => (w.__rendered = performance.now())));
      }).observe(document, { childList: true, subtree: true });
    }, rows);
    await page.route("**/assets/board.js", (route) =>
      route.fulfill({ status: 200, contentType: "text/javascript", body: script }),
    );
    const body = JSON.stringify(board);
    await page.route("**/api/v1/board", (route) =>
      route.fulfill({ status: 200, contentType: "application/json", body }),
    );
    await page.goto(pageUrl);
    await page.waitForFunction(
      () => (window as unknown as { __rendered?: number }).__rendered !== undefined,
      null,
      {
        timeout: 60_000,
      },
    );
    return await page.evaluate(() => {
      const fetched = performance
        .getEntriesByType("resource")
        .find((e) => e.name.includes("api/v1/board")) as PerformanceResourceTiming;
      return (window as unknown as { __rendered: number }).__rendered - fetched.responseEnd;
    });
  } finally {
    await page.close();
  }
}

/** The middle timing: one slow run on a shared machine says little. */
export function median(timings: readonly number[]): number {
  const sorted = [...timings].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
