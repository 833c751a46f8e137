// Host vitals through the real API: a sample is kept once however often it is sent, a host's hour
// stays bounded whatever it sends, bad samples are refused whole with nothing kept, vitals reach
// the host list, its detail and the board's vitals, the snapshot is written coalesced and read back after a
// restart, and disk_full opens and closes with the fullest disk.
import { afterEach, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MAX_BODY_BYTES } from "../../protocol/common.ts";
import { VITALS_FILE } from "../../server/services/vitals/book.ts";
import {
  enroll,
  fingerprintDir,
  removeTempDirs,
  startTestApp,
  type TestApp,
  tempDir,
  vitalsBody,
} from "./helpers.ts";

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
  removeTempDirs();
});

/** No batched write (lastSeen, first sightings, vitals snapshot) fires while a test runs. */
const quietApp = (overrides: Record<string, unknown> = {}, dataDir?: string) =>
  startTestApp(
    {
      lastSeenFlushMs: 3_600_000,
      lastSeenCheckpointMs: 3_600_000,
      vitalsSnapshotMs: 3_600_000,
      ...overrides,
    },
    dataDir,
  );

const minutesAgo = (m: number, base = Date.now()) => new Date(base - m * 60_000).toISOString();

async function send(a: TestApp, token: string, body: unknown) {
  return a.call("POST", "/api/v1/agent/vitals", { token, json: body });
}

test("a sample sent twice is kept once, a late one changes nothing, and no message writes to disk", async () => {
  app = await quietApp();
  const host = await enroll(app, "web1");
  const before = fingerprintDir(app.dataDir);
  const first = vitalsBody(minutesAgo(2));
  expect((await send(app, host.hostToken, first)).status).toBe(200);
  const kept = app.fleet.ctx.vitals.last(host.hostId);
  expect(kept).toEqual(first);
  expect((await send(app, host.hostToken, first)).status).toBe(200);
  expect((await send(app, host.hostToken, vitalsBody(minutesAgo(3), 99))).status).toBe(200);
  // Not even in memory: the kept sample is the first one's object, and the hour has one point.
  expect(app.fleet.ctx.vitals.last(host.hostId)).toBe(kept);
  const detail = await app.call("GET", `/api/v1/hosts/${host.hostId}`, { token: app.adminToken });
  expect(detail.body.vitals).toEqual([
    { at: first.at, load1: 0.5, cpuPercent: 12.5, memoryPercent: 25, diskPercent: 40 },
  ]);
  expect(fingerprintDir(app.dataDir)).toEqual(before);
});

test("a host's hour holds one point per minute and only the last hour, whatever it sends", async () => {
  app = await quietApp();
  const host = await enroll(app, "chatty");
  const start = Date.now() - 3 * 3_600_000;
  // Three hours of a sample every 10 s: 1,080 samples.
  for (let i = 0; i < 1080; i++) {
    const at = new Date(start + i * 10_000).toISOString();
    const reply = await send(app, host.hostToken, vitalsBody(at, 40, { cpuPercent: i % 100 }));
    expect(reply.status).toBe(200);
  }
  const hour = app.fleet.ctx.vitals.hour(host.hostId);
  expect(hour.length).toBe(60);
  const newest = Date.parse(hour.at(-1)!.at);
  expect(newest).toBe(start + 1079 * 10_000);
  expect(newest - Date.parse(hour[0]!.at)).toBeLessThan(3_600_000);
  const ats = hour.map((p) => Date.parse(p.at));
  expect(ats).toEqual([...ats].sort((a, b) => a - b));
  // One per minute: the last sample of each.
  expect(new Set(ats.map((at) => Math.floor(at / 60_000))).size).toBe(60);
  const list = await app.call("GET", "/api/v1/hosts", { token: app.adminToken });
  expect(list.body.hosts[0].vitals.at).toBe(new Date(newest).toISOString());
  const board = await app.call("GET", "/api/v1/board/vitals", { token: app.adminToken });
  const vitals = board.body.hosts[host.hostId];
  expect(vitals.cpu.length).toBe(12);
  expect(vitals).toMatchObject({ cpuPercent: 79, memoryPercent: 25, diskPercent: 40 });
});

