// The data directory across restarts and crashes: state survives, crash leftovers are cleaned,
// a damaged state file stops the start instead of being silently reset.
import { afterEach, expect, test } from "bun:test";
import { appendFileSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createApp } from "../../server/app.ts";
import { AuditLog } from "../../server/store/audit-log.ts";
import { openJsonStore, readCollection } from "../../server/store/json-store.ts";
import { StoreCorruptError } from "../../server/store/load.ts";
import {
  enroll,
  helloBody,
  outputLine,
  removeTempDirs,
  silentLog,
  startTestApp,
  type TestApp,
  tempDir,
  testConfig,
} from "./helpers.ts";

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
  removeTempDirs();
});

test("first start creates a private data dir, the admin token file (0600) and only its hash in secrets.json", async () => {
  const dataDir = join(tempDir(), "fresh", "data");
  app = await startTestApp({}, dataDir);
  expect(statSync(dataDir).mode & 0o777).toBe(0o700);
  const tokenFile = join(dataDir, "admin-token");
  expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
  expect(app.adminToken).toMatch(/^fa_[A-Za-z0-9_-]{43}$/);
  expect(app.fleet.newAdminToken).toBe(app.adminToken);
  const secrets = readFileSync(join(dataDir, "secrets.json"), "utf8");
  expect(statSync(join(dataDir, "secrets.json")).mode & 0o777).toBe(0o600);
  expect(secrets).not.toContain(app.adminToken);
  expect(JSON.parse(secrets).adminTokenHash).toMatch(/^[0-9a-f]{64}$/);
  expect((await app.call("GET", "/api/v1/hosts", { token: app.adminToken })).status).toBe(200);

  // The second start keeps the token and does not hand it out again.
  await app.close();
  app = await startTestApp({}, dataDir);
  expect(app.fleet.newAdminToken).toBeNull();
  expect((await app.call("GET", "/api/v1/hosts", { token: app.adminToken })).status).toBe(200);
});

test("a restart keeps hosts, jobs, output and tokens", async () => {
  app = await startTestApp();
  const { dataDir } = app;
  const host = await enroll(app, "web-1");
  await app.call("POST", "/api/v1/agent/hello", { token: host.hostToken, json: helloBody() });
  const job = (
    await app.call("POST", `/api/v1/hosts/${host.hostId}/jobs`, {
      token: app.adminToken,
      json: { op: "pull" },
    })
  ).body.job;
  await app.call("GET", "/api/v1/agent/poll?wait=0", { token: host.hostToken });
  await app.call("POST", `/api/v1/agent/jobs/${job.id}/events`, {
    token: host.hostToken,
    json: { started: true, output: [outputLine(0), outputLine(1)] },
  });
  await app.close();

  app = await startTestApp({}, dataDir);
  const hosts = (await app.call("GET", "/api/v1/hosts", { token: app.adminToken })).body.hosts;
  expect(hosts).toEqual([expect.objectContaining({ id: host.hostId, name: "web-1", version: "1.2.3" })]);
  expect(hosts[0].lastSeen).toBeString();
  const detail = (await app.call("GET", `/api/v1/jobs/${job.id}`, { token: app.adminToken })).body;
  expect(detail.job).toMatchObject({ state: "running", nextSeq: 2 });
  expect(detail.output.map((l: { seq: number }) => l.seq)).toEqual([0, 1]);
  // The host token still works, and a retried batch is still recognised as already stored.
  const ack = await app.call("POST", `/api/v1/agent/jobs/${job.id}/events`, {
    token: host.hostToken,
    json: { output: [outputLine(1), outputLine(2)] },
  });
  expect(ack.body).toEqual({ nextSeq: 3 });
});

