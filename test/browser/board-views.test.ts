// What the board says, in real Chromium against fleetd running in this process (the same app the
// compiled fleetd serves, page and all), with hosts played over HTTP as agents report: the
// sign-in prompt when the board needs a token, the first-host steps, test results as passed of
// total and marked stale after a switch, download progress with units, which hosts need
// attention and why, #host=NAME links, filters kept in the address, a switch that asks first,
// admin mode ending when fleetd refuses its token, a deleted host's detail closing, the public
// board's redacted view, and rollout outcomes coloured by what they mean.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { BrowserContext, Page } from "playwright-core";
import { Board } from "../../protocol/board.ts";
import { type RunningServer, startServer } from "../../server/app.ts";
import { createJob } from "../../server/services/jobs.ts";
import { waitFor } from "../harness/index.ts";
import { helloBody, silentLog, tempDir, testConfig } from "../server/helpers.ts";
import { apiCall, hostRow, launchBrowser, screenshot, shownHosts } from "./browser.ts";

const PUBLIC_URL = "http://fleet.example:8080";
let fleet: RunningServer;
let adminToken: string;
let browser: BrowserContext;
const hostTokens: Record<string, string> = {};
const hostIds: Record<string, string> = {};
/** Which fleetd the agent-side helpers talk to: the default one, or the public one below. */
let target = { url: "", admin: "" };

const api = (method: string, path: string, token: string | null, body?: unknown) =>
  apiCall(target.url, method, path, token, body);

/** An agent's side: enroll, say hello, and report jobs as the real one does. */
async function addHost(name: string): Promise<void> {
  const { token } = await api("POST", "/api/v1/enroll-tokens", target.admin, {});
  const enrolled = await api("POST", "/api/v1/enroll", null, { token, name });
  hostTokens[name] = enrolled.hostToken;
  hostIds[name] = enrolled.hostId;
  await api("POST", "/api/v1/agent/hello", enrolled.hostToken, helloBody({ hostname: `${name}.example` }));
}

async function runJob(
  name: string,
  op: string,
  progress: object | null,
  result: { state: string; exitCode: number | null; reason?: string } | null,
): Promise<string> {
  const { job } = await api("POST", `/api/v1/hosts/${hostIds[name]}/jobs`, target.admin, { op });
  return reportJob(name, job.id, progress, result);
}

async function reportJob(
  name: string,
  jobId: string,
  progress: object | null,
  result: { state: string; exitCode: number | null; reason?: string } | null,
): Promise<string> {
  const token = hostTokens[name]!;
  await api("GET", "/api/v1/agent/poll?wait=0", token);
  const output = [{ seq: 0, ts: new Date().toISOString(), stream: "stdout", data: `${name} ran /srv/x` }];
  await api("POST", `/api/v1/agent/jobs/${jobId}/events`, token, {
    started: true,
    output,
    ...(progress ? { progress } : {}),
  });
  if (result) await api("POST", `/api/v1/agent/jobs/${jobId}/result`, token, result);
  return jobId;
}

