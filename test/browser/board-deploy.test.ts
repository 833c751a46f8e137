// Config deploys on the board, in real Chromium against fleetd in this process, hosts reporting
// their config through the real agent routes: a deploy rollout's panel (kind and target in the
// head, each host's state in words, its outcome and generations, the halt), hostile commit
// subjects and reasons shown as text, and the admin's "Deploy <commit> to all hosts": a dialog
// that names the commit and the hosts, Cancel that sends nothing, sizes the browser refuses, the
// plan the sizes make, and a confirm that posts exactly {kind, commit, canary} (fleetd's growing
// batches, as `fleetctl deploy --all`) or with a fixed size {kind, commit, canary, batch}, the
// commit the dialog named even when the target moved meanwhile, and shows fleetd's refusal. The
// update form's sizes and plan the same way.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { BrowserContext, Page, Request } from "playwright-core";
import { Board } from "../../protocol/board.ts";
import { type RunningServer, startServer } from "../../server/app.ts";
import { waitFor } from "../harness/index.ts";
import { helloBody, hostStateBody, silentLog, tempDir, testConfig } from "../server/helpers.ts";
import { apiCall, contrastFailures, launchBrowser, screenshot } from "./browser.ts";

const A = "a1".repeat(20);
const B = "b2".repeat(20);
const HOSTILE = `<img src=x onerror="window.__pwned=1"> & "quotes" <script>window.__pwned=2</script>`;
const EXTRA = Array.from({ length: 10 }, (_, i) => `n${String(i + 1).padStart(2, "0")}`);

let fleet: RunningServer;
let adminToken: string;
let browser: BrowserContext;
const hostIds: Record<string, string> = {};

const api = (method: string, path: string, token: string | null, body?: unknown) =>
  apiCall(fleet.url, method, path, token, body);

/** An agent: enroll, hello, and (when given) its config report. */
async function addHost(name: string, state: ReturnType<typeof hostStateBody> | null): Promise<void> {
  const { token } = await api("POST", "/api/v1/enroll-tokens", adminToken, {});
  const enrolled = await api("POST", "/api/v1/enroll", null, { token, name });
  hostIds[name] = enrolled.hostId;
  await api("POST", "/api/v1/agent/hello", enrolled.hostToken, helloBody({ hostname: `${name}.example` }));
  if (state) await api("POST", "/api/v1/agent/state", enrolled.hostToken, state);
}

/** Checked out at `checkout` (its subject hostile), the running system built from `builtFrom`. */
function configAt(checkout: string, builtFrom: string, fetchedAt = "2026-01-02T09:30:00.000Z") {
  const state = hostStateBody(checkout);
  state.checkout.subject = HOSTILE;
  state.checkout.fetchedAt = fetchedAt;
  state.lastSwitch = { ...state.lastSwitch, commit: builtFrom };
  return state;
}

async function adminPage(board?: Board): Promise<Page> {
  const page = await browser.newPage();
  if (board)
    await page.route("**/api/v1/board", (route) =>
      route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify(board) }),
    );
  await page.goto(fleet.url);
  // A fixture board reads without a token, so no sign-in prompt: the header's Admin… form.
  if (board) {
    await page.getByRole("button", { name: "Admin…" }).click();
    await page.getByLabel("Admin token", { exact: true }).fill(adminToken);
    await page.getByRole("button", { name: "Use token" }).click();
  } else {
    await page.getByLabel("Token", { exact: true }).fill(adminToken);
    await page.getByRole("button", { name: "Show the board" }).click();
  }
  await waitFor(() => page.getByRole("button", { name: "Leave admin mode" }).isVisible(), {
    what: "admin mode after signing in",
  });
  return page;
}

/** Every POST to the startRollout route the page makes, answered as fleetd answers a conflict. */
function interceptStarts(page: Page, message: string): Request[] {
  const posts: Request[] = [];
  void page.route("**/api/v1/rollouts", (route) => {
    if (route.request().method() !== "POST") return route.continue();
    posts.push(route.request());
    return route.fulfill({
      status: 409,
      contentType: "application/json",
      body: JSON.stringify({ error: { code: "conflict", message } }),
    });
  });
  return posts;
}

const pwned = (page: Page) => page.evaluate(() => (window as { __pwned?: number }).__pwned ?? null);
const deployButton = (page: Page) =>
  page.getByRole("button", { name: `Deploy ${B.slice(0, 7)} to all hosts` });

