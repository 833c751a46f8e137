// What fleetd writes to its data dir, and when: a steady fleet costs no writes per poll (found by
// the 10,000-host benchmark, bench/: hosts.json was rewritten whole every 5 s), a host going
// offline or first seen is written, a change appends the changed record to the collection's
// journal instead of rewriting the collection, and a command dispatched into a held poll takes
// one write.
import { afterEach, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { GroupCommit, PACED_FROM_BYTES } from "../../server/store/group-commit.ts";
import { COMPACT_FROM_BYTES } from "../../server/store/journal.ts";
import { readCollection } from "../../server/store/json-store.ts";
import { collectionJson } from "../../server/store/record-json.ts";
import { enroll, helloBody, sleep, startTestApp, type TestApp, tempDir, waitFor } from "./helpers.ts";

let app: TestApp | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

/** writeFileAtomic renames a new file into place: a new inode means the file was rewritten. */
const inode = (path: string) => (existsSync(path) ? statSync(path).ino : 0);
const size = (path: string) => (existsSync(path) ? statSync(path).size : 0);
/** The host as fleetd would find it on disk at its next start. */
const diskHost = (dataDir: string, id: string): any =>
  readCollection(dataDir, "hosts").find((h: any) => h.id === id);
/** Everything fleetd wrote for hosts: the snapshot's inode and the journal's size. */
const hostsWrites = (dataDir: string) =>
  `${inode(join(dataDir, "hosts.json"))}/${size(join(dataDir, "hosts.journal.jsonl"))}`;

test("polls of a host already seen write nothing; the host going offline is written", async () => {
  app = await startTestApp({
    lastSeenFlushMs: 30,
    sweepIntervalMs: 30,
    pollWindowMs: 150,
    // Longer than the 40 ms between polls: an answered host is online only this long (coordinator/local-presence.ts).
    offlineGraceMs: 150,
  });
  const { hostId, hostToken } = await enroll(app, "web-1");
  await app.call("POST", "/api/v1/agent/hello", { token: hostToken, json: helloBody() });
  await sleep(40);
  const before = hostsWrites(app.dataDir);
  for (let i = 0; i < 5; i++) {
    await app.call("GET", "/api/v1/agent/poll?wait=0", { token: hostToken });
    await sleep(40);
  }
  expect(hostsWrites(app.dataDir)).toBe(before);

  const seen = app.fleet.ctx.store.getHost(hostId)!.lastSeen;
  await waitFor(() => hostsWrites(app!.dataDir) !== before, 3000, "the host written once it is offline");
  expect(app.fleet.ctx.coordinator.presence.isOnline(hostId)).toBe(false);
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
  await sleep(1100); // lastSeen is kept to the second
  await app.call("GET", "/api/v1/agent/poll?wait=0", { token: hostToken });
  const latest = app.fleet.ctx.store.getHost(hostId)!.lastSeen;
  expect(latest).not.toBe(written);
  await waitFor(() => diskHost(app!.dataDir, hostId).lastSeen === latest, 3000, "checkpoint");
});

test("a hello that changes nothing but lastSeen writes nothing; a new version appends that host alone", async () => {
  app = await startTestApp({ lastSeenFlushMs: 60_000 });
  for (let i = 0; i < 50; i++) await enroll(app, `other-${i}`);
  const { hostId, hostToken } = await enroll(app, "web-1");
  const hello = (overrides = {}) =>
    app!.call("POST", "/api/v1/agent/hello", { token: hostToken, json: helloBody(overrides) });
  await hello();
  const snapshot = join(app.dataDir, "hosts.json");
  const journal = join(app.dataDir, "hosts.journal.jsonl");
  const before = hostsWrites(app.dataDir);
  expect((await hello()).status).toBe(200);
  expect(hostsWrites(app.dataDir)).toBe(before);

  const journalBefore = size(journal);
  const snapshotInode = inode(snapshot);
  expect((await hello({ version: "1.2.4" })).status).toBe(200);
  expect(diskHost(app.dataDir, hostId).version).toBe("1.2.4");
  // One line with one host, not the 51 hosts rewritten.
  const grew = size(journal) - journalBefore;
  const oneHost = JSON.stringify(app.fleet.ctx.store.getHost(hostId)).length;
  expect(grew).toBeGreaterThan(oneHost);
  expect(grew).toBeLessThan(oneHost + 40);
  expect(inode(snapshot)).toBe(snapshotInode);
});

test("a journal that outgrows its snapshot is folded into it, and a restart reads the same state", async () => {
  app = await startTestApp();
  const { hostId } = await enroll(app, "web-1");
  const journal = join(app.dataDir, "jobs.journal.jsonl");
  let lastId = "";
  // Enough job changes to pass the compaction threshold at least once.
  while (true) {
    const before = size(journal);
    const created = await app.call("POST", `/api/v1/hosts/${hostId}/jobs`, {
      token: app.adminToken,
      // Big records: update is the op whose args carry free text (the version it targets).
      json: { op: "update", args: { version: "x".repeat(2000), sha256: "a".repeat(64) } },
    });
    expect(created.status).toBe(201);
    lastId = created.body.job.id;
    if (size(journal) < before) break;
    expect(size(journal)).toBeLessThan(2 * COMPACT_FROM_BYTES);
  }
  const inMemory = app.fleet.ctx.store.listJobs({ limit: 10_000 }).map((j) => j.id);
  expect(inMemory).toContain(lastId);
  expect(
    readCollection(app.dataDir, "jobs")
      .map((j: any) => j.id)
      .reverse(),
  ).toEqual(inMemory);
  const dataDir = app.dataDir;
  await app.close();
  app = await startTestApp({}, dataDir);
  expect(app.fleet.ctx.store.listJobs({ limit: 10_000 }).map((j) => j.id)).toEqual(inMemory);
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
  const onDisk = readCollection(app.dataDir, "jobs");
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
    { onWriteError: () => {} },
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
