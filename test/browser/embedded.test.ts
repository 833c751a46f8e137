// The board is inside the compiled fleetd: with site/ hidden (an empty directory bind-mounted
// over it in a private mount namespace) the binary still serves the page and its assets,
// byte for byte what the build embedded.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { siteFiles } from "../../site/bundle.ts";
import { ensureBinaries, freePort, tempDir, waitFor } from "../harness/index.ts";

const SITE_DIR = resolve(import.meta.dir, "../../site");
let proc: Subprocess;
let url: string;
let hidden = false;

beforeAll(async () => {
  const bins = await ensureBinaries("1.0.0-test");
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  const serve = [bins.fleetd, "serve", "--port", String(port), "--data", join(tempDir("embedded"), "data")];
  // Root can hide site/ from this one process; elsewhere the test still runs, with a weaker claim.
  hidden = Bun.spawnSync(["unshare", "-m", "true"]).exitCode === 0;
  const empty = tempDir("no-site");
  const argv = hidden
    ? [
        "unshare",
        "-m",
        "sh",
        "-c",
        `mount --bind "$1" "$2" && shift 2 && exec "$@"`,
        "sh",
        empty,
        SITE_DIR,
        ...serve,
      ]
    : serve;
  proc = Bun.spawn(argv, { cwd: empty, stdout: "ignore", stderr: "inherit" });
  await waitFor(async () => (await fetch(`${url}/api/v1/health`)).ok, { what: "fleetd", timeoutMs: 15_000 });
}, 300_000);

afterAll(async () => {
  proc?.kill("SIGTERM");
  await proc?.exited;
}, 30_000);

test("the compiled fleetd serves the board with site/ out of its sight", async () => {
  if (!hidden) console.warn("unshare -m not permitted here: site/ stayed visible to fleetd");
  const page = await fetch(`${url}/`);
  expect(page.status).toBe(200);
  expect(await page.text()).toBe(readFileSync(join(SITE_DIR, "index.html"), "utf8"));
  const css = await fetch(`${url}/assets/board.css`);
  expect(await css.text()).toBe(readFileSync(join(SITE_DIR, "board.css"), "utf8"));
  const js = await (await fetch(`${url}/assets/board.js`)).text();
  expect(js).toBe(siteFiles().js);
  expect(js).toContain("api/v1/board");
}, 60_000);
