// The board's config side in real Chromium against fleetd in this process, each host's state sent
// through the real agent state route with its own token: one compartment dot each for Agent,
// Config, Lock, System and Tests with a tooltip and label saying what was compared, red only
// for failures; tags on the row; counts and filters by config state and by tag, kept in the
// address; the target in the header (from the hosts' fetches, then a pin); the detail's config
// and system.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { BrowserContext, Page } from "playwright-core";
import { type RunningServer, startServer } from "../../server/app.ts";
import { waitFor } from "../harness/index.ts";
import { helloBody, hostStateBody, silentLog, tempDir, testConfig } from "../server/helpers.ts";
import { apiCall, hostRow, launchBrowser, screenshot, shownHosts } from "./browser.ts";

/** The last commit before the board had compartments: the page the cost is measured against. */
const A = "a1".repeat(20);
const B = "b2".repeat(20);
let fleet: RunningServer;
let adminToken: string;
let browser: BrowserContext;
let page: Page;
const hostIds: Record<string, string> = {};

const api = (method: string, path: string, token: string | null, body?: unknown) =>
  apiCall(fleet.url, method, path, token, body);

/** An agent: enroll, hello with its tags, then its config report through POST /agent/state. */
async function addHost(name: string, tags: string[], state: ReturnType<typeof hostStateBody> | null) {
  const { token } = await api("POST", "/api/v1/enroll-tokens", adminToken, {});
  const enrolled = await api("POST", "/api/v1/enroll", null, { token, name });
  hostIds[name] = enrolled.hostId;
  await api(
    "POST",
    "/api/v1/agent/hello",
    enrolled.hostToken,
    helloBody({ hostname: `${name}.example`, tags }),
  );
  if (state) await api("POST", "/api/v1/agent/state", enrolled.hostToken, state);
}

const at = (time: string) => `2026-01-02T${time}:00.000Z`;

/** Each host's dots, by compartment: tone and what the tooltip and the label say. */
async function dots(name: string) {
  return hostRow(page, name)
    .locator(".dot")
    .evaluateAll((els) =>
      Object.fromEntries(
        els.map((el) => [
          (el as HTMLElement).dataset.compartment!,
          {
            tone: (el as HTMLElement).dataset.tone!,
            title: el.getAttribute("title")!,
            label: el.getAttribute("aria-label")!,
            role: el.getAttribute("role"),
          },
        ]),
      ),
    );
}

beforeAll(async () => {
  fleet = await startServer(testConfig(tempDir("board-config-"), { boardCacheMs: 50, pollWindowMs: 50 }), {
    log: silentLog,
  });
  adminToken = (await Bun.file(`${fleet.fleet.ctx.config.dataDir}/admin-token`).text()).trim();
  browser = await launchBrowser();
  // Without a config repo the target is the newest fetch: B, fetched at 09:30 by every host but db1.
  await addHost("web1", ["web", "eu"], hostStateBody(B));
  await addHost("web2", ["web"], hostStateBody(B, { lastTest: { passed: true, at: at("09:59") } }));
  const behind = hostStateBody(A);
  behind.checkout.fetchedAt = at("08:00");
  await addHost("db1", ["db"], behind);
  await addHost(
    "cache1",
    [],
    hostStateBody(B, { lastSwitchFailed: true, lastTest: { passed: false, at: at("10:05") } }),
  );
  const dirty = hostStateBody(B, {
    system: { generation: 41, path: "/nix/store/bbbb-nixos-system-edge1", needsReboot: true },
  });
  dirty.checkout.dirty = true;
  await addHost("edge1", ["edge"], dirty);
  await addHost(
    "app1",
    [],
    hostStateBody(B, { lastSwitch: { commit: A, dirty: false, generation: 40, at: at("07:00") } }),
  );
  await addHost("fresh", [], null);
  page = await browser.newPage();
  await page.goto(fleet.url);
  await page.getByLabel("Token", { exact: true }).fill(adminToken);
  await page.getByRole("button", { name: "Show the board" }).click();
  await waitFor(async () => (await shownHosts(page)).length === 7, { what: "seven rows" });
}, 120_000);