beforeAll(async () => {
  fleet = await startServer(testConfig(tempDir("board-deploy-"), { boardCacheMs: 50, pollWindowMs: 50 }), {
    log: silentLog,
  });
  adminToken = (await Bun.file(`${fleet.fleet.ctx.config.dataDir}/admin-token`).text()).trim();
  // No config repo: the target is B, the newest commit a host fetched; web2 already runs it.
  await addHost("web1", configAt(B, A));
  await addHost("web2", configAt(B, B));
  await addHost("db1", configAt(A, A, "2026-01-02T08:00:00.000Z"));
  for (const name of EXTRA) await addHost(name, null);
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await fleet?.stop();
}, 30_000);

/** The real board with a deploy rollout of B that halted at db1. */
async function deployFixture(): Promise<Board> {
  const real = Board.parse(await api("GET", "/api/v1/board", adminToken));
  expect(real.target?.commit).toBe(B);
  const now = new Date().toISOString();
  const outcome = (kind: string, before: number | null, after: number | null, extra = {}) => ({
    op: "deploy",
    kind,
    commit: B,
    generationBefore: before,
    generationAfter: after,
    ...extra,
  });
  const host = (name: string, state: string, more: Record<string, unknown> = {}) => ({
    hostId: hostIds[name]!,
    name,
    phase: state === "skipped" ? "none" : name === "web1" ? "canary" : "batch",
    group: state === "skipped" || name === "web1" ? 0 : 1,
    state,
    ...more,
  });
  return Board.parse({
    ...real,
    rollout: {
      id: "r_deploy",
      state: "halted",
      target: { kind: "deploy", commit: B, subject: HOSTILE, confirmSeconds: 90, test: true, rollback: true },
      options: {},
      hosts: [
        host("web1", "done", { outcome: outcome("deployed", 41, 42), reason: "deployed" }),
        host("db1", "failed", {
          outcome: outcome("rolled_back", 41, 41, { cause: "tests_failed" }),
          reason: `tests failed: ${HOSTILE}`,
        }),
        host("n01", "failed", { outcome: outcome("rollback_failed", 7, null, { cause: "not_confirmed" }) }),
        host("n02", "failed", { outcome: outcome("failed_before_switch", 7, 7), reason: "no such commit" }),
        host("n03", "in_progress"),
        host("n04", "soaking", { outcome: outcome("deployed", 3, 4) }),
        host("n05", "pending"),
        host("web2", "skipped", { reason: `already at config ${B.slice(0, 12)}` }),
      ],
      createdAt: now,
      createdBy: "admin",
      finishedAt: now,
      reason: `halted at db1: rolled back: ${HOSTILE}`,
      counts: { total: 8, pending: 1, in_progress: 1, soaking: 1, done: 1, skipped: 1, failed: 3 },
    },
  });
}

