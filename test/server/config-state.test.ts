// A host's config report through the real API: stored on the caller's own host only, written
// once however often it is sent, refused from a revoked host; hello carries it and the tags; the
// hosts list shows the derived config, the system and the target (from the hosts, without a repo).
import { afterEach, expect, test } from "bun:test";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostStateHash } from "../../agent/state/state-hash.ts";
import {
  enroll,
  fingerprintDir,
  helloBody,
  hostStateBody,
  removeTempDirs,
  startTestApp,
  type TestApp,
} from "./helpers.ts";

let app: TestApp;
afterEach(async () => {
  await app?.close();
  removeTempDirs();
});

const A = "a1".repeat(20);
const B = "b2".repeat(20);

/**
 * What is on disk, with no batched write due (see quietApp): a flush would write lastSeen, which
 * moves with the second and is not what these tests are about.
 */
const stableFingerprint = (app: TestApp) => fingerprintDir(app.dataDir);
/** No batched write (lastSeen, first sightings) fires while a test runs. */
const quietApp = () => startTestApp({ lastSeenFlushMs: 3_600_000, lastSeenCheckpointMs: 3_600_000 });

test("a report sent twice is written once; the second changes and writes nothing", async () => {
  app = await quietApp();
  const host = await enroll(app, "web1");
  await app.call("POST", "/api/v1/agent/hello", { token: host.hostToken, json: helloBody() });
  const before = await stableFingerprint(app);
  const first = await app.call("POST", "/api/v1/agent/state", {
    token: host.hostToken,
    json: hostStateBody(A),
  });
  expect(first.status).toBe(200);
  const once = await stableFingerprint(app);
  expect(once).not.toEqual(before);
  const stored = app.fleet.ctx.store.getHost(host.hostId);
  const again = await app.call("POST", "/api/v1/agent/state", {
    token: host.hostToken,
    json: hostStateBody(A),
  });
  expect(again.status).toBe(200);
  expect(await stableFingerprint(app)).toEqual(once);
  // Not even in memory: the record object is the one the first report stored, unless the second
  // request came in the next second, whose lastSeen (kept to the second) is then its only change.
  const now = app.fleet.ctx.store.getHost(host.hostId)!;
  if (now.lastSeen === stored!.lastSeen) expect(now).toBe(stored!);
  else expect({ ...now, lastSeen: stored!.lastSeen }).toEqual(stored!);
});

test("a report lands on the caller's own host only; a revoked host's is refused and changes nothing", async () => {
  app = await quietApp();
  const web1 = await enroll(app, "web1");
  const web2 = await enroll(app, "web2");
  const gone = await enroll(app, "gone");
  await app.call("POST", `/api/v1/hosts/${gone.hostId}/revoke`, { token: app.adminToken });
  await app.call("POST", "/api/v1/agent/state", { token: web1.hostToken, json: hostStateBody(A) });
  // web2's token, whatever the body says: it has no host id to point elsewhere.
  await app.call("POST", "/api/v1/agent/state", {
    token: web2.hostToken,
    json: { ...hostStateBody(B), hostId: web1.hostId },
  });
  const store = app.fleet.ctx.store;
  expect(store.readHostReport(web1.hostId)?.checkout?.commit).toBe(A);
  expect(store.readHostReport(web2.hostId)?.checkout?.commit).toBe(B);

  const before = await stableFingerprint(app);
  const refused = await app.call("POST", "/api/v1/agent/state", {
    token: gone.hostToken,
    json: hostStateBody(B),
  });
  expect(refused.status).toBe(401);
  expect(refused.body.error.message).toContain("revoked");
  expect(await stableFingerprint(app)).toEqual(before);
  expect(store.readHostReport(gone.hostId)).toBeNull();
});

test("hello carries state and tags; the list shows config, system, tags and the hosts' target", async () => {
  app = await startTestApp();
  const web1 = await enroll(app, "web1");
  const db1 = await enroll(app, "db1");
  const fresh = await enroll(app, "fresh");
  const hello = (token: string, extra: Record<string, unknown>) =>
    app.call("POST", "/api/v1/agent/hello", { token, json: helloBody(extra) });
  expect((await hello(web1.hostToken, { state: hostStateBody(B), tags: ["web", "eu"] })).status).toBe(200);
  // db1 is on an older commit, and fetched before web1 did: the target is web1's fetch.
  const older = hostStateBody(A, {});
  older.checkout.fetchedAt = "2026-01-02T08:00:00.000Z";
  expect((await hello(db1.hostToken, { state: older, tags: ["db"] })).status).toBe(200);
  await hello(fresh.hostToken, {});

  const admin = { token: app.adminToken };
  const list = await app.call("GET", "/api/v1/hosts", admin);
  expect(list.status).toBe(200);
  expect(list.body.target).toEqual({
    commit: B,
    source: "hosts",
    subject: "hosts: web1 gets nginx",
    committedAt: "2026-01-02T09:00:00.000Z",
    checkedAt: "2026-01-02T09:30:00.000Z",
  });
  const byName = Object.fromEntries(list.body.hosts.map((h: { name: string }) => [h.name, h]));
  expect(byName.web1.config).toEqual({
    commit: B,
    state: "current",
    behindBy: 0,
    dirty: false,
    lockHash: "e".repeat(64),
    builtFrom: B,
    switchedAt: "2026-01-02T10:00:00.000Z",
  });
  expect(byName.web1.system).toEqual({
    generation: 41,
    path: "/nix/store/aaaa-nixos-system-web1",
    needsReboot: false,
  });
  expect(byName.web1.tags).toEqual(["web", "eu"]);
  // Behind, but without a mirror nobody can count by how much.
  expect(byName.db1.config).toMatchObject({ commit: A, state: "behind", behindBy: null });
  expect(byName.fresh).toMatchObject({ tags: [], system: null, config: { state: "unknown", commit: null } });

  const web = await app.call("GET", "/api/v1/hosts?tag=web", admin);
  expect(web.body.hosts.map((h: { name: string }) => h.name)).toEqual(["web1"]);
  expect((await app.call("GET", "/api/v1/hosts?tag=nope", admin)).body.hosts).toEqual([]);

  const detail = await app.call("GET", `/api/v1/hosts/${web1.hostId}`, admin);
  expect(detail.body.host.config.state).toBe("current");
  expect(detail.body.state.generations).toEqual([
    { generation: 41, commit: B, at: "2026-01-02T10:00:00.000Z" },
  ]);

  // A hello without state or tags (nothing changed) keeps both.
  await hello(web1.hostToken, {});
  expect(app.fleet.ctx.store.getHost(web1.hostId)?.tags).toEqual(["web", "eu"]);
  expect(app.fleet.ctx.store.readHostReport(web1.hostId)?.checkout?.commit).toBe(B);
});