async function signedInPage(hash = ""): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${fleet.url}/${hash}`);
  await page.getByLabel("Token", { exact: true }).fill(adminToken);
  await page.getByRole("button", { name: "Show the board" }).click();
  await waitFor(() => page.getByRole("button", { name: "Leave admin mode" }).isVisible(), {
    what: "admin mode after signing in",
  });
  return page;
}

beforeAll(async () => {
  // The default: no --board-token, no --public-board.
  fleet = await startServer(
    testConfig(tempDir("board-views-"), { publicUrl: PUBLIC_URL, boardCacheMs: 50, pollWindowMs: 50 }),
    { log: silentLog },
  );
  adminToken = (await Bun.file(`${fleet.fleet.ctx.config.dataDir}/admin-token`).text()).trim();
  target = { url: fleet.url, admin: adminToken };
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await fleet?.stop();
}, 30_000);

describe("a board that needs a token", () => {
  test("asks for one, saying how to get it, with no error banner; the admin token signs in", async () => {
    const page = await browser.newPage();
    await page.goto(fleet.url);
    await waitFor(() => page.locator("#token-section").isVisible(), { what: "the sign-in prompt" });
    const why = (await page.locator("#token-why").textContent()) ?? "";
    for (const way of ["admin token", "--board-token", "--public-board"]) expect(why).toContain(way);
    expect(await page.locator("#conn").isHidden()).toBe(true);
    expect(await page.locator("#summary li").count()).toBe(0);
    await screenshot(page, "board-sign-in");
    await page.getByLabel("Token", { exact: true }).fill(adminToken);
    await page.getByRole("button", { name: "Show the board" }).click();
    await waitFor(() => page.getByRole("button", { name: "Leave admin mode" }).isVisible(), {
      what: "admin mode",
    });
    expect(await page.locator("#token-section").isHidden()).toBe(true);
    await page.close();
  }, 60_000);

  test("the empty board says once how to enroll a first host, with this fleetd's URL", async () => {
    const page = await signedInPage();
    await waitFor(async () => (await page.locator("#hosts-empty").isVisible()) === true, {
      what: "the empty-board steps",
    });
    const steps = (await page.locator("#hosts-empty").textContent()) ?? "";
    expect(steps).toContain("fleetctl enroll-token create");
    expect(steps).toContain("npm run fleetctl -- enroll-token create");
    expect(steps).toContain(`curl -fsSL ${PUBLIC_URL}/install.sh | sh -s -- --token <enroll-token>`);
    const body = (await page.locator("body").textContent()) ?? "";
    expect(body.split("enroll-token create").length - 1).toBe(2); // the two forms, shown once
    await page.close();
  }, 60_000);
});

describe("hosts with history", () => {
  let page: Page;
  beforeAll(async () => {
    for (const name of ["app1", "db1", "web1"]) await addHost(name);
    // db1: 2 of 3 tests passed.
    await runJob(
      "db1",
      "test",
      { current: 3, total: 3, passed: 2, label: "T03.sh" },
      { state: "failed", exitCode: 1, reason: "2/3 passed; failed: T02.sh" },
    );
    // web1: tests green, then a switch after them: the test result no longer says much.
    await runJob("web1", "test", { current: 2, total: 2, passed: 2 }, { state: "succeeded", exitCode: 0 });
    await Bun.sleep(20);
    await runJob("web1", "switch", null, { state: "succeeded", exitCode: 0 });
    // app1: an agent update mid-download, reporting KiB.
    const update = await createJob(
      fleet.fleet.ctx,
      hostIds.app1!,
      { op: "update", args: { version: "2.0.0", sha256: "b".repeat(64), allowDowngrade: false } },
      "admin",
    );
    await reportJob("app1", update.id, { current: 53_435, total: 106_870, unit: "KiB", label: "KiB" }, null);
    page = await signedInPage();
    await waitFor(async () => (await shownHosts(page)).length === 3, { what: "three rows" });
  }, 60_000);
  afterAll(() => page?.close());

  test("a test result reads as passed of total: '2/3 passed', not '3/3'", async () => {
    const cell = (await hostRow(page, "db1").locator(".col-test").textContent()) ?? "";
    expect(cell).toContain("failed");
    expect(cell).toContain("2/3 passed");
    await page.locator("a.host-link", { hasText: /^db1$/ }).click();
    await waitFor(async () => (await page.locator("#detail-jobs summary").count()) === 1, {
      what: "db1's job",
    });
    expect(await page.locator("#detail-jobs summary").first().textContent()).toContain("2/3 passed");
    await page.keyboard.press("Escape");
  }, 60_000);

  test("a download shows its unit and share, not 'update 53435/106870'", async () => {
    const running = (await hostRow(page, "app1").locator(".col-running").textContent()) ?? "";
    expect(running).toContain("update 52 MiB/104 MiB, 50%");
  }, 60_000);

  test("a test from before the last switch is marked stale; one after it is not", async () => {
    expect(await hostRow(page, "web1").locator(".col-test").textContent()).toContain(
      "stale: before last switch",
    );
    expect(await hostRow(page, "db1").locator(".col-test [data-stale]").count()).toBe(0);
  }, 60_000);

  test("the verdict names the hosts that need attention and why", async () => {
    expect(await page.locator("#verdict").textContent()).toBe("1 host needs attention: db1 (test failed).");
    await screenshot(page, "board-attention");
  }, 60_000);

  test("#host=NAME opens that host, as #host=ID does", async () => {
    const byName = await browser.newPage();
    await byName.goto(`${fleet.url}/#host=db1`);
    await byName.getByLabel("Token", { exact: true }).fill(adminToken);
    await byName.getByRole("button", { name: "Show the board" }).click();
    await waitFor(async () => (await byName.locator("#detail-title").textContent()) === "Host db1", {
      what: "db1's detail from #host=db1",
    });
    expect(await byName.locator("#detail-jobs details").count()).toBe(1);
    await byName.close();
  }, 60_000);

  test("filters and sort live in the address: a reload keeps them", async () => {
    await page.locator("#f-state").selectOption("failing");
    await page.getByLabel("Name", { exact: true }).fill("db");
    await page.locator("#f-sort").selectOption("state");
    expect(await shownHosts(page)).toEqual(["db1"]);
    const hash = new URL(page.url()).hash;
    expect(new URLSearchParams(hash.slice(1)).get("state")).toBe("failing");
    expect(new URLSearchParams(hash.slice(1)).get("q")).toBe("db");
    expect(new URLSearchParams(hash.slice(1)).get("sort")).toBe("state");
    await page.reload();
    await waitFor(async () => (await shownHosts(page)).length > 0, { what: "rows after the reload" });
    expect(await shownHosts(page)).toEqual(["db1"]);
    expect(await page.locator("#f-state").inputValue()).toBe("failing");
    expect(await page.getByLabel("Name", { exact: true }).inputValue()).toBe("db");
    // Into a host and back: the filters come along.
    await page.locator("a.host-link", { hasText: /^db1$/ }).click();
    // Escape once the detail has opened and taken the focus, as a reader would press it.
    await waitFor(
      async () =>
        (await page.locator("#detail-title").textContent()) === "Host db1" &&
        (await page.evaluate(() => document.activeElement?.id)) === "detail-title",
      { what: "db1's detail, focused" },
    );
    await page.keyboard.press("Escape");
    await waitFor(() => page.locator("#overview").isVisible(), { what: "the overview" });
    expect(new URLSearchParams(new URL(page.url()).hash.slice(1)).get("state")).toBe("failing");
    await page.locator("#f-state").selectOption("all");
    await page.getByLabel("Name", { exact: true }).fill("");
    await page.locator("#f-sort").selectOption("name");
    expect(new URL(page.url()).hash).toBe("");
  }, 60_000);

  test("a switch asks first: Cancel queues nothing, Yes queues one switch", async () => {
    const switches = async () =>
      (await api("GET", `/api/v1/jobs?host=${hostIds.db1}`, adminToken)).jobs.filter(
        (j: { op: string; hostId: string }) => j.op === "switch" && j.hostId === hostIds.db1,
      ).length;
    const before = await switches();
    await page.getByRole("button", { name: "switch db1" }).click();
    await waitFor(() => page.locator("#confirm").isVisible(), { what: "the confirm step" });
    expect(await page.locator("#confirm-text").textContent()).toContain("Switch db1 now?");
    await screenshot(page, "board-confirm-switch");
    await page.getByRole("button", { name: "Cancel" }).click();
    expect(await page.locator("#confirm").isHidden()).toBe(true);
    await Bun.sleep(300);
    expect(await switches()).toBe(before);
    await page.getByRole("button", { name: "switch db1" }).click();
    await page.getByRole("button", { name: "Yes, switch db1" }).click();
    await waitFor(
      async () => (await page.locator("#notice").textContent())?.includes("Queued switch on db1"),
      {
        what: "the notice",
      },
    );
    expect(await switches()).toBe(before + 1);
    // Test only reads: it needs no second step.
    await page.getByRole("button", { name: "test web1" }).click();
    await waitFor(
      async () => (await page.locator("#notice").textContent())?.includes("Queued test on web1"),
      {
        what: "the test notice",
      },
    );
    expect(await page.locator("#confirm").isHidden()).toBe(true);
  }, 60_000);

  test("rollouts: only a failure is red, and no rollout is offered when every host is current", async () => {
    const real = Board.parse(await api("GET", "/api/v1/board", adminToken));
    const now = new Date().toISOString();
    const host = (name: string, state: string, reason: string, outcome?: object) => ({
      hostId: hostIds[name]!,
      name,
      // Hosts current at the start are planned in no group (phase "none"), not as batch 0.
      phase: state === "skipped" ? ("none" as const) : ("batch" as const),
      group: state === "skipped" ? 0 : 1,
      state,
      reason,
      outcome,
      finishedAt: now,
    });
    const fixture = Board.parse({
      ...real,
      agentVersion: "2.0.0",
      hosts: real.hosts.map((h) => ({ ...h, version: "2.0.0", outdated: false })),
      rollout: {
        id: "r_fixture",
        state: "halted",
        target: { kind: "update", version: "2.0.0", sha256: {}, allowDowngrade: false },
        options: {},
        hosts: [
          host("app1", "done", "updated 1.2.3 → 2.0.0", { op: "update", kind: "updated", version: "2.0.0" }),
          host("db1", "failed", "health check failed after the swap", {
            op: "update",
            kind: "rolled_back",
            reason: "no hello within 20 s",
            restored: true,
          }),
          host("web1", "skipped", "already at 2.0.0"),
        ],
        createdAt: now,
        createdBy: "admin",
        finishedAt: now,
        reason: "halted at db1: health check failed after the swap",
        counts: { total: 3, pending: 0, in_progress: 0, soaking: 0, done: 1, skipped: 1, failed: 1 },
      },
    });
    const fixed = await browser.newPage();
    await fixed.route("**/api/v1/board", (route) =>
      route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify(fixture) }),
    );
    await fixed.goto(fleet.url);
    await fixed.getByRole("button", { name: "Admin…" }).click();
    await fixed.getByLabel("Admin token", { exact: true }).fill(adminToken);
    await fixed.getByRole("button", { name: "Use token" }).click();
    await waitFor(async () => (await fixed.locator(".rollout-hosts li").count()) === 3, { what: "rollout" });
    const colours = await fixed.evaluate(() => {
      const of = (sel: string) => getComputedStyle(document.querySelector(sel)!).color;
      const bad = document.createElement("span");
      bad.className = "bad-text";
      document.body.append(bad);
      return {
        bad: getComputedStyle(bad).color,
        done: of('.rollout-hosts li[data-state="done"] .rh-reason'),
        skipped: of('.rollout-hosts li[data-state="skipped"] .rh-reason'),
        failed: of('.rollout-hosts li[data-state="failed"] .rh-reason'),
        halt: of(".rollout-reason"),
      };
    });
    expect(colours.failed).toBe(colours.bad);
    expect(colours.halt).toBe(colours.bad);
    expect(colours.done).not.toBe(colours.bad);
    expect(colours.skipped).not.toBe(colours.bad);
    expect(await fixed.locator('.rollout-hosts li[data-state="skipped"]').textContent()).toContain(
      "already current",
    );
    expect(await fixed.locator(".rollout-hosts").textContent()).not.toContain("batch 0");
    expect(await fixed.locator(".rollout-title").textContent()).toBe("Agent update to 2.0.0");
    expect(await fixed.locator('.rollout-hosts li[data-state="done"] .rh-outcome').textContent()).toBe(
      "updated to 2.0.0",
    );
    // The old agent came back: a rollback that worked is not red; the failed state's reason is.
    const rolledBack = fixed.locator('.rollout-hosts li[data-state="failed"] .rh-outcome');
    expect(await rolledBack.textContent()).toBe("rolled back — no hello within 20 s");
    expect(await rolledBack.evaluate((el) => el.classList.contains("bad-text"))).toBe(false);
    await waitFor(() => fixed.locator("[data-all-current]").isVisible(), { what: "the all-current note" });
    expect(await fixed.locator("#rollout-controls").textContent()).toContain("Every host is on 2.0.0");
    expect(await fixed.getByRole("button", { name: /Start rollout/ }).count()).toBe(0);
    await screenshot(fixed, "board-rollout-outcomes");
    await fixed.close();
  }, 60_000);
});