describe("a deploy rollout on the board", () => {
  test("the head names the commit and subject; each host its state, outcome and generations", async () => {
    const page = await adminPage(await deployFixture());
    await waitFor(async () => (await page.locator(".rollout-hosts li").count()) === 8, {
      what: "the rollout",
    });
    const line = async (name: string) =>
      ((await page.locator(`.rollout-hosts li[data-host="${hostIds[name]}"]`).textContent()) ?? "").replace(
        /\s+/g,
        " ",
      );
    expect(await page.locator(".rollout-title").textContent()).toBe(
      `Deploy of config ${B.slice(0, 12)} — ${HOSTILE}`,
    );
    expect(await page.locator(".rollout-title").getAttribute("data-kind")).toBe("deploy");
    expect(await line("web1")).toBe("web1 done canary deployed generation 41 → 42 deployed");
    expect(await line("db1")).toBe(
      `db1 failed batch 1 rolled back — tests failed generation 41 → 41 tests failed: ${HOSTILE}`,
    );
    expect(await line("n01")).toBe(
      "n01 failed batch 1 rollback failed — not confirmed generation 7 → unknown",
    );
    expect(await line("n02")).toBe("n02 failed batch 1 failed before switch generation 7 → 7 no such commit");
    expect(await line("n03")).toBe("n03 in progress batch 1");
    expect(await line("n04")).toBe("n04 soaking batch 1 deployed generation 3 → 4");
    expect(await line("n05")).toBe("n05 pending batch 1");
    expect(await line("web2")).toContain("skipped already current");
    expect(await page.locator(".rollout-counts").textContent()).toBe(
      "5 of 8 hosts finished: 1 done, 3 failed, 1 skipped, 1 in progress, 1 soaking, 1 pending",
    );
    // The plan fleetd made: web2 was current, so in no group.
    expect(await page.locator(".rollout-order").textContent()).toBe(
      "Order: 1 canary, then 1 batch of 6 (growing batches)",
    );
    expect(await page.locator(".rollout-reason").textContent()).toBe(
      `halted at db1: rolled back: ${HOSTILE}`,
    );
    // Red where a host may be left broken: a failed rollback; a clean rollback is not.
    const red = await page.locator(".rollout-hosts .rh-outcome.bad-text").allTextContents();
    expect(red).toEqual(["rollback failed — not confirmed"]);
    // Hostile text is text: nothing it names exists in the page, nothing it runs ran.
    expect(await page.locator("#rollout img, #rollout script").count()).toBe(0);
    expect(await pwned(page)).toBeNull();
    // Halted: nothing is active, so the deploy is offered again next to the update.
    expect(await deployButton(page).isVisible()).toBe(true);
    expect(await contrastFailures(page)).toEqual([]);
    await screenshot(page, "board-deploy-rollout");
    await page.close();
  }, 60_000);

  test("an update's head says so; an active rollout offers pause and cancel, not a deploy", async () => {
    const fixture = await deployFixture();
    fixture.rollout = {
      ...fixture.rollout!,
      state: "running",
      finishedAt: undefined,
      reason: undefined,
      target: { kind: "update", version: "0.2.0", sha256: {}, allowDowngrade: false },
      hosts: [],
      counts: { total: 0, pending: 0, in_progress: 0, soaking: 0, done: 0, skipped: 0, failed: 0 },
    };
    const page = await adminPage(fixture);
    await waitFor(() => page.getByRole("button", { name: "Pause rollout" }).isVisible(), { what: "pause" });
    expect(await page.locator(".rollout-title").textContent()).toBe("Agent update to 0.2.0");
    expect(await deployButton(page).count()).toBe(0);
    await page.close();
  }, 60_000);

  test("every host built from the target: no deploy offered, and the page says why", async () => {
    const fixture = await deployFixture();
    fixture.rollout = null;
    fixture.hosts = fixture.hosts.map((h) => ({ ...h, config: { ...h.config, builtFrom: B } }));
    const page = await adminPage(fixture);
    await waitFor(() => page.locator("[data-all-deployed]").isVisible(), { what: "the all-deployed note" });
    expect(await page.locator("[data-all-deployed]").textContent()).toBe(
      `Every host runs config ${B.slice(0, 7)}: nothing to deploy.`,
    );
    expect(await deployButton(page).count()).toBe(0);
    await page.close();
  }, 60_000);
});