afterAll(async () => {
  await page?.close();
  await browser?.close();
  await fleet?.stop();
}, 30_000);

describe("compartments", () => {
  test("each host's Config dot has the state's tone and says what was compared", async () => {
    const expected: Record<string, [string, string]> = {
      web1: ["current", "ok"],
      web2: ["untested", "info"],
      db1: ["behind", "warn"],
      cache1: ["failed", "bad"],
      edge1: ["dirty", "warn"],
      app1: ["pulled", "info"],
      fresh: ["unknown", "idle"],
    };
    for (const [name, [state, tone]] of Object.entries(expected)) {
      const config = (await dots(name)).config!;
      expect({ name, tone: config.tone }).toEqual({ name, tone });
      expect(config.label).toStartWith(`Config: ${state}`);
      expect(config.title).toBe(config.label);
      expect(config.role).toBe("img");
    }
    expect((await dots("db1")).config!.label).toContain(`checkout a1a1a1a against target b2b2b2b`);
    expect(await hostRow(page, "db1").locator(".config-words").textContent()).toBe("behind");
    expect(await hostRow(page, "web1").locator(".config-words").textContent()).toBe("current");
  }, 60_000);

  test("Agent, Lock, System and Tests say what they compared", async () => {
    const web1 = await dots("web1");
    expect(Object.keys(web1)).toEqual(["agent", "config", "lock", "system", "tests"]);
    expect(web1.agent).toMatchObject({ tone: "ok", label: "Agent: current, runs 1.2.3" });
    expect(web1.lock!.label).toMatch(
      /^Lock: flake.lock sha256 eeeeeeeeeeee; oldest input nixpkgs locked \d+ d ago$/,
    );
    expect(web1.system).toMatchObject({ tone: "ok", label: "System: generation 41, built from b2b2b2b" });
    expect(web1.tests).toMatchObject({ tone: "ok", label: "Tests: passed since the last switch" });
    expect((await dots("web2")).tests).toMatchObject({
      tone: "warn",
      label: "Tests: stale, last run before the last switch",
    });
    expect((await dots("cache1")).tests).toMatchObject({
      tone: "bad",
      label: "Tests: failed since the last switch",
    });
    const edge1 = await dots("edge1");
    expect(edge1.system!.tone).toBe("warn");
    expect(edge1.system!.label).toContain("needs reboot");
    const fresh = await dots("fresh");
    for (const c of ["lock", "system", "tests"]) expect(fresh[c]!.tone).toBe("idle");
    expect(fresh.system!.label).toBe("System: no generation reported");
  }, 60_000);

  test("only a failure is red", async () => {
    const colours = await page.evaluate(() => {
      const bad = document.createElement("span");
      bad.className = "bad-text";
      document.body.append(bad);
      const red = getComputedStyle(bad).color;
      bad.remove();
      return Array.from(document.querySelectorAll<HTMLElement>("#hosts .dot")).map((dot) => ({
        tone: dot.dataset.tone,
        red: getComputedStyle(dot).backgroundColor === red,
      }));
    });
    expect(colours.filter((c) => c.red).length).toBeGreaterThan(0);
    for (const c of colours)
      expect({ tone: c.tone, red: c.red }).toEqual({ tone: c.tone, red: c.tone === "bad" });
    await screenshot(page, "board-config-compartments");
  }, 60_000);

  test("tags are on the row", async () => {
    expect(await hostRow(page, "web1").locator(".tag").allTextContents()).toEqual(["web", "eu"]);
    expect(await hostRow(page, "app1").locator(".tag").count()).toBe(0);
  }, 60_000);
});

