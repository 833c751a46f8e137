// The board's vitals column in real Chromium against fleetd in this process: CPU, memory and the
// fullest disk of each host's last sample, an inline SVG sparkline of its hour of CPU drawn from
// what fleetd sent (GET /api/v1/board/vitals, apart from the board), "no vitals" for a host that
// sent none, and a disk_full alert in the row; a `fleetctl board export` snapshot draws the same.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join, resolve } from "node:path";
import type { BrowserContext } from "playwright-core";
import { type RunningServer, startServer } from "../../server/app.ts";
import { VITALS_INTERVAL_MS } from "../../site/poll.ts";
import { runToEnd, waitFor } from "../harness/index.ts";
import { helloBody, silentLog, tempDir, testConfig, vitalsBody } from "../server/helpers.ts";
import { apiCall, hostRow, launchBrowser, screenshot } from "./browser.ts";

let fleet: RunningServer;
let adminToken: string;
let browser: BrowserContext;

async function addHost(name: string): Promise<string> {
  const { token } = await apiCall(fleet.url, "POST", "/api/v1/enroll-tokens", adminToken, {});
  const enrolled = await apiCall(fleet.url, "POST", "/api/v1/enroll", null, { token, name });
  await apiCall(fleet.url, "POST", "/api/v1/agent/hello", enrolled.hostToken, helloBody());
  return enrolled.hostToken;
}

beforeAll(async () => {
  fleet = await startServer(
    testConfig(tempDir("board-vitals-"), { boardCacheMs: 50, boardVitalsCacheMs: 50, diskFullPercent: 90 }),
    {
      log: silentLog,
    },
  );
  adminToken = (await Bun.file(`${fleet.fleet.ctx.config.dataDir}/admin-token`).text()).trim();
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await fleet?.stop();
}, 30_000);

test("each row shows CPU, memory, the fullest disk and a sparkline of the hour's CPU", async () => {
  const busy = await addHost("busy1");
  await addHost("quiet1");
  const calm = await addHost("calm1");
  await apiCall(fleet.url, "POST", "/api/v1/agent/vitals", calm, vitalsBody());
  const start = Date.now() - 30 * 60_000;
  // Half an hour of a sample a minute, CPU climbing 0, 3, 6, ... 87; / ends 95 % full.
  for (let i = 0; i < 30; i++) {
    const at = new Date(start + i * 60_000).toISOString();
    await apiCall(
      fleet.url,
      "POST",
      "/api/v1/agent/vitals",
      busy,
      vitalsBody(at, i === 29 ? 95 : 50, { cpuPercent: i * 3 }),
    );
  }
  const board = await apiCall(fleet.url, "GET", "/api/v1/board", adminToken);
  const busyId = board.hosts.find((h: { name: string }) => h.name === "busy1").id;
  const sent = (await apiCall(fleet.url, "GET", "/api/v1/board/vitals", adminToken)).hosts[busyId];
  expect(sent.cpu.length).toBe(12);

  const page = await browser.newPage();
  const asked: { path: string; at: number }[] = [];
  page.on("request", (req) => {
    const path = new URL(req.url()).pathname;
    if (path.startsWith("/api/v1/board")) asked.push({ path, at: performance.now() });
  });
  await page.goto(`${fleet.url}/#token=${adminToken}`);
  const row = hostRow(page, "busy1");
  await waitFor(() => row.locator(".vitals").isVisible(), { what: "busy1's vitals" });
  const text = (await row.locator(".vitals").textContent()) ?? "";
  expect(text).toContain("CPU 87%");
  expect(text).toContain("MEM 25%");
  expect(text).toContain("DISK 95%");
  expect(await row.locator(".vital.warn-text").textContent()).toBe("DISK 95%");
  const spark = row.locator("svg.spark");
  expect(await spark.getAttribute("aria-label")).toBe(
    `CPU over the last hour: ${sent.cpu.map((v: number) => `${v}%`).join(", ")}`,
  );
  // The polyline rises left to right as the CPU did: the first point lowest, the last highest.
  const points = ((await spark.locator("polyline").getAttribute("points")) ?? "")
    .split(" ")
    .map((p) => Number(p.split(",")[1]));
  expect(points.length).toBe(12);
  expect(points[0]).toBeGreaterThan(points.at(-1)!);
  const box = await spark.boundingBox();
  expect(box?.width).toBe(24);
  expect(await row.textContent()).toContain("/ on busy1 is 95 % full (limit 90 %)");
  expect(await hostRow(page, "quiet1").locator("td").allTextContents()).toContain("no vitals");
  // A host's vitals take no more height than the row has without them: its first sample moves nothing.
  const height = async (name: string) => (await hostRow(page, name).boundingBox())?.height;
  expect(await height("calm1")).toBe(await height("quiet1"));
  await screenshot(page, "board-vitals");
  // The board is polled every round, the vitals once per VITALS_INTERVAL_MS.
  await waitFor(() => asked.filter((a) => a.path === "/api/v1/board").length >= 3, {
    what: "three board polls",
    timeoutMs: 10_000,
  });
  const vitalsAsked = asked.filter((a) => a.path === "/api/v1/board/vitals");
  expect(performance.now() - vitalsAsked[0]!.at).toBeLessThan(VITALS_INTERVAL_MS);
  expect(vitalsAsked).toHaveLength(1);
  await page.close();
}, 60_000);

test("a fleetctl board export snapshot, opened from file://, draws the same vitals", async () => {
  const dir = tempDir("board-vitals-export");
  const exported = await runToEnd(
    [process.execPath, "cli/main.ts", "board", "export", dir, "--server", fleet.url, "--token", adminToken],
    {},
    { cwd: resolve(import.meta.dir, "../.."), clean: true },
  );
  expect({ code: exported.code, stderr: exported.stderr }).toEqual({ code: 0, stderr: "" });
  const page = await browser.newPage();
  await page.goto(`file://${join(dir, "index.html")}`);
  const row = hostRow(page, "busy1");
  await waitFor(() => row.locator(".vitals").isVisible(), { what: "busy1's vitals in the snapshot" });
  expect(await row.locator(".vitals").textContent()).toContain("CPU 87%");
  expect(await row.locator("svg.spark polyline").count()).toBe(1);
  expect(await hostRow(page, "quiet1").locator("td").allTextContents()).toContain("no vitals");
  await page.close();
}, 60_000);
