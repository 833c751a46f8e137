// Agent updates on the status board in real Chromium: three compiled v1 agents against a
// fleetd serving v2. The outdated badge clears after an update started from the page, and a
// rollout started from the page (growing batches, as `fleetctl update --all`: the plan shown
// before it starts, the order fleetd made after), paused and resumed, shows live, then halts
// naming the host that failed (one agent is configured with a health grace no new binary can
// meet, so its update is rolled back, as a bad build would be).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { BrowserContext, Page } from "playwright-core";
import { type Binaries, ensureBinaries, TestFleet, waitFor } from "../harness/index.ts";
import { hostRow, launchBrowser, screenshot, shownHosts } from "./browser.ts";

let v2: Binaries;
let fleet: TestFleet;
let browser: BrowserContext;
let page: Page;

const outdatedBadge = (name: string) => hostRow(page, name).locator(".col-agent .badge");

beforeAll(async () => {
  const v1 = await ensureBinaries("1.0.0-test");
  v2 = await ensureBinaries("2.0.0-test");
  fleet = await TestFleet.start(v2, [], { FLEET_LIMITS: JSON.stringify({ updateSoakMs: 1000 }) });
  const update = { healthGraceSeconds: 20, soakSeconds: 1 };
  await fleet.addAgent("ant", { binary: v1.agent, config: { update } });
  await fleet.addAgent("bee", { binary: v1.agent, config: { update } });
  // No new binary can say hello within 50 ms of the swap: cat's updates are always rolled back.
  await fleet.addAgent("cat", {
    binary: v1.agent,
    config: { update: { ...update, healthGraceSeconds: 0.05 } },
  });
  await waitFor(async () => (await fleet.hosts()).filter((h) => h.online).length === 3, {
    what: "three hosts online",
    timeoutMs: 20_000,
  });
  browser = await launchBrowser();
  page = await browser.newPage();
  await page.goto(fleet.boardUrl);
  await page.getByRole("button", { name: "Admin…" }).click();
  await page.getByLabel("Admin token").fill(fleet.adminToken);
  await page.getByRole("button", { name: "Use token" }).click();
  await waitFor(async () => (await page.locator("button[data-action]").count()) > 0, { what: "admin mode" });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await fleet?.stop();
}, 30_000);

describe("agent updates on the board", () => {
  test("the outdated badge shows for v1 agents and clears after an update started from the page", async () => {
    expect(await shownHosts(page)).toEqual(["ant", "bee", "cat"]);
    for (const name of ["ant", "bee", "cat"])
      expect(await outdatedBadge(name).textContent()).toBe("outdated");
    await page.getByRole("button", { name: "update ant" }).click();
    await waitFor(async () => (await outdatedBadge("ant").count()) === 0, {
      what: "ant's outdated badge to clear",
      timeoutMs: 60_000,
      intervalMs: 200,
    });
    expect(await hostRow(page, "ant").locator(".col-agent").textContent()).toContain(v2.version);
    expect(await outdatedBadge("bee").textContent()).toBe("outdated");
    expect(await page.locator("#summary").textContent()).toContain("2Outdated");
    await screenshot(page, "board-after-update");
  }, 90_000);

  test("a rollout started from the page shows live, pauses and resumes, then halts naming the failing host", async () => {
    const look = () =>
      page.evaluate(() => ({
        state: document.querySelector("[data-rollout-state]")?.getAttribute("data-rollout-state") ?? null,
        value: Number(document.querySelector(".rollout-bar progress")?.getAttribute("value") ?? -1),
        hosts: Array.from(document.querySelectorAll(".rollout-hosts li")).map(
          (li) => `${li.querySelector(".rh-name")?.textContent}=${li.getAttribute("data-state")}`,
        ),
      }));
    const seen: string[] = [];
    const record = async () => {
      const now = await look();
      const line = `${now.state} ${now.value} ${now.hosts.join(",")}`;
      if (seen.at(-1) !== line) seen.push(line);
      return now;
    };
    // ant is current now: the plan counts bee and cat, growing batches as `fleetctl update --all`.
    expect(await page.locator("form.rollout-start [data-plan]").textContent()).toBe(
      "Plan for 2 hosts: 1 canary, then 1 batch of 1.",
    );
    await page.getByRole("button", { name: `Start rollout to ${v2.version}` }).click();
    await waitFor(async () => (await record()).state === "running", { what: "rollout running on the page" });
    await screenshot(page, "board-rollout-running");
    await page.getByRole("button", { name: "Pause rollout" }).click();
    await waitFor(async () => (await record()).state === "paused", { what: "rollout paused on the page" });
    await page.getByRole("button", { name: "Resume rollout" }).click();
    const halted = await waitFor(
      async () => {
        const now = await record();
        return now.state === "halted" && now;
      },
      { what: "rollout halted on the page", timeoutMs: 90_000, intervalMs: 100 },
    );
    console.log(`rollout as the page showed it:\n  ${seen.join("\n  ")}`);
    expect(halted.hosts).toEqual(["ant=skipped", "bee=done", "cat=failed"]);
    const values = seen.map((line) => Number(line.split(" ")[1])).filter((v) => v >= 0);
    expect(new Set(values).size).toBeGreaterThanOrEqual(2); // the bar moved while we watched
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(await page.locator(".rollout-reason").textContent()).toContain("halted at cat");
    // Started without a batch size: fleetd planned growing batches, and the panel says so.
    const started = (
      await fleet.api<{ rollout: { options: { batch?: number } } }>("GET", "/api/v1/rollouts/current")
    ).rollout;
    expect(started.options.batch).toBeUndefined();
    expect(await page.locator(".rollout-order").textContent()).toBe(
      "Order: 1 canary, then 1 batch of 1 (growing batches)",
    );
    expect(await page.locator(".rollout-hosts li[data-state=failed]").textContent()).toContain("rolled back");
    expect(await page.locator("#alerts").textContent()).toContain("rollout halted");
    expect(await hostRow(page, "cat").locator(".col-alerts").textContent()).toContain("update of cat");
    expect(await page.getByRole("button", { name: "Pause rollout" }).count()).toBe(0);
    await screenshot(page, "board-rollout-halted");
  }, 120_000);
});
