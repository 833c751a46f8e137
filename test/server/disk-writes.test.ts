// What fleetd writes to its data dir, and when: a steady fleet costs no writes per poll (found by
// the 10,000-host benchmark, bench/: hosts.json was rewritten whole every 5 s), a host going
// offline or first seen is written, a command dispatched into a held poll takes one write, and a
// write serializes only the records that changed.
import { afterEach, expect, test } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { GroupCommit, PACED_FROM_BYTES } from "../../server/store/group-commit.ts";
import { collectionJson } from "../../server/store/record-json.ts";
import { enroll, helloBody, sleep, startTestApp, type TestApp, tempDir, waitFor } from "./helpers.ts";

let app: TestApp | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

/** writeFileAtomic renames a new file into place: a new inode means the file was rewritten. */
const inode = (path: string) => statSync(path).ino;
const diskHost = (dataDir: string, id: string) =>
  JSON.parse(readFileSync(join(dataDir, "hosts.json"), "utf8")).hosts.find(
    (h: { id: string }) => h.id === id,
  );

test("polls of a host already seen do not rewrite hosts.json; the host going offline does", async () => {
  app = await startTestApp({
    lastSeenFlushMs: 30,
    sweepIntervalMs: 30,
    pollWindowMs: 150,
    offlineGraceMs: 50,
  });
  const { hostId, hostToken } = await enroll(app, "web-1");
  await app.call("POST", "/api/v1/agent/hello", { token: hostToken, json: helloBody() });
  const hostsFile = join(app.dataDir, "hosts.json");
  const before = inode(hostsFile);
  for (let i = 0; i < 5; i++) {
    await app.call("GET", "/api/v1/agent/poll?wait=0", { token: hostToken });
    await sleep(40);
  }
  expect(inode(hostsFile)).toBe(before);

  const seen = app.fleet.ctx.store.getHost(hostId)!.lastSeen;
  await waitFor(() => inode(hostsFile) !== before, 3000, "hosts.json written once the host is offline");
  expect(app.fleet.ctx.presence.isOnline(hostId)).toBe(false);
  expect(diskHost(app.dataDir, hostId).lastSeen).toBe(seen);
});

test("a host's first sighting is written with the next batch", async () => {
  app = await startTestApp({ lastSeenFlushMs: 30 });
  const { hostId, hostToken } = await enroll(app, "web-1");
  expect(diskHost(app.dataDir, hostId).lastSeen).toBeNull();
  await app.call("GET", "/api/v1/agent/poll?wait=0", { token: hostToken });
  await waitFor(() => diskHost(app!.dataDir, hostId).lastSeen !== null, 2000, "first lastSeen on disk");
});

test("lastSeen of a host that stays online reaches disk at the checkpoint", async () => {
  app = await startTestApp({ lastSeenFlushMs: 30, lastSeenCheckpointMs: 300, pollWindowMs: 5000 });
  const { hostId, hostToken } = await enroll(app, "web-1");
  await app.call("POST", "/api/v1/agent/hello", { token: hostToken, json: helloBody() });
  const written = diskHost(app.dataDir, hostId).lastSeen;
  await sleep(20);
  await app.call("GET", "/api/v1/agent/poll?wait=0", { token: hostToken });
  const latest = app.fleet.ctx.store.getHost(hostId)!.lastSeen;
  expect(latest).not.toBe(written);
  await waitFor(() => diskHost(app!.dataDir, hostId).lastSeen === latest, 3000, "checkpoint");
});

test("a hello that changes nothing but lastSeen does not rewrite hosts.json; a new version does", async () => {
  app = await startTestApp({ lastSeenFlushMs: 60_000 });
  const { hostId, hostToken } = await enroll(app, "web-1");
  const hello = (overrides = {}) =>
    app!.call("POST", "/api/v1/agent/hello", { token: hostToken, json: helloBody(overrides) });
  await hello();
  const hostsFile = join(app.dataDir, "hosts.json");
  const before = inode(hostsFile);
  expect((await hello()).status).toBe(200);
  expect(inode(hostsFile)).toBe(before);
  expect((await hello({ version: "1.2.4" })).status).toBe(200);
  expect(inode(hostsFile)).not.toBe(before);
  expect(diskHost(app.dataDir, hostId).version).toBe("1.2.4");
});

test("a job for a host holding a poll is created and dispatched by one durable write", async () => {
  app = await startTestApp({ pollWindowMs: 5000 });
  const { hostId, hostToken } = await enroll(app, "web-1");
  const poll = app.call("GET", "/api/v1/agent/poll", { token: hostToken });
  await sleep(20);
  const created = await app.call("POST", `/api/v1/hosts/${hostId}/jobs`, {
    token: app.adminToken,
    json: { op: "pull" },
  });
  expect(created.status).toBe(201);
  // By the time the operator hears "created", the write on disk already says "dispatched".
  const onDisk = JSON.parse(readFileSync(join(app.dataDir, "jobs.json"), "utf8")).jobs;
  expect(onDisk).toEqual([expect.objectContaining({ id: created.body.job.id, state: "dispatched" })]);
  expect((await poll).body.command).toMatchObject({ type: "run", jobId: created.body.job.id, op: "pull" });
});

test("a collection is written as JSON.stringify would, reusing each unchanged record's JSON", () => {
  const a = { id: "a", os: { name: "Linux" }, n: 1 };
  const b = { id: "b", os: null, n: 2 };
  expect(collectionJson("hosts", [a, b])).toBe(`${JSON.stringify({ hosts: [a, b] })}\n`);
  expect(JSON.parse(collectionJson("hosts", []))).toEqual({ hosts: [] });
  // The cached JSON stays right because a written record cannot change in place.
  expect(() => {
    (a as { n: number }).n = 3;
  }).toThrow(TypeError);
  expect(collectionJson("hosts", [a])).toBe(`${JSON.stringify({ hosts: [a] })}\n`);
});

test("a large file changed turn after turn is written less often than it changes, each change durable when acked", async () => {
  const path = join(tempDir(), "big.json");
  let version = 0;
  let writes = 0;
  const pad = "x".repeat(PACED_FROM_BYTES);
  const file = new GroupCommit(
    path,
    () => {
      writes++;
      return JSON.stringify({ version, pad });
    },
    0o600,
    () => {},
  );
  const acked: Promise<number>[] = [];
  for (let i = 0; i < 30; i++) {
    version = i;
    const seen = i;
    acked.push(file.commit().then(() => JSON.parse(readFileSync(path, "utf8")).version - seen));
    await new Promise((resolve) => setImmediate(resolve));
  }
  // Every ack comes once a write carrying that change (or a later one) is on disk.
  for (const behind of await Promise.all(acked)) expect(behind).toBeGreaterThanOrEqual(0);
  expect(writes).toBeLessThan(30);
});