test("hello with the same state again writes nothing", async () => {
  app = await quietApp();
  const web1 = await enroll(app, "web1");
  const json = helloBody({ state: hostStateBody(A), tags: ["web"] });
  await app.call("POST", "/api/v1/agent/hello", { token: web1.hostToken, json });
  const once = await stableFingerprint(app);
  expect((await app.call("POST", "/api/v1/agent/hello", { token: web1.hostToken, json })).status).toBe(200);
  expect(await stableFingerprint(app)).toEqual(once);
});

test("a hello may name the stored state by hash alone; another hash (or none stored) is answered stateWanted", async () => {
  app = await quietApp();
  const web1 = await enroll(app, "web1");
  const hello = (extra: Record<string, unknown>) =>
    app.call("POST", "/api/v1/agent/hello", { token: web1.hostToken, json: helloBody(extra) });
  const a = hostStateHash(hostStateBody(A));
  // Nothing stored yet: a hash names nothing fleetd holds.
  expect((await hello({ stateHash: a })).body.stateWanted).toBe(true);
  expect((await hello({ state: hostStateBody(A) })).body.stateWanted).toBe(false);
  const stored = await stableFingerprint(app);
  const same = await hello({ stateHash: a });
  expect(same.status).toBe(200);
  expect(same.body.stateWanted).toBe(false);
  expect(await stableFingerprint(app)).toEqual(stored);
  // The agent's hash is fleetd's: the one the stored report is kept under.
  const detail = await app.call("GET", `/api/v1/hosts/${web1.hostId}`, { token: app.adminToken });
  expect(hostStateHash(detail.body.state)).toBe(a);
  // A hash of another state (fleetd restored from an older backup) changes nothing and asks.
  const other = await hello({ stateHash: hostStateHash(hostStateBody(B)) });
  expect(other.body.stateWanted).toBe(true);
  expect(await stableFingerprint(app)).toEqual(stored);
  // Not a hash: refused like any bad field, nothing stored changes.
  const bad = await hello({ stateHash: "not-a-hash" });
  expect(bad.status).toBe(400);
  expect(JSON.stringify(bad.body)).toContain("stateHash");
  expect(await stableFingerprint(app)).toEqual(stored);
});

test("a damaged stored report reads as not reported: fleetd starts, and the next report replaces it", async () => {
  app = await quietApp();
  const host = await enroll(app, "web1");
  await app.call("POST", "/api/v1/agent/state", { token: host.hostToken, json: hostStateBody(A) });
  const dataDir = app.dataDir;
  await app.close();
  // Damage the stored report in whichever file holds it (snapshot or journal), as a bad disk might.
  const damaged = readdirSync(dataDir).filter((file) => {
    const path = `${dataDir}/${file}`;
    if (!file.startsWith("host")) return false;
    const text = readFileSync(path, "utf8");
    if (!text.includes(A)) return false;
    writeFileSync(path, text.replaceAll(`"commit":"${A}"`, '"commit":"not-a-commit"'));
    return true;
  });
  expect(damaged.length).toBeGreaterThan(0);

  app = await startTestApp({ lastSeenFlushMs: 3_600_000, lastSeenCheckpointMs: 3_600_000 }, dataDir);
  const listed = await app.call("GET", "/api/v1/hosts", { token: app.adminToken });
  expect(listed.status).toBe(200);
  expect(listed.body.hosts[0].config).toMatchObject({ state: "unknown", commit: null });
  const detail = await app.call("GET", `/api/v1/hosts/${host.hostId}`, { token: app.adminToken });
  expect(detail.body.state).toBeNull();

  await app.call("POST", "/api/v1/agent/state", { token: host.hostToken, json: hostStateBody(B) });
  const after = await app.call("GET", "/api/v1/hosts", { token: app.adminToken });
  expect(after.body.hosts[0].config.commit).toBe(B);
});
