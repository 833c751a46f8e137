// The once-a-second sweep as operators read it in fleetd's log: each host going online or offline
// on a line of its own, and a mass change (a network blip, fleetd restarting) as one line.
import { afterEach, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createConsola } from "consola";
import { createApp, type FleetApp } from "../../server/app.ts";
import { LocalPresence } from "../../server/coordinator/local-presence.ts";
import { sweep } from "../../server/services/sweeper.ts";
import { callApp, helloBody, removeTempDirs, tempDir, testConfig } from "./helpers.ts";

let fleet: FleetApp | undefined;
afterEach(async () => {
  await fleet?.close();
  fleet = undefined;
  removeTempDirs();
});

async function fleetOf(count: number) {
  const lines: string[] = [];
  const log = createConsola({ level: 3, reporters: [{ log: (e) => void lines.push(e.args.join(" ")) }] });
  fleet = await createApp({
    config: testConfig(tempDir(), { sweepIntervalMs: 3_600_000, offlineAlertSeconds: 1e9 }),
    log,
  });
  const admin = readFileSync(join(fleet.ctx.store.dataDir, "admin-token"), "utf8").trim();
  for (let i = 0; i < count; i++) {
    const { token } = (await callApp(fleet, "POST", "/api/v1/enroll-tokens", { token: admin, json: {} }))
      .body;
    const host = (await callApp(fleet, "POST", "/api/v1/enroll", { json: { token, name: `web-${i}` } })).body;
    await callApp(fleet, "POST", "/api/v1/agent/hello", { token: host.hostToken, json: helloBody() });
  }
  const wasOnline = new Map<string, boolean>();
  sweep(fleet.ctx, wasOnline);
  lines.length = 0;
  return { lines, goOffline: () => sweep(fleet!.ctx, wasOnline, Date.now() + 3_600_000) };
}

test("a few hosts going offline are logged one by one", async () => {
  const { lines, goOffline } = await fleetOf(3);
  goOffline();
  expect(lines.filter((l) => l.includes("offline")).sort()).toEqual(
    [0, 1, 2].map((i) => expect.stringMatching(new RegExp(`^host web-${i} \\(h_[a-z2-7]+\\) is offline$`))),
  );
});

test("many hosts going offline at once are logged as one line naming the first ten", async () => {
  const { lines, goOffline } = await fleetOf(15);
  goOffline();
  const offline = lines.filter((l) => l.includes("offline"));
  expect(offline).toHaveLength(1);
  expect(offline[0]).toStartWith("15 hosts are offline: web-0 (h_");
  expect(offline[0]).toEndWith(" and 5 more");
  expect(offline[0]!.match(/web-\d+/g)).toHaveLength(10);
});

test("the sweep looks only at hosts whose state can change: not those holding a poll", () => {
  const presence = new LocalPresence({ offlineGraceMs: 10_000 });
  for (let i = 0; i < 100; i++) presence.hold(`h_${i}`);
  expect(presence.takeCandidates().size).toBe(100); // each was just touched
  expect(presence.takeCandidates().size).toBe(0); // all hold polls: none can go offline
  presence.release("h_1", "answered");
  presence.seen("h_2");
  presence.seen("h_new");
  expect([...presence.takeCandidates()].sort()).toEqual(["h_1", "h_2", "h_new"]);
  // Without a poll held, h_1 and h_new stay candidates until they hold one again.
  expect([...presence.takeCandidates()].sort()).toEqual(["h_1", "h_new"]);
  presence.hold("h_1");
  presence.forget("h_new");
  expect([...presence.takeCandidates()]).toEqual(["h_1"]);
  expect(presence.takeCandidates().size).toBe(0);
});
