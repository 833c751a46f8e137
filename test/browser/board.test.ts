// The status board in real Chromium against a real fleet: the compiled fleetd (which embeds
// the page) and three compiled agents, one of them a build behind. Jobs are started from
// fleetctl or from the page itself; nothing is reloaded unless a test says so.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { BrowserContext, Page, Request } from "playwright-core";
import {
  type Binaries,
  createConfigRepo,
  createSwitchStubs,
  ensureBinaries,
  type TestAgent,
  TestFleet,
  tempDir,
  waitFor,
} from "../harness/index.ts";
import { contrastFailures, hostRow, launchBrowser, screenshot, shownHosts } from "./browser.ts";

/** docs: a killed agent shows offline within offlineGraceMs (10 s) plus one poll round. */
const OFFLINE_WINDOW_MS = 15_000;

let v1: Binaries;
let fleet: TestFleet;
let alpha: TestAgent;
let browser: BrowserContext;
let page: Page;
let navigations = 0;
const polls: number[] = [];
const inFlight = new Set<Request>();
let maxInFlight = 0;
const repo = createConfigRepo();
const stubs = createSwitchStubs();

beforeAll(async () => {
  v1 = await ensureBinaries("1.0.0-test");
  const v2 = await ensureBinaries("2.0.0-test");
  fleet = await TestFleet.start(v2);
  for (let i = 1; i <= 5; i++) repo.addTest("alpha", `T0${i}.sh`, `sleep 1.5; echo "T0${i} ok"`);
  repo.addTest("beta", "T01.sh", "sleep 1; echo beta fine");
  const agent = (name: string, binary?: string) =>
    fleet.addAgent(name, {
      binary,
      env: { PATH: stubs.path },
      config: {
        repo: { dir: join(stubs.dir, `checkout-${name}`), url: repo.origin, branch: "main" },
        switch: ["nixos-rebuild", "switch", "--flake", "{repo}#{host}"],
        timeouts: { testSeconds: 10, killGraceSeconds: 0.5 },
      },
    });
  alpha = await agent("alpha");
  await agent("beta");
  await agent("gamma", v1.agent);
  await waitFor(async () => (await fleet.hosts()).filter((h) => h.online).length === 3, {
    what: "three hosts online",
    timeoutMs: 20_000,
  });
  const pulled = await fleet.fleetctl(["run", "pull", "--all", "--wait"]);
  if (pulled.code !== 0) throw new Error(`pull failed: ${pulled.stderr}`);
  browser = await launchBrowser();
  page = await browser.newPage();
  page.on("framenavigated", (frame) => {
    if (frame === page.mainFrame()) navigations++;
  });
  // The page's polling: never two board requests at once, and fewer when fleetd is down.
  const isPoll = (url: string) => url.includes("/api/v1/board");
  page.on("request", (req) => {
    if (!isPoll(req.url())) return;
    polls.push(performance.now());
    inFlight.add(req);
    maxInFlight = Math.max(maxInFlight, inFlight.size);
  });
  page.on("requestfinished", (req) => inFlight.delete(req));
  page.on("requestfailed", (req) => inFlight.delete(req));
  await page.goto(fleet.boardUrl);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await fleet?.stop();
}, 30_000);