test("output written just before a crash that jobs.json never heard of is neither lost nor duplicated", async () => {
  app = await startTestApp();
  const { dataDir } = app;
  const host = await enroll(app, "web-1");
  const job = (
    await app.call("POST", `/api/v1/hosts/${host.hostId}/jobs`, {
      token: app.adminToken,
      json: { op: "pull" },
    })
  ).body.job;
  await app.call("GET", "/api/v1/agent/poll?wait=0", { token: host.hostToken });
  await app.call("POST", `/api/v1/agent/jobs/${job.id}/events`, {
    token: host.hostToken,
    json: { output: [outputLine(0)] },
  });
  await app.close();

  // As if fleetd appended seq 1 and 2, then died before writing jobs.json, leaving a torn line too.
  const outputFile = join(dataDir, "output", `${job.id}.jsonl`);
  appendFileSync(
    outputFile,
    `${JSON.stringify(outputLine(1))}\n${JSON.stringify(outputLine(2))}\n{"seq":3,"ts":"20`,
  );

  app = await startTestApp({}, dataDir);
  const detail = (await app.call("GET", `/api/v1/jobs/${job.id}`, { token: app.adminToken })).body;
  expect(detail.job.nextSeq).toBe(3);
  expect(detail.output.map((l: { seq: number }) => l.seq)).toEqual([0, 1, 2]);
  // The agent retries 1..3: only 3 is new, and it lands on a clean line.
  const ack = await app.call("POST", `/api/v1/agent/jobs/${job.id}/events`, {
    token: host.hostToken,
    json: { output: [outputLine(1), outputLine(2), outputLine(3)] },
  });
  expect(ack.body).toEqual({ nextSeq: 4 });
  const again = (await app.call("GET", `/api/v1/jobs/${job.id}`, { token: app.adminToken })).body;
  expect(again.output.map((l: { seq: number }) => l.seq)).toEqual([0, 1, 2, 3]);
  for (const line of readFileSync(outputFile, "utf8").trim().split("\n"))
    expect(() => JSON.parse(line)).not.toThrow();
});

test("temp files left by a crash are removed at start", async () => {
  app = await startTestApp();
  const { dataDir } = app;
  await app.close();
  const leftovers = [join(dataDir, "hosts.json.tmp-123-0"), join(dataDir, "output", "j_x.jsonl.tmp-9-4")];
  for (const path of leftovers) writeFileSync(path, "half");
  app = await startTestApp({}, dataDir);
  for (const path of leftovers) expect(existsSync(path)).toBe(false);
});

