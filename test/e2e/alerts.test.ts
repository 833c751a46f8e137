// host_offline with real binaries: a real agent killed (its service down) raises the alert once it
// has been offline offlineAlertSeconds, not before; started again, it comes back and the alert
// resolves itself. Both shown by the real fleetctl and audited. Limits shortened by FLEET_LIMITS.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { type Binaries, ensureBinaries, type TestAgent, TestFleet, waitFor } from "../harness/index.ts";

const OFFLINE_ALERT_SECONDS = 3;
let bins: Binaries;
let fleet: TestFleet;
let agent: TestAgent;

beforeAll(async () => {
  bins = await ensureBinaries();
  const limits = {
    offlineGraceMs: 1000,
    offlineAlertSeconds: OFFLINE_ALERT_SECONDS,
    alertCheckIntervalMs: 500,
  };
  fleet = await TestFleet.start(bins, [], { FLEET_LIMITS: JSON.stringify(limits) });
  agent = await fleet.addAgent("web1");
  await waitFor(async () => (await fleet.host("web1"))?.online, { what: "web1 online", timeoutMs: 30_000 });
}, 300_000);

afterAll(async () => {
  await fleet?.stop();
});

const openAlerts = async () => (await fleet.fleetctlJson<{ alerts: any[] }>(["alerts"])).alerts;

test("a killed agent raises host_offline after offlineAlertSeconds; back online resolves it", async () => {
  const web1 = await fleet.host("web1");
  expect(await openAlerts()).toEqual([]);
  await agent.halt();
  await waitFor(async () => (await fleet.host("web1")).online === false, {
    what: "web1 offline",
    timeoutMs: 15_000,
    intervalMs: 100,
  });
  const offlineAt = performance.now();
  // Offline, but not yet for the threshold: no alert.
  expect(await openAlerts()).toEqual([]);
  const [alert] = await waitFor(
    async () => {
      const open = await openAlerts();
      return open.length ? open : null;
    },
    { what: "host_offline raised", timeoutMs: 15_000, intervalMs: 200 },
  );
  const after = (performance.now() - offlineAt) / 1000;
  console.log(`host_offline raised ${after.toFixed(1)} s after web1 showed offline`);
  expect(after).toBeGreaterThanOrEqual(OFFLINE_ALERT_SECONDS - 1.5);
  expect(alert).toMatchObject({ kind: "host_offline", subject: web1.id, silenced: false });
  expect(alert.message).toMatch(/^web1 has been offline for \d+ s \(last seen \d\d:\d\d UTC\); check /);
  const table = await fleet.fleetctl(["alerts"]);
  expect(table.code).toBe(0);
  expect(table.stdout).toContain("host_offline");
  expect(table.stdout).toContain("web1");

  agent.supervise();
  await waitFor(async () => (await openAlerts()).length === 0, {
    what: "host_offline resolved",
    timeoutMs: 30_000,
    intervalMs: 200,
  });
  const [resolved] = (await fleet.fleetctlJson<{ alerts: any[] }>(["alerts", "--all"])).alerts;
  expect(resolved).toMatchObject({ id: alert.id, resolution: "web1 is back online" });
  const audit = await fleet.api<{ entries: { action: string; target?: string }[] }>(
    "GET",
    "/api/v1/audit?limit=100",
  );
  const about = audit.entries.filter((e) => e.target === alert.id).map((e) => e.action);
  expect(about.sort()).toEqual(["alert.raised", "alert.resolved"]);
}, 120_000);