describe("deploying the target from the board", () => {
  let page: Page;
  let posts: Request[];
  const message = "config deploys are not built into this fleetd yet";
  beforeAll(async () => {
    page = await adminPage();
    posts = interceptStarts(page, message);
    await waitFor(() => deployButton(page).isVisible(), { what: "the deploy button" });
  }, 60_000);
  afterAll(() => page?.close());

  test("without admin mode there is no deploy button", async () => {
    const reader = await browser.newPage();
    await reader.goto(fleet.url);
    await reader.evaluate((token) => sessionStorage.setItem("fleet.boardToken", token), adminToken);
    await reader.reload();
    await waitFor(async () => (await reader.locator("#hosts tbody tr").count()) === 13, { what: "rows" });
    expect(await reader.locator("button[data-deploy]").count()).toBe(0);
    await reader.close();
  }, 60_000);

  test("the dialog names the commit, its subject as text, and the hosts; Cancel sends nothing", async () => {
    await deployButton(page).click();
    const dialog = page.getByRole("dialog");
    await waitFor(() => dialog.isVisible(), { what: "the deploy dialog" });
    expect(await page.locator("#deploy-title").textContent()).toBe(
      `Deploy config ${B.slice(0, 7)} to 12 hosts?`,
    );
    expect(await page.locator("#deploy-commit").textContent()).toBe(`Commit ${B} ${HOSTILE}`);
    // Sorted by name, web2 (built from B) left out: eight named, then the count.
    expect(await page.locator("#deploy-hosts").textContent()).toBe(
      "Deployed to 12 hosts: db1, n01, n02, n03, n04, n05, n06, n07 and 4 more.",
    );
    expect(await page.locator("#deploy-dialog img, #deploy-dialog script").count()).toBe(0);
    expect(await pwned(page)).toBeNull();
    // Growing batches unless a fixed size is chosen, and the plan they make of these 12 hosts.
    expect(await dialog.getByLabel("Batches").inputValue()).toBe("growing");
    expect(await dialog.getByLabel("Batch size").isDisabled()).toBe(true);
    expect(await dialog.getByLabel("Batch size").isVisible()).toBe(false);
    expect(await page.locator("#deploy-dialog [data-plan]").textContent()).toBe(
      "Plan for 12 hosts: 1 canary, then 4 batches: 1, 1, 3 and 6.",
    );
    await screenshot(page, "board-deploy-confirm");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await waitFor(async () => !(await dialog.isVisible()), { what: "the dialog closed" });
    expect(await page.locator("#notice").textContent()).toBe("Cancelled: nothing was deployed.");
    // Escape cancels as well.
    await deployButton(page).click();
    await waitFor(() => dialog.isVisible(), { what: "the dialog again" });
    await page.keyboard.press("Escape");
    await waitFor(async () => !(await dialog.isVisible()), { what: "the dialog closed by Escape" });
    await Bun.sleep(300);
    expect(posts).toHaveLength(0);
    expect((await api("GET", "/api/v1/rollouts", adminToken)).rollouts).toEqual([]);
  }, 60_000);

  test("a fixed batch of 0 is refused in the dialog: nothing is sent, the dialog stays", async () => {
    await deployButton(page).click();
    const dialog = page.getByRole("dialog");
    await waitFor(() => dialog.isVisible(), { what: "the deploy dialog" });
    await dialog.getByLabel("Batches").selectOption("fixed");
    await dialog.getByLabel("Batch size").fill("0");
    await dialog.getByRole("button", { name: "Deploy to 12 hosts" }).click();
    await Bun.sleep(300);
    expect(posts).toHaveLength(0);
    expect(await dialog.isVisible()).toBe(true);
    expect(
      await dialog.getByLabel("Batch size").evaluate((el) => (el as HTMLInputElement).validity.valid),
    ).toBe(false);
    await dialog.getByRole("button", { name: "Cancel" }).click();
  }, 60_000);

  test("Deploy without a size chosen posts no batch: fleetd's growing batches", async () => {
    await deployButton(page).click();
    const dialog = page.getByRole("dialog");
    await waitFor(() => dialog.isVisible(), { what: "the deploy dialog" });
    // The dialog asks afresh: the sizes left by the refused batch above are gone.
    expect(await dialog.getByLabel("Batches").inputValue()).toBe("growing");
    await dialog.getByRole("button", { name: "Deploy to 12 hosts" }).click();
    await waitFor(() => posts.length === 1, { what: "the start request" });
    expect(posts[0]!.postDataJSON()).toEqual({ kind: "deploy", commit: B, canary: 1 });
    await waitFor(async () => (await page.locator("#notice").textContent())?.includes(message), {
      what: "fleetd's answer",
    });
  }, 60_000);

  test("Deploy posts exactly the kind, the commit shown and the sizes; fleetd's 409 is shown", async () => {
    await deployButton(page).click();
    const dialog = page.getByRole("dialog");
    await waitFor(() => dialog.isVisible(), { what: "the deploy dialog" });
    await dialog.getByLabel("Canary hosts").fill("2");
    await dialog.getByLabel("Batches").selectOption("fixed");
    await dialog.getByLabel("Batch size").fill("3");
    expect(await page.locator("#deploy-dialog [data-plan]").textContent()).toBe(
      "Plan for 12 hosts: 2 canaries, then 4 batches: 3, 3, 3 and 1.",
    );
    await dialog.getByRole("button", { name: "Deploy to 12 hosts" }).click();
    await waitFor(() => posts.length === 2, { what: "the start request" });
    expect(posts[1]!.postDataJSON()).toEqual({ kind: "deploy", commit: B, canary: 2, batch: 3 });
    expect(posts[1]!.headers().authorization).toBe(`Bearer ${adminToken}`);
    await waitFor(async () => (await page.locator("#notice").textContent())?.includes(message), {
      what: "fleetd's answer in the notice",
    });
    expect(await page.locator("#notice").textContent()).toBe(`deploy failed: ${message}`);
    expect(await page.locator("#notice").getAttribute("class")).toContain("bad");
    expect(await dialog.isVisible()).toBe(false);
    // Still admin mode, and the button is still there to try again.
    expect(await deployButton(page).isVisible()).toBe(true);
  }, 60_000);
});

