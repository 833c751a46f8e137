// Alerts on the board, in real Chromium against fleetd running in this process: the header counts
// the open alerts, each host's row lists its own, an acknowledged or silenced one is shown muted
// (and counted apart), and a passing rerun that resolves an alert takes it off both.
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { BrowserContext } from "playwright-core";
import { type RunningServer, startServer } from "../../server/app.ts";
import { waitFor } from "../harness/index.ts";
import { helloBody, silentLog, tempDir, testConfig } from "../server/helpers.ts";
import { apiCall, contrastFailures, hostRow, launchBrowser, screenshot } from "./browser.ts";

let fleet: RunningServer;
let adminToken: string;
let browser: BrowserContext;
const hosts: Record<string, { hostId: string; hostToken: string }> = {};

const api = (method: string, path: string, token: string | null, body?: unknown) =>
  apiCall(fleet.url, method, path, token, body);

async function addHost(name: string): Promise<void> {
  const { token } = await api("POST", "/api/v1/enroll-tokens", adminToken, {});
  hosts[name] = await api("POST", "/api/v1/enroll", null, { token, name });
  await api("POST", "/api/v1/agent/hello", hosts[name]!.hostToken, helloBody());
}

/** Runs `op` on the host the way its agent would, ending `state`. */
async function runJob(name: string, op: string, state: "succeeded" | "failed"): Promise<void> {
  const host = hosts[name]!;
  const { job } = await api("POST", `/api/v1/hosts/${host.hostId}/jobs`, adminToken, { op });
  await api("GET", "/api/v1/agent/poll?wait=0", host.hostToken);
  await api("POST", `/api/v1/agent/jobs/${job.id}/result`, host.hostToken, {
    state,
    exitCode: state === "succeeded" ? 0 : 1,
  });
}

beforeAll(async () => {
  fleet = await startServer(testConfig(tempDir("board-alerts-"), { boardCacheMs: 50, pollWindowMs: 50 }), {
    log: silentLog,
  });
  adminToken = (await Bun.file(`${fleet.fleet.ctx.config.dataDir}/admin-token`).text()).trim();
  browser = await launchBrowser();
  for (const name of ["db1", "web1", "web2"]) await addHost(name);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await fleet?.stop();
}, 30_000);

test("the header counts open alerts, each host's row shows its own, seen-to ones muted", async () => {
  await runJob("db1", "test", "failed");
  await runJob("web1", "switch", "failed");
  await api("POST", "/api/v1/alert-silences", adminToken, { subject: "web1", for: "2h" });

  const page = await browser.newPage();
  await page.goto(`${fleet.url}/`);
  await page.getByLabel("Token", { exact: true }).fill(adminToken);
  await page.getByRole("button", { name: "Show the board" }).click();
  const count = page.locator("#alerts-count");
  await waitFor(async () => (await count.textContent())?.startsWith("2 open alerts"), {
    what: "two open alerts in the header",
  });
  expect(await count.textContent()).toBe("2 open alerts (1 silenced or acked)");
  expect(await count.isVisible()).toBe(true);

  const db1Alert = hostRow(page, "db1").locator("li[data-alert-kind=job_failed]");
  expect(await db1Alert.textContent()).toContain("test failed on db1");
  expect(await db1Alert.getAttribute("class")).toBeNull();
  const web1Alert = hostRow(page, "web1").locator("li[data-alert-kind=job_failed]");
  expect(await web1Alert.textContent()).toContain("switch failed on web1");
  expect(await web1Alert.textContent()).toContain("(silenced)");
  expect(await web1Alert.getAttribute("class")).toBe("quiet");
  expect(await hostRow(page, "web2").locator(".alerts-in-row").count()).toBe(0);
  expect(await page.locator("#alerts li.quiet").count()).toBe(1);
  expect(await contrastFailures(page)).toEqual([]);
  await screenshot(page, "board-alerts");

  // A passing rerun resolves db1's alert: off its row and out of the count.
  await runJob("db1", "test", "succeeded");
  await waitFor(async () => (await count.textContent())?.startsWith("1 open alert "), {
    what: "one open alert left in the header",
    timeoutMs: 15_000,
  });
  expect(await hostRow(page, "db1").locator("li[data-alert-kind]").count()).toBe(0);

  await runJob("web1", "switch", "succeeded");
  await waitFor(async () => await count.isHidden(), { what: "no alert count", timeoutMs: 15_000 });
  await page.close();
}, 90_000);
