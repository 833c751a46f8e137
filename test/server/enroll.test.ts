// Enrollment: enroll tokens are single use and expire; a host gets its own id and token.
import { afterEach, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hashToken } from "../../server/services/tokens.ts";
import { readCollection } from "../../server/store/json-store.ts";
import { enroll, removeTempDirs, sleep, startTestApp, type TestApp, tempDir, waitFor } from "./helpers.ts";

let app: TestApp;
afterEach(async () => {
  await app?.close();
  removeTempDirs();
});

test("an enroll token buys a host id and a host token that works on the agent API", async () => {
  app = await startTestApp();
  const created = await app.call("POST", "/api/v1/enroll-tokens", {
    token: app.adminToken,
    json: { note: "rack 3" },
  });
  expect(created.status).toBe(201);
  expect(created.body.token).toMatch(/^fe_[A-Za-z0-9_-]{43}$/);
  expect(created.body.installCommand).toBe(
    `curl -fsSL http://fleet.test:8080/install.sh | sh -s -- --token ${created.body.token}`,
  );
  const ttl = Date.parse(created.body.expiresAt) - Date.now();
  expect(ttl).toBeGreaterThan(3_590_000);
  expect(ttl).toBeLessThanOrEqual(3_600_000);

  const enrolled = await app.call("POST", "/api/v1/enroll", {
    json: { token: created.body.token, name: "web-1" },
  });
  expect(enrolled.status).toBe(201);
  expect(enrolled.body.name).toBe("web-1");
  expect(enrolled.body.hostId).toMatch(/^h_[a-z2-7]{10}$/);
  expect(enrolled.body.hostToken.startsWith(`fh_${enrolled.body.hostId}_`)).toBe(true);

  const hosts = await app.call("GET", "/api/v1/hosts", { token: app.adminToken });
  expect(hosts.body.hosts.map((h: { id: string }) => h.id)).toEqual([enrolled.body.hostId]);
  expect(hosts.body.hosts[0].online).toBe(false);
  expect(hosts.body.hosts[0].lastSeen).toBeNull();

  const poll = await app.call("GET", "/api/v1/agent/poll?wait=0", { token: enrolled.body.hostToken });
  expect(poll.status).toBe(200);
  expect(poll.body).toEqual({ command: null });

  // Only hashes are on disk.
  const disk = ["hosts.journal.jsonl", "enroll-tokens.journal.jsonl"]
    .map((f) => readFileSync(join(app.dataDir, f), "utf8"))
    .join("");
  expect(disk).toContain(hashToken(enrolled.body.hostToken));
  expect(disk).not.toContain(enrolled.body.hostToken);
  expect(disk).not.toContain(created.body.token);
  const audit = readFileSync(join(app.dataDir, "audit.jsonl"), "utf8");
  expect(audit).toContain('"action":"host.enrolled"');
  expect(audit).toContain('"action":"enroll_token.created"');
  expect(audit).not.toContain(created.body.token);
  expect(audit).not.toContain(enrolled.body.hostToken);
});

test("an enroll token works once", async () => {
  app = await startTestApp();
  const created = await app.call("POST", "/api/v1/enroll-tokens", { token: app.adminToken, json: {} });
  const first = await app.call("POST", "/api/v1/enroll", { json: { token: created.body.token, name: "a" } });
  expect(first.status).toBe(201);
  const second = await app.call("POST", "/api/v1/enroll", { json: { token: created.body.token, name: "b" } });
  expect(second.status).toBe(401);
  expect(second.body.error).toEqual({ code: "unauthorized", message: "enroll token already used" });
});

test("concurrent uses of one enroll token enroll exactly one host", async () => {
  app = await startTestApp();
  const created = await app.call("POST", "/api/v1/enroll-tokens", { token: app.adminToken, json: {} });
  const replies = await Promise.all(
    ["a", "b", "c"].map((name) =>
      app.call("POST", "/api/v1/enroll", { json: { token: created.body.token, name } }),
    ),
  );
  expect(replies.map((r) => r.status).sort()).toEqual([201, 401, 401]);
  const hosts = await app.call("GET", "/api/v1/hosts", { token: app.adminToken });
  expect(hosts.body.hosts).toHaveLength(1);
});