test("a damaged hosts.json stops the start with a message naming the file", async () => {
  app = await startTestApp();
  const { dataDir } = app;
  await enroll(app, "web-1");
  await app.close();
  app = undefined;
  const hostsFile = join(dataDir, "hosts.json");
  const intact = readFileSync(hostsFile, "utf8");

  writeFileSync(hostsFile, intact.slice(0, intact.length / 2));
  const start = () => createApp({ config: testConfig(dataDir), log: silentLog });
  await expect(start()).rejects.toThrow(StoreCorruptError);
  await expect(start()).rejects.toThrow(`${hostsFile} is damaged (not valid JSON`);
  // The damaged file is left for the operator, not replaced.
  expect(readFileSync(hostsFile, "utf8")).toBe(intact.slice(0, intact.length / 2));

  writeFileSync(hostsFile, JSON.stringify({ hosts: [{ id: "h_1", name: 5 }] }));
  await expect(start()).rejects.toThrow(/hosts\.json is damaged \(unexpected content at hosts\.0\./);
});

test("the audit log rotates past its size cap and listing reaches into the rotated file", async () => {
  app = await startTestApp({ auditMaxBytes: 600 });
  for (let i = 0; i < 8; i++)
    await app.call("POST", "/api/v1/enroll-tokens", { token: app.adminToken, json: { note: `n${i}` } });
  expect(existsSync(join(app.dataDir, "audit.1.jsonl"))).toBe(true);
  expect(statSync(join(app.dataDir, "audit.jsonl")).size).toBeLessThanOrEqual(600);
  const entries = (await app.call("GET", "/api/v1/audit?limit=5", { token: app.adminToken })).body.entries;
  expect(entries.map((e: { details: { note: string } }) => e.details.note)).toEqual([
    "n7",
    "n6",
    "n5",
    "n4",
    "n3",
  ]);
});

test("group commit: each durable change resolves only once it is on disk; lastSeen waits for a flush", async () => {
  const dataDir = tempDir();
  const store = openJsonStore({ dataDir, lazyFlushMs: 60_000, auditMaxBytes: 1 << 20, log: silentLog });
  try {
    const base = {
      enrolledAt: new Date().toISOString(),
      tokenHash: "0".repeat(64),
      lastSeen: null,
      version: null,
      sha256: null,
      platform: null,
      arch: null,
      hostname: null,
      os: null,
      pid: null,
      bootId: null,
    };
    const onDisk = () => JSON.stringify(readCollection(dataDir, "hosts"));
    const commits = ["a", "b", "c"].map((name) => {
      const done = store.putHost({ ...base, id: `h_${name}`, name });
      return done.then(() => readCollection(dataDir, "hosts").length);
    });
    // Made in one tick, written together: every caller finds all three on disk when it resolves.
    expect(await Promise.all(commits)).toEqual([3, 3, 3]);

    // lastSeen is batched: not on disk until a flush.
    store.recordLastSeen("h_a", "2030-01-01T00:00:00.000Z");
    await Bun.sleep(20);
    expect(onDisk()).not.toContain("2030-01-01");
    await store.flush();
    expect(onDisk()).toContain("2030-01-01");
  } finally {
    await store.close();
  }
});

test("a torn last journal line (a crash mid-append) is cut, and every line before it is kept", async () => {
  app = await startTestApp();
  const { dataDir } = app;
  // Killed rather than closed: the changes are in the journal, not folded into a snapshot.
  const hosts = [await enroll(app, "web-1"), await enroll(app, "web-2")];
  const journal = join(dataDir, "hosts.journal.jsonl");
  const intact = readFileSync(journal, "utf8");
  appendFileSync(journal, '{"seq":99,"put":{"id":"h_tor');
  app = undefined; // not closed: as after kill -9 (the old app's timers are unref'd)

  app = await startTestApp({}, dataDir);
  const listed = (await app.call("GET", "/api/v1/hosts", { token: app.adminToken })).body.hosts;
  expect(listed.map((h: { id: string }) => h.id).sort()).toEqual(hosts.map((h) => h.hostId).sort());
  expect(readFileSync(journal, "utf8")).toBe(intact);
  // The next change starts on a line of its own.
  await enroll(app, "web-3");
  expect(readCollection(dataDir, "hosts")).toHaveLength(3);
});

test("a damaged journal line before the end stops the start with a message naming the file", async () => {
  app = await startTestApp();
  const { dataDir } = app;
  await enroll(app, "web-1");
  await enroll(app, "web-2");
  app = undefined;
  const journal = join(dataDir, "hosts.journal.jsonl");
  const lines = readFileSync(journal, "utf8").split("\n");
  lines[0] = lines[0]!.replace('"name":"web-1"', '"name":5');
  writeFileSync(journal, lines.join("\n"));
  const start = () => createApp({ config: testConfig(dataDir), log: silentLog });
  await expect(start()).rejects.toThrow(`${journal} is damaged (line 1 is not a hosts change`);
  lines[0] = "{not json";
  writeFileSync(journal, lines.join("\n"));
  await expect(start()).rejects.toThrow(`${journal} is damaged (line 1 is not valid JSON`);
});

test("a data dir written before the journal (hosts.json without seq) loads, and changes go to the journal", async () => {
  const dataDir = tempDir();
  app = await startTestApp({}, dataDir);
  const { hostId } = await enroll(app, "web-1");
  await app.close();
  // As an older fleetd left it: the whole collection, no seq, no journal.
  const hostsFile = join(dataDir, "hosts.json");
  const { hosts } = JSON.parse(readFileSync(hostsFile, "utf8"));
  writeFileSync(hostsFile, JSON.stringify({ hosts }), { mode: 0o600 });
  app = await startTestApp({}, dataDir);
  expect(app.fleet.ctx.store.getHost(hostId)?.name).toBe("web-1");
  await enroll(app, "web-2");
  expect(readCollection(dataDir, "hosts").map((h: any) => h.name)).toEqual(["web-1", "web-2"]);
});

test("audit entries appended in one burst are each on disk when their append resolves; rotation falls between entries", async () => {
  const dir = tempDir();
  const log = new AuditLog(dir, 1500);
  const entry = (i: number) => ({
    ts: new Date().toISOString(),
    actor: "admin",
    action: "job.created",
    target: `j_${i}`,
    details: {},
  });
  const lines = () =>
    ["audit.1.jsonl", "audit.jsonl"]
      .filter((f) => existsSync(join(dir, f)))
      .flatMap((f) => readFileSync(join(dir, f), "utf8").split("\n").filter(Boolean))
      .map((l) => JSON.parse(l).target);
  const acked = Array.from({ length: 30 }, (_, i) => log.append(entry(i)).then(() => lines()));
  const seen = await Promise.all(acked);
  // The 30 entries overflow the cap more than once in one batch: rotation falls between entries.
  expect(statSync(join(dir, "audit.jsonl")).size).toBeLessThanOrEqual(1500);
  expect(seen[29]).toContain("j_29");
  expect(lines().at(-1)).toBe("j_29");
  log.close();
});