describe("counts and filters", () => {
  test("a count per config state; the filter by state lives in the address and survives a reload", async () => {
    const counts = await page
      .locator("#config-summary li")
      .evaluateAll((els) =>
        Object.fromEntries(
          els.map((el) => [(el as HTMLElement).dataset.configCount, el.querySelector(".num")!.textContent]),
        ),
      );
    expect(counts).toEqual({
      current: "1",
      untested: "1",
      pulled: "1",
      behind: "1",
      dirty: "1",
      failed: "1",
      unknown: "1",
    });
    await page.locator("#f-config").selectOption("behind");
    expect(await shownHosts(page)).toEqual(["db1"]);
    expect(new URLSearchParams(new URL(page.url()).hash.slice(1)).get("config")).toBe("behind");
    await page.reload();
    await waitFor(async () => (await shownHosts(page)).length > 0, { what: "rows after the reload" });
    expect(await shownHosts(page)).toEqual(["db1"]);
    expect(await page.locator("#f-config").inputValue()).toBe("behind");
    await page.getByRole("button", { name: "1 config failed: show them" }).click();
    expect(await shownHosts(page)).toEqual(["cache1"]);
    await page.locator("#f-config").selectOption("all");
    expect(new URL(page.url()).hash).toBe("");
  }, 60_000);

  test("the tag filter, also in the address", async () => {
    expect(await page.locator("#f-tag option").allTextContents()).toEqual(["Any", "db", "edge", "eu", "web"]);
    await page.locator("#f-tag").selectOption("web");
    expect(await shownHosts(page)).toEqual(["web1", "web2"]);
    expect(new URLSearchParams(new URL(page.url()).hash.slice(1)).get("tag")).toBe("web");
    await page.locator("#f-tag").selectOption("");
    expect(await shownHosts(page)).toHaveLength(7);
  }, 60_000);

  test("the verdict names hosts whose config needs someone", async () => {
    const verdict = (await page.locator("#verdict").textContent()) ?? "";
    // Among each host's reasons: fleetd's alert sweep may have raised edge1's needs_reboot by now.
    for (const [host, why] of [
      ["db1", "config behind"],
      ["edge1", "config dirty"],
      ["cache1", "config failed"],
    ])
      expect(verdict).toMatch(new RegExp(`${host} \\([^)]*\\b${why}\\b[^)]*\\)`));
    expect(verdict).not.toContain("app1");
  }, 60_000);
});

describe("the header and the detail", () => {
  test("a host's detail shows its config and system", async () => {
    await page.locator("a.host-link", { hasText: /^web1$/ }).click();
    await waitFor(async () => (await page.locator("#detail-facts").textContent())?.includes("Store path"), {
      what: "web1's config facts",
    });
    const facts = (await page.locator("#detail-facts").textContent()) ?? "";
    for (const text of [
      "b2b2b2b current",
      B,
      "checkout clean",
      "System: generation 41, built from b2b2b2b",
      "/nix/store/aaaa-nixos-system-web1",
      "e".repeat(64),
      "Tests: passed since the last switch",
      "webeu",
    ])
      expect(facts).toContain(text);
    await page.keyboard.press("Escape");
    await waitFor(() => page.locator("#overview").isVisible(), { what: "the overview" });
  }, 60_000);

  test("the header shows the target and where it came from: the hosts' fetches, then a pin", async () => {
    const header = (await page.locator("#target").textContent()) ?? "";
    expect(header).toContain("Config target b2b2b2b hosts: web1 gets nginx");
    expect(header).toContain("committed");
    expect(header).toContain("newest commit a host fetched");
    await api("POST", "/api/v1/config/target/pin", adminToken, { commit: A });
    await waitFor(async () => (await page.locator("#target").textContent())?.includes("pinned"), {
      what: "the pinned target",
    });
    expect(await page.locator("#target .target-commit").textContent()).toBe("a1a1a1a");
    await waitFor(async () => (await dots("db1")).config!.label.startsWith("Config: current"), {
      what: "db1 current against the pin",
    });
    expect((await dots("web1")).config!.label).toStartWith("Config: behind");
  }, 60_000);
});