describe("admin mode when fleetd changes under the page", () => {
  test("an admin token fleetd no longer accepts ends admin mode; the board token keeps reading", async () => {
    const page = await browser.newPage();
    await page.goto(fleet.url);
    // The real admin token reads the board as the board token; the admin token is one fleetd never issued.
    await page.evaluate(
      ([board, admin]) => {
        sessionStorage.setItem("fleet.boardToken", board!);
        sessionStorage.setItem("fleet.adminToken", admin!);
      },
      [adminToken, `fa_${"x".repeat(43)}`],
    );
    await page.reload();
    await waitFor(async () => (await shownHosts(page)).length > 0, {
      what: "rows read with the board token",
    });
    await page.getByRole("button", { name: "test web1" }).click();
    await waitFor(() => page.getByRole("button", { name: "Admin…" }).isVisible(), {
      what: "admin mode left",
    });
    expect(await page.locator("#notice").textContent()).toContain("admin token rejected");
    expect(await page.locator("button[data-action]").count()).toBe(0);
    expect(await page.evaluate(() => sessionStorage.getItem("fleet.adminToken"))).toBeNull();
    expect(await page.locator("#conn").isHidden()).toBe(true);
    await page.close();
  }, 60_000);

  test("the open host is deleted: the page says so and goes back to the overview", async () => {
    await addHost("gone1");
    const page = await signedInPage("#host=gone1");
    await waitFor(async () => (await page.locator("#detail-title").textContent())?.includes("gone1"), {
      what: "gone1's detail",
    });
    await api("DELETE", `/api/v1/hosts/${hostIds.gone1}`, adminToken);
    await waitFor(() => page.locator("#overview").isVisible(), { what: "the overview" });
    expect(await page.locator("#notice").textContent()).toContain("That host no longer exists.");
    expect(new URL(page.url()).hash).toBe("");
    await page.close();
  }, 60_000);
});