test("bad samples are refused whole and nothing is kept", async () => {
  app = await quietApp();
  const host = await enroll(app, "web1");
  const good = vitalsBody(minutesAgo(5));
  expect((await send(app, host.hostToken, good)).status).toBe(200);
  const kept = app.fleet.ctx.vitals.last(host.hostId);
  const before = fingerprintDir(app.dataDir);
  const root = good.disks.root;
  const bad: [string, unknown][] = [
    ["cpu as text", { ...good, at: minutesAgo(1), cpuPercent: "12" }],
    ["cpu over 100", { ...good, at: minutesAgo(1), cpuPercent: 100.5 }],
    ["a negative load", { ...good, at: minutesAgo(1), load: [-1, 0, 0] }],
    ["two load averages", { ...good, at: minutesAgo(1), load: [1, 1] }],
    ["a negative byte count", { ...good, at: minutesAgo(1), memory: { totalBytes: -1, availableBytes: 0 } }],
    ["fractional bytes", { ...good, at: minutesAgo(1), swap: { totalBytes: 1.5, freeBytes: 0 } }],
    [
      "an exabyte-sized disk",
      { ...good, at: minutesAgo(1), disks: { ...good.disks, root: { ...root, totalBytes: 2 ** 61 } } },
    ],
    ["a missing disks object", { ...good, at: minutesAgo(1), disks: undefined }],
    [
      "an oversize disk path",
      { ...good, at: minutesAgo(1), disks: { ...good.disks, nix: { ...root, path: "/".repeat(1025) } } },
    ],
    ["no timestamp", { ...good, at: "yesterday" }],
    ["NaN as null where a number is required", { ...good, at: minutesAgo(1), uptimeSeconds: "NaN" }],
  ];
  for (const [what, body] of bad) {
    const reply = await send(app, host.hostToken, body);
    expect({ what, status: reply.status, code: reply.body.error?.code }).toEqual({
      what,
      status: 400,
      code: "validation_failed",
    });
  }
  for (const raw of ['{"at": NaN}', `{"cpuPercent": ${"9".repeat(400)}}`]) {
    const reply = await app.call("POST", "/api/v1/agent/vitals", { token: host.hostToken, body: raw });
    expect(reply.status).toBe(400);
  }
  const ahead = await send(app, host.hostToken, vitalsBody(new Date(Date.now() + 600_000).toISOString()));
  expect(ahead.status).toBe(400);
  expect(ahead.body.error.message).toContain("ahead of fleetd's clock");
  const huge = await app.call("POST", "/api/v1/agent/vitals", {
    token: host.hostToken,
    body: JSON.stringify({ ...good, pad: "x".repeat(MAX_BODY_BYTES) }),
  });
  expect(huge.status).toBe(413);
  expect(app.fleet.ctx.vitals.last(host.hostId)).toBe(kept);
  expect(app.fleet.ctx.vitals.hour(host.hostId).length).toBe(1);
  expect(fingerprintDir(app.dataDir)).toEqual(before);
});

test("an unknown, missing or revoked token is refused like on every agent route", async () => {
  app = await quietApp();
  const gone = await enroll(app, "gone");
  await app.call("POST", `/api/v1/hosts/${gone.hostId}/revoke`, { token: app.adminToken });
  for (const token of [undefined, "ht_not-a-token", gone.hostToken, app.adminToken]) {
    const reply = await send(app, token as string, vitalsBody());
    expect(reply.status).toBe(token === app.adminToken ? 403 : 401);
  }
  expect(app.fleet.ctx.vitals.last(gone.hostId)).toBeNull();
  // A deleted host's vitals go with it, and its token sends no more.
  const deleted = await enroll(app, "deleted");
  expect((await send(app, deleted.hostToken, vitalsBody())).status).toBe(200);
  await app.call("DELETE", `/api/v1/hosts/${deleted.hostId}`, { token: app.adminToken });
  expect(app.fleet.ctx.vitals.last(deleted.hostId)).toBeNull();
  expect((await send(app, deleted.hostToken, vitalsBody())).status).toBe(401);
});