describe("the target moves while the dialog is open", () => {
  test("Deploy posts the commit the dialog named, not the new target", async () => {
    const page = await adminPage();
    const posts = interceptStarts(page, "another rollout is active");
    await deployButton(page).click();
    const dialog = page.getByRole("dialog");
    await waitFor(() => dialog.isVisible(), { what: "the deploy dialog" });
    await api("POST", "/api/v1/config/target/pin", adminToken, { commit: A });
    try {
      await waitFor(async () => (await page.locator(".target-commit").textContent()) === A.slice(0, 7), {
        what: "the pinned target in the header",
      });
      expect(await page.locator("#deploy-commit").textContent()).toContain(B);
      await dialog.getByRole("button", { name: "Deploy to 12 hosts" }).click();
      await waitFor(() => posts.length === 1, { what: "the start request" });
      expect(posts[0]!.postDataJSON()).toEqual({ kind: "deploy", commit: B, canary: 1 });
      await waitFor(async () => (await page.locator("#notice").textContent())?.includes("another rollout"), {
        what: "fleetd's answer",
      });
    } finally {
      await api("POST", "/api/v1/config/target/unpin", adminToken);
      // The board is cached for boardCacheMs: the next test reads it and must see B again.
      await waitFor(
        async () => Board.parse(await api("GET", "/api/v1/board", adminToken)).target?.commit === B,
        {
          what: "the unpinned target on the board",
        },
      );
      await page.close();
    }
  }, 60_000);
});

describe("starting an agent update from the board", () => {
  test("growing batches by default, the plan they make, a fixed size when chosen, bad sizes refused", async () => {
    const fixture = await deployFixture();
    fixture.rollout = null;
    fixture.agentVersion = "2.0.0";
    // One host already runs the build: the plan counts the other twelve.
    fixture.hosts = fixture.hosts.map((h) => ({ ...h, version: h.name === "web2" ? "2.0.0" : "1.0.0" }));
    const page = await adminPage(fixture);
    const posts = interceptStarts(page, "another rollout is active");
    const form = page.locator("form.rollout-start");
    await waitFor(() => form.isVisible(), { what: "the update form" });
    expect(await form.getByLabel("Batches").inputValue()).toBe("growing");
    expect(await form.getByLabel("Batch size").isDisabled()).toBe(true);
    expect(await form.getByLabel("Batch size").isVisible()).toBe(false);
    expect(await form.locator("[data-plan]").textContent()).toBe(
      "Plan for 12 hosts: 1 canary, then 4 batches: 1, 1, 3 and 6.",
    );
    const start = page.getByRole("button", { name: "Start rollout to 2.0.0" });
    await start.click();
    await waitFor(() => posts.length === 1, { what: "the start request" });
    // What `fleetctl update --all` sends without --batch: fleetd grows the batches.
    expect(posts[0]!.postDataJSON()).toEqual({ canary: 1 });
    await waitFor(async () => (await page.locator("#notice").textContent())?.includes("another rollout"), {
      what: "fleetd's answer",
    });

    await form.getByLabel("Canary hosts").fill("0");
    await form.getByLabel("Batches").selectOption("fixed");
    await form.getByLabel("Batch size").fill("4");
    expect(await form.locator("[data-plan]").textContent()).toBe(
      "Plan for 12 hosts: no canary, then 3 batches: 4, 4 and 4.",
    );
    await start.click();
    await waitFor(() => posts.length === 2, { what: "the second start request" });
    expect(posts[1]!.postDataJSON()).toEqual({ canary: 0, batch: 4 });

    // A size the browser refuses is not sent, and the plan line keeps the last plan it could make.
    await form.getByLabel("Batch size").fill("0");
    expect(await form.locator("[data-plan]").textContent()).toBe(
      "Plan for 12 hosts: no canary, then 3 batches: 4, 4 and 4.",
    );
    await start.click();
    await Bun.sleep(300);
    expect(posts).toHaveLength(2);
    expect(await contrastFailures(page)).toEqual([]);
    await screenshot(page, "board-update-sizes");
    await page.close();
  }, 60_000);
});