describe("the status board on a live fleet", () => {
  test("lists the three hosts, online, with the outdated badge on the agent a build behind", async () => {
    await waitFor(async () => (await shownHosts(page)).length === 3, { what: "three rows" });
    expect(await shownHosts(page)).toEqual(["alpha", "beta", "gamma"]);
    for (const name of ["alpha", "beta", "gamma"]) {
      await expect(hostRow(page, name).locator(".col-state").textContent()).resolves.toContain("online");
      await expect(hostRow(page, name).locator(".col-pull").textContent()).resolves.toContain("succeeded");
    }
    expect(await hostRow(page, "gamma").locator(".col-agent .badge").textContent()).toBe("outdated");
    expect(await hostRow(page, "gamma").locator(".col-agent").textContent()).toContain("1.0.0-test");
    expect(await hostRow(page, "alpha").locator(".col-agent .badge").count()).toBe(0);
    expect(await page.locator("#summary").textContent()).toContain("1Outdated");
    expect(await page.locator("#versions").textContent()).toContain("fleetd 2.0.0-test");
    expect(await page.locator("#updated").textContent()).toMatch(/Last updated .*\(/);
    await screenshot(page, "board-desktop-light");
  }, 60_000);

  test("a test job from fleetctl shows its bar moving and then its result, with no reload", async () => {
    const before = navigations;
    // One look at the page: alpha's progress value, its last test cell, every row's height.
    const look = () =>
      page.evaluate(() => {
        const row = Array.from(document.querySelectorAll("#hosts tbody tr")).find(
          (r) => r.querySelector("a.host-link")?.textContent === "alpha",
        );
        return {
          value: row?.querySelector(".col-running progress")?.getAttribute("value") ?? null,
          lastTest: row?.querySelector(".col-test")?.textContent ?? "",
          running: row?.querySelector(".col-running")?.textContent ?? "",
          heights: Array.from(document.querySelectorAll("#hosts tbody tr")).map((r) => r.clientHeight),
        };
      });
    const { heights } = await look();
    const started = await fleet.fleetctl(["run", "test", "alpha"]);
    expect(started.code).toBe(0);
    const seen: number[] = [];
    const last = await waitFor(
      async () => {
        const now = await look();
        if (now.value !== null && seen.at(-1) !== Number(now.value)) seen.push(Number(now.value));
        expect(now.heights).toEqual(heights); // no layout jump while it runs
        return now.lastTest.includes("succeeded") && now;
      },
      { what: "alpha's test to finish on the page", timeoutMs: 30_000, intervalMs: 50 },
    );
    console.log(`progress values seen on the page: ${seen.join(", ")}`);
    expect(seen.filter((v) => v < 5).length).toBeGreaterThanOrEqual(2); // moved while running
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(last.running).toContain("idle");
    expect(navigations).toBe(before);
  }, 60_000);

  test("without a token no action buttons exist; with the admin token, Test creates a job the page shows", async () => {
    expect(await page.locator("button[data-action], form[data-action]").count()).toBe(0);
    expect(await page.locator("#hosts thead").textContent()).not.toContain("Actions");
    await page.getByRole("button", { name: "Admin…" }).click();
    await page.getByLabel("Admin token").fill(fleet.adminToken);
    await page.getByRole("button", { name: "Use token" }).click();
    await page.getByRole("button", { name: "test beta" }).click();
    await waitFor(
      async () => (await page.locator("#notice").textContent())?.includes("Queued test on beta"),
      {
        what: "the notice",
      },
    );
    const jobId = /job (\S+)\)/.exec((await page.locator("#notice").textContent()) ?? "")![1]!;
    const { job } = await fleet.api("GET", `/api/v1/jobs/${jobId}`);
    expect(job).toMatchObject({ op: "test", hostId: (await fleet.host("beta")).id });
    await waitFor(
      async () => (await hostRow(page, "beta").locator(".col-test").textContent())?.includes("succeeded"),
      {
        what: "beta's test result on the page",
        timeoutMs: 20_000,
      },
    );
    expect(await page.evaluate(() => sessionStorage.getItem("fleet.adminToken"))).toBe(fleet.adminToken);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    await screenshot(page, "board-admin");
    await page.getByRole("button", { name: "Leave admin mode" }).click();
    expect(await page.locator("button[data-action]").count()).toBe(0);
  }, 60_000);

  test("a host's detail view shows its recent jobs and their output, by keyboard too", async () => {
    await page.locator("a.host-link", { hasText: /^alpha$/ }).focus();
    await page.keyboard.press("Enter");
    await waitFor(async () => (await page.locator("#detail-jobs details").count()) >= 2, {
      what: "alpha's jobs",
    });
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("detail-title");
    const testJob = page.locator("#detail-jobs details").first();
    await testJob.locator("summary").focus();
    await page.keyboard.press("Enter");
    expect(await testJob.locator("pre.output").textContent()).toContain("T05 ok");
    expect(await testJob.locator("table.tests").textContent()).toContain("T03.sh");
    await screenshot(page, "board-host-detail");
    await page.keyboard.press("Escape");
    await waitFor(async () => !(await page.locator("#overview").isHidden()), {
      what: "back to the overview",
    });
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("alpha");
  }, 60_000);

  test("sorting and filtering by name, state and platform", async () => {
    await page.getByLabel("Name", { exact: true }).fill("a");
    expect(await shownHosts(page)).toEqual(["alpha", "beta", "gamma"]);
    await page.getByLabel("Name", { exact: true }).fill("gam");
    expect(await shownHosts(page)).toEqual(["gamma"]);
    await page.getByLabel("Name", { exact: true }).fill("");
    await page.locator("#f-state").selectOption("outdated");
    expect(await shownHosts(page)).toEqual(["gamma"]);
    await page.locator("#f-state").selectOption("all");
    await page.locator("#f-platform").selectOption(process.platform);
    expect(await shownHosts(page)).toHaveLength(3);
    await page.locator("#f-platform").selectOption("all");
    await page.getByRole("button", { name: "Host", exact: true }).click(); // name, descending
    expect(await shownHosts(page)).toEqual(["gamma", "beta", "alpha"]);
    expect(await page.locator("th[aria-sort]").getAttribute("aria-sort")).toBe("descending");
    await page.getByRole("button", { name: "Host", exact: true }).click();
    expect(await shownHosts(page)).toEqual(["alpha", "beta", "gamma"]);
  }, 60_000);

  test("phone width: no horizontal scroll; dark mode renders dark; text contrast is AA in both", async () => {
    expect(await contrastFailures(page)).toEqual([]);
    const phone = await browser.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(fleet.boardUrl);
    await waitFor(async () => (await shownHosts(phone)).length === 3, { what: "rows on the phone" });
    const widths = await phone.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    expect(widths[0]).toBeLessThanOrEqual(widths[1]!);
    await screenshot(phone, "board-phone-390");
    await phone.emulateMedia({ colorScheme: "dark" });
    await phone.setViewportSize({ width: 1366, height: 900 });
    const bg = await phone.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const [r, g, b] = (bg.match(/\d+/g) ?? []).map(Number);
    expect(r! + g! + b!).toBeLessThan(120);
    expect(await contrastFailures(phone)).toEqual([]);
    await screenshot(phone, "board-desktop-dark");
    await phone.close();
  }, 60_000);

  test("fleetctl board export writes a snapshot that opens from file:// with the same hosts", async () => {
    const dir = tempDir("board-export");
    const r = await fleet.fleetctl(["board", "export", dir, "--json"]);
    expect(r.code).toBe(0);
    const { files, generatedAt } = JSON.parse(r.stdout);
    expect(files.sort()).toEqual(["assets/board.css", "assets/board.js", "board.json", "index.html"]);
    expect(JSON.parse(readFileSync(join(dir, "board.json"), "utf8")).hosts).toHaveLength(3);
    const snap = await browser.newPage();
    const requests: string[] = [];
    snap.on("request", (req) => requests.push(req.url()));
    await snap.goto(`file://${join(dir, "index.html")}`);
    await waitFor(async () => (await shownHosts(snap)).length === 3, { what: "rows in the snapshot" });
    expect(await shownHosts(snap)).toEqual(["alpha", "beta", "gamma"]);
    expect(await snap.locator("#updated").textContent()).toContain("Snapshot of");
    expect(generatedAt).toBeString();
    expect(requests.every((url) => url.startsWith("file://"))).toBe(true);
    await snap.locator("a.host-link", { hasText: /^alpha$/ }).click();
    await waitFor(async () => (await snap.locator("#detail-jobs details").count()) >= 2, {
      what: "detail in snapshot",
    });
    await snap.goBack();
    await screenshot(snap, "board-snapshot-file");
    await snap.close();
  }, 60_000);

  test("a killed agent turns offline on the page within the documented window", async () => {
    await alpha.halt();
    const killedAt = performance.now();
    await waitFor(
      async () => (await hostRow(page, "alpha").locator(".col-state").textContent())?.includes("offline"),
      {
        what: "alpha offline on the page",
        timeoutMs: OFFLINE_WINDOW_MS + 5_000,
        intervalMs: 100,
      },
    );
    const after = performance.now() - killedAt;
    console.log(`alpha shown offline ${(after / 1000).toFixed(1)} s after SIGKILL`);
    expect(after).toBeLessThan(OFFLINE_WINDOW_MS);
    expect(await page.locator("#summary").textContent()).toContain("1Offline");
    await screenshot(page, "board-host-offline");
    alpha.supervise();
    await waitFor(
      async () => (await hostRow(page, "alpha").locator(".col-state").textContent())?.includes("online"),
      {
        what: "alpha back online on the page",
        timeoutMs: 20_000,
      },
    );
  }, 60_000);

  test("fleetd unreachable: the page says so, keeps the last data, backs off, recovers; polls never overlap", async () => {
    await fleet.kill();
    await waitFor(() => page.locator("#conn").isVisible(), { what: "unreachable banner", timeoutMs: 10_000 });
    expect(await page.locator("#conn").textContent()).toContain("fleetd is unreachable");
    expect(await shownHosts(page)).toHaveLength(3);
    await screenshot(page, "board-unreachable");
    const from = performance.now();
    await Bun.sleep(8_000);
    const during = polls.filter((t) => t >= from).length;
    console.log(`${during} board requests in 8 s while fleetd was down (backing off)`);
    expect(during).toBeLessThanOrEqual(5);
    expect(maxInFlight).toBe(1);
    await fleet.restart();
    await waitFor(() => page.locator("#conn").isHidden(), { what: "banner gone", timeoutMs: 40_000 });
  }, 60_000);
});