test("vitals are snapshotted coalesced, read back after a restart, and a damaged snapshot is set aside", async () => {
  const dataDir = tempDir();
  app = await quietApp({ vitalsSnapshotMs: 300 }, dataDir);
  const web1 = await enroll(app, "web1");
  const web2 = await enroll(app, "web2");
  const path = join(dataDir, VITALS_FILE);
  const lastSent: Record<string, unknown> = {};
  for (let i = 0; i < 20; i++) {
    for (const [host, used] of [
      [web1, 40],
      [web2, 50],
    ] as const) {
      lastSent[host.hostId] = vitalsBody(minutesAgo(20 - i), used);
      await send(app, host.hostToken, lastSent[host.hostId]);
    }
  }
  // 40 messages, and no write yet: the snapshot comes on its own timer.
  expect(existsSync(path)).toBe(false);
  await Bun.sleep(700);
  const snapshot = JSON.parse(readFileSync(path, "utf8"));
  expect(snapshot.hosts).toEqual(lastSent);
  await app.close();
  // A host deleted after the snapshot, by a fleetd that crashed before the next: not brought back.
  snapshot.hosts.h_deleted = lastSent[web1.hostId];
  writeFileSync(path, JSON.stringify(snapshot));
  app = await quietApp({}, dataDir);
  expect(app.fleet.ctx.vitals.last(web2.hostId)).toEqual(snapshot.hosts[web2.hostId]);
  expect(app.fleet.ctx.vitals.last("h_deleted")).toBeNull();
  const list = await app.call("GET", "/api/v1/hosts", { token: app.adminToken });
  expect(list.body.hosts.map((h: { vitals: unknown }) => h.vitals)).toEqual(
    [web1, web2].map((h) => snapshot.hosts[h.hostId]),
  );
  await app.close();
  writeFileSync(path, "{ torn");
  app = await quietApp({}, dataDir);
  expect(app.fleet.ctx.vitals.last(web1.hostId)).toBeNull();
});

test("disk_full opens over the limit once, stays quiet while full, and resolves under it", async () => {
  app = await quietApp({ diskFullPercent: 70 });
  const host = await enroll(app, "db1");
  const alerts = async () =>
    (await app!.call("GET", "/api/v1/alerts?all=1", { token: app!.adminToken })).body.alerts;
  await send(app, host.hostToken, vitalsBody(minutesAgo(10), 69));
  expect(await alerts()).toEqual([]);
  await send(app, host.hostToken, vitalsBody(minutesAgo(9), 80));
  const [raised] = await alerts();
  expect(raised).toMatchObject({ kind: "disk_full", subject: host.hostId });
  expect(raised.message).toBe("/ on db1 is 80 % full (limit 70 %)");
  const before = fingerprintDir(app.dataDir);
  await send(app, host.hostToken, vitalsBody(minutesAgo(8), 85));
  expect(await alerts()).toEqual([raised]);
  expect(fingerprintDir(app.dataDir)).toEqual(before);
  // Just under the limit is within the margin: a disk hovering at the limit does not flap.
  await send(app, host.hostToken, vitalsBody(minutesAgo(7), 69.5));
  expect((await alerts())[0].resolvedAt).toBeUndefined();
  await send(app, host.hostToken, vitalsBody(minutesAgo(6), 50));
  const [resolved] = await alerts();
  expect(resolved.id).toBe(raised.id);
  expect(resolved.resolution).toBe("/ is 50 % full");
  const board = await app.call("GET", "/api/v1/board", { token: app.adminToken });
  expect(board.body.alerts).toEqual([]);
});