test("an expired enroll token is refused and says so", async () => {
  app = await startTestApp({ enrollTokenTtlMs: 50 });
  const created = await app.call("POST", "/api/v1/enroll-tokens", { token: app.adminToken, json: {} });
  await sleep(80);
  const reply = await app.call("POST", "/api/v1/enroll", {
    json: { token: created.body.token, name: "late" },
  });
  expect(reply.status).toBe(401);
  expect(reply.body.error.message).toBe("enroll token expired");
});

test("an unknown enroll token is refused and says so", async () => {
  app = await startTestApp();
  for (const token of [`fe_${"x".repeat(43)}`, "not-a-token"]) {
    const reply = await app.call("POST", "/api/v1/enroll", { json: { token, name: "web-1" } });
    expect(reply.status).toBe(401);
    expect(reply.body.error).toEqual({ code: "unauthorized", message: "enroll token unknown" });
  }
});

test("ttlSeconds sets the enroll token's lifetime", async () => {
  app = await startTestApp();
  const created = await app.call("POST", "/api/v1/enroll-tokens", {
    token: app.adminToken,
    json: { ttlSeconds: 60 },
  });
  expect(Math.abs(Date.parse(created.body.expiresAt) - Date.now() - 60_000)).toBeLessThan(2000);
});

test("a second host with a taken name is refused with the existing host's id, and the token stays usable", async () => {
  app = await startTestApp();
  const first = await enroll(app, "web-1");
  const created = await app.call("POST", "/api/v1/enroll-tokens", { token: app.adminToken, json: {} });
  const clash = await app.call("POST", "/api/v1/enroll", {
    json: { token: created.body.token, name: "web-1" },
  });
  expect(clash.status).toBe(409);
  expect(clash.body.error.code).toBe("conflict");
  expect(clash.body.error.message).toContain(first.hostId);
  expect(clash.body.error.details).toEqual({ hostId: first.hostId });
  const retry = await app.call("POST", "/api/v1/enroll", {
    json: { token: created.body.token, name: "web-2" },
  });
  expect(retry.status).toBe(201);
});

test("the running server forgets enroll tokens that ended over a week ago, and keeps the rest", async () => {
  const dataDir = tempDir();
  const day = 24 * 3600 * 1000;
  const token = (hash: string, expiredDaysAgo: number) => ({
    tokenHash: hash.repeat(64),
    createdAt: new Date(Date.now() - (expiredDaysAgo + 1) * day).toISOString(),
    expiresAt: new Date(Date.now() - expiredDaysAgo * day).toISOString(),
  });
  writeFileSync(
    join(dataDir, "enroll-tokens.json"),
    JSON.stringify({ tokens: [token("a", 8), token("b", 6)] }),
    { mode: 0o600 },
  );
  app = await startTestApp({ sweepIntervalMs: 50, lastSeenFlushMs: 50 }, dataDir);
  const onDisk = () => readCollection(dataDir, "enrollTokens").map((t: any) => t.tokenHash[0]);
  await waitFor(() => onDisk().length === 1, 3000, "the old token pruned on disk");
  expect(onDisk()).toEqual(["b"]);
});

test("a deleted host's name can be enrolled again; a taken name cannot", async () => {
  app = await startTestApp();
  const first = await enroll(app, "db-1");
  const mint = async () =>
    (await app.call("POST", "/api/v1/enroll-tokens", { token: app.adminToken, json: {} })).body.token;
  const taken = await app.call("POST", "/api/v1/enroll", { json: { token: await mint(), name: "db-1" } });
  expect(taken.status).toBe(409);
  expect(taken.body.error.message).toContain(first.hostId);
  const deleted = await app.call("DELETE", `/api/v1/hosts/${first.hostId}`, { token: app.adminToken });
  expect(deleted.status).toBeLessThan(300);
  const again = await app.call("POST", "/api/v1/enroll", { json: { token: await mint(), name: "db-1" } });
  expect(again.status).toBe(201);
  expect(again.body.hostId).not.toBe(first.hostId);
});