describe("--public-board", () => {
  let open: RunningServer;
  beforeAll(async () => {
    open = await startServer(testConfig(tempDir("board-public-"), { publicBoard: true, boardCacheMs: 50 }), {
      log: silentLog,
    });
    const admin = (await Bun.file(`${open.fleet.ctx.config.dataDir}/admin-token`).text()).trim();
    target = { url: open.url, admin };
    await addHost("pub1");
    await runJob("pub1", "pull", null, { state: "failed", exitCode: 1, reason: "git failed in /srv/repo" });
  }, 60_000);
  afterAll(() => open?.stop());

  test("without a token: the fleet, no output, paths scrubbed, and a way to sign in", async () => {
    const page = await browser.newPage();
    await page.goto(`${open.url}/#host=pub1`);
    await waitFor(async () => (await page.locator("#detail-jobs details").count()) === 1, {
      what: "pub1's job",
    });
    expect(await page.locator("#redacted-note").isVisible()).toBe(true);
    expect(await page.locator("#token-section").isHidden()).toBe(true);
    await page.locator("#detail-jobs summary").first().click();
    const job = (await page.locator("#detail-jobs details").first().textContent()) ?? "";
    expect(job).toContain("sign in with a token to see it");
    expect(job).toContain("git failed in [path]");
    expect(job).not.toContain("/srv");
    await page.getByRole("button", { name: "Sign in…" }).click();
    expect(await page.locator("#token-section").isVisible()).toBe(true);
    await screenshot(page, "board-public-redacted");
    await page.close();
  }, 60_000);
});
