// Long-poll, presence and lost jobs over real HTTP on loopback, with short configured windows.

import { afterEach, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Operation } from "../../protocol/job-ops.ts";
import { type RunningServer, startServer } from "../../server/app.ts";
import type { ServerConfig } from "../../server/config.ts";
import { readCollection } from "../../server/store/json-store.ts";
import {
  helloBody,
  removeTempDirs,
  silentLog,
  sleep,
  tempDir,
  testConfig,
  toReply,
  waitFor,
} from "./helpers.ts";

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
  removeTempDirs();
});

async function start(overrides: Partial<ServerConfig> = {}) {
  const dataDir = tempDir();
  server = await startServer(testConfig(dataDir, { publicUrl: null, ...overrides }), { log: silentLog });
  const adminToken = readFileSync(join(dataDir, "admin-token"), "utf8").trim();
  const base = server.url;
  const call = async (method: string, path: string, token: string, json?: unknown, signal?: AbortSignal) =>
    toReply(
      await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: json === undefined ? undefined : JSON.stringify(json),
        signal,
      }),
    );
  const created = await call("POST", "/api/v1/enroll-tokens", adminToken, {});
  const enrolled = await call("POST", "/api/v1/enroll", "", { token: created.body.token, name: "web-1" });
  const { hostId, hostToken } = enrolled.body;
  const hostView = async () => (await call("GET", `/api/v1/hosts/${hostId}`, adminToken)).body.host;
  const job = async (id: string) => (await call("GET", `/api/v1/jobs/${id}`, adminToken)).body.job;
  return { call, adminToken, hostId, hostToken, hostView, job, created };
}

test("the install command and public URL default to the address fleetd listens on", async () => {
  const { created } = await start();
  expect(created.body.installCommand).toStartWith(
    `curl -fsSL ${server!.url}/install.sh | sh -s -- --token fe_`,
  );
  const health = await toReply(await fetch(`${server!.url}/api/v1/health`));
  expect(health).toMatchObject({ status: 200, body: { ok: true, version: "0.0.0-dev" } });
});

test("a poll with nothing to do returns {command: null} after the configured window", async () => {
  const { call, hostToken } = await start({ pollWindowMs: 300 });
  const began = Date.now();
  const reply = await call("GET", "/api/v1/agent/poll?wait=60", hostToken);
  const took = Date.now() - began;
  expect(reply).toMatchObject({ status: 200, body: { command: null } });
  expect(took).toBeGreaterThanOrEqual(280);
  expect(took).toBeLessThan(2000);
});

test("a held poll wakes the moment a job is created for its host", async () => {
  const { call, hostToken, adminToken, hostId } = await start({ pollWindowMs: 10_000 });
  const began = Date.now();
  const poll = call("GET", "/api/v1/agent/poll", hostToken);
  await sleep(100);
  const created = await call("POST", `/api/v1/hosts/${hostId}/jobs`, adminToken, { op: "pull" });
  const reply = await poll;
  expect(Date.now() - began).toBeLessThan(2000);
  expect(reply.body.command).toEqual({ type: "run", jobId: created.body.job.id, op: "pull", args: {} });
});

test("a new poll from the same host ends the previous one with null", async () => {
  const { call, hostToken } = await start({ pollWindowMs: 10_000 });
  const began = Date.now();
  const first = call("GET", "/api/v1/agent/poll", hostToken);
  await sleep(100);
  const second = call("GET", "/api/v1/agent/poll?wait=0.2", hostToken);
  expect((await first).body).toEqual({ command: null });
  expect(Date.now() - began).toBeLessThan(1000);
  expect((await second).body).toEqual({ command: null });
});

test("a host is online while polling and offline a grace period after its poll connection drops", async () => {
  const { call, hostToken, hostView } = await start({ pollWindowMs: 5_000, offlineGraceMs: 300 });
  expect((await hostView()).online).toBe(false);
  const aborter = new AbortController();
  const poll = call("GET", "/api/v1/agent/poll", hostToken, undefined, aborter.signal).catch(() => "aborted");
  await waitFor(async () => (await hostView()).online, 2000, "host online");
  const seen = (await hostView()).lastSeen;
  expect(Date.now() - Date.parse(seen)).toBeLessThan(2000);

  aborter.abort();
  expect(await poll).toBe("aborted");
  const dropped = Date.now();
  await sleep(100);
  expect((await hostView()).online).toBe(true);
  await waitFor(async () => !(await hostView()).online, 2000, "host offline");
  const offlineAfter = Date.now() - dropped;
  expect(offlineAfter).toBeGreaterThanOrEqual(250);
  expect(offlineAfter).toBeLessThan(2000);
});

test("after a poll is answered the host stays online for the grace, not for poll windows", async () => {
  // An answered agent polls again at once; one that does not (frozen, SIGSTOPped) is going away.
  const { call, hostToken, hostView } = await start({ pollWindowMs: 2_000, offlineGraceMs: 300 });
  await call("GET", "/api/v1/agent/poll?wait=0", hostToken);
  const answered = Date.now();
  await sleep(150);
  expect((await hostView()).online).toBe(true);
  await waitFor(async () => !(await hostView()).online, 2000, "host offline");
  const offlineAfter = Date.now() - answered;
  expect(offlineAfter).toBeGreaterThanOrEqual(250);
  expect(offlineAfter).toBeLessThan(1500); // two poll windows would be 4 s
});

test("a running job becomes lost once its host has been offline longer than jobLostAfter", async () => {
  const { call, hostToken, adminToken, hostId, job } = await start({
    pollWindowMs: 5_000,
    offlineGraceMs: 100,
    jobLostAfterMs: 400,
    sweepIntervalMs: 50,
  });
  const created = (await call("POST", `/api/v1/hosts/${hostId}/jobs`, adminToken, { op: "switch" })).body.job;
  expect((await call("GET", "/api/v1/agent/poll?wait=0", hostToken)).body.command.jobId).toBe(created.id);
  await call("POST", `/api/v1/agent/jobs/${created.id}/events`, hostToken, { started: true });

  const aborter = new AbortController();
  const poll = call("GET", "/api/v1/agent/poll", hostToken, undefined, aborter.signal).catch(() => null);
  await sleep(100);
  aborter.abort();
  await poll;
  const dropped = Date.now();
  await sleep(300);
  expect((await job(created.id)).state).toBe("running");
  await waitFor(async () => (await job(created.id)).state === "lost", 3000, "job lost");
  expect(Date.now() - dropped).toBeGreaterThanOrEqual(450);
  expect((await job(created.id)).reason).toBe(
    "host went offline during the job and did not come back within 0.4 s",
  );
});

test("a deploy job is lost only after jobLostAfter plus twice its confirmation window", async () => {
  // The switch may cut the host off for confirmSeconds, and its rollback waits as long again.
  const { call, hostToken, adminToken, hostId, job } = await start({
    pollWindowMs: 5_000,
    offlineGraceMs: 100,
    jobLostAfterMs: 400,
    sweepIntervalMs: 50,
  });
  await call("POST", "/api/v1/agent/hello", hostToken, helloBody({ ops: [...Operation.options] }));
  const args = { commit: "a".repeat(40), confirmSeconds: 1 };
  const created = (await call("POST", `/api/v1/hosts/${hostId}/jobs`, adminToken, { op: "deploy", args }))
    .body.job;
  expect((await call("GET", "/api/v1/agent/poll?wait=0", hostToken)).body.command.jobId).toBe(created.id);
  await call("POST", `/api/v1/agent/jobs/${created.id}/events`, hostToken, { started: true });
  const aborter = new AbortController();
  const poll = call("GET", "/api/v1/agent/poll", hostToken, undefined, aborter.signal).catch(() => null);
  await sleep(50);
  aborter.abort();
  await poll;
  const dropped = Date.now();
  await sleep(1200); // past jobLostAfter, within its confirmation windows
  expect((await job(created.id)).state).toBe("running");
  await waitFor(async () => (await job(created.id)).state === "lost", 5000, "deploy job lost");
  expect(Date.now() - dropped).toBeGreaterThanOrEqual(2400);
  expect((await job(created.id)).reason).toBe(
    "host went offline during the job and did not come back within 2.4 s",
  );
});

test("a host that comes back before jobLostAfter keeps its running job", async () => {
  const { call, hostToken, adminToken, hostId, job } = await start({
    pollWindowMs: 5_000,
    offlineGraceMs: 100,
    jobLostAfterMs: 600,
    sweepIntervalMs: 50,
  });
  const created = (await call("POST", `/api/v1/hosts/${hostId}/jobs`, adminToken, { op: "switch" })).body.job;
  await call("GET", "/api/v1/agent/poll?wait=0", hostToken);
  await call("POST", `/api/v1/agent/jobs/${created.id}/events`, hostToken, { started: true });
  const aborter = new AbortController();
  const poll = call("GET", "/api/v1/agent/poll", hostToken, undefined, aborter.signal).catch(() => null);
  await sleep(50);
  aborter.abort();
  await poll;
  await sleep(350); // offline, but not for long enough
  await call("POST", "/api/v1/agent/hello", hostToken, helloBody({ activeJobs: [created.id] }));
  const held = call("GET", "/api/v1/agent/poll?wait=1", hostToken);
  await sleep(700);
  expect((await job(created.id)).state).toBe("running");
  await held;
});

test("a queued job expires when its host does not come online within the TTL", async () => {
  const { call, adminToken, hostId, job } = await start({ sweepIntervalMs: 50 });
  const created = (
    await call("POST", `/api/v1/hosts/${hostId}/jobs`, adminToken, { op: "pull", ttlSeconds: 1 })
  ).body.job;
  await waitFor(async () => (await job(created.id)).state === "lost", 3000, "job expired");
  expect((await job(created.id)).reason).toBe("expired: host did not come online within the TTL");
});

test("a job picked for a poll whose client already left goes back to the queue", async () => {
  const { call, hostToken, adminToken, hostId, job } = await start({ pollWindowMs: 5_000 });
  const aborter = new AbortController();
  const poll = call("GET", "/api/v1/agent/poll", hostToken, undefined, aborter.signal).catch(() => null);
  await sleep(100);
  aborter.abort();
  await poll;
  await sleep(50);
  const created = (await call("POST", `/api/v1/hosts/${hostId}/jobs`, adminToken, { op: "pull" })).body.job;
  await sleep(100);
  expect((await job(created.id)).state).toBe("queued");
  expect((await call("GET", "/api/v1/agent/poll?wait=0", hostToken)).body.command.jobId).toBe(created.id);
});

test("stop() answers held polls at once and flushes lastSeen to disk", async () => {
  const { call, hostToken, hostId } = await start({ pollWindowMs: 20_000, lastSeenFlushMs: 60_000 });
  const poll = call("GET", "/api/v1/agent/poll", hostToken);
  await sleep(100);
  const began = Date.now();
  const dataDir = server!.fleet.ctx.store.dataDir;
  await server!.stop();
  expect(Date.now() - began).toBeLessThan(2000);
  expect((await poll).body).toEqual({ command: null });
  const hosts = readCollection(dataDir, "hosts") as { id: string; lastSeen: string }[];
  expect(hosts.find((h) => h.id === hostId)!.lastSeen).toBeString();
});

test("a held poll outlives Bun's idle timeout for ordinary requests", async () => {
  // Bun would cut an idle connection after ~2-4 s here; the poll raises its own timeout.
  const { call, hostToken } = await start({ pollWindowMs: 5_000, httpIdleTimeoutSeconds: 2 });
  const began = Date.now();
  const reply = await call("GET", "/api/v1/agent/poll", hostToken);
  expect(reply).toMatchObject({ status: 200, body: { command: null } });
  expect(Date.now() - began).toBeGreaterThanOrEqual(4_900);
}, 15_000);

test("a queued job that expires behind a busy, online host says so", async () => {
  const { call, hostToken, adminToken, hostId, job } = await start({
    sweepIntervalMs: 50,
    pollWindowMs: 5_000,
  });
  const busy = (await call("POST", `/api/v1/hosts/${hostId}/jobs`, adminToken, { op: "test" })).body.job;
  await call("GET", "/api/v1/agent/poll?wait=0", hostToken);
  await call("POST", `/api/v1/agent/jobs/${busy.id}/events`, hostToken, { started: true });
  const waiting = (
    await call("POST", `/api/v1/hosts/${hostId}/jobs`, adminToken, { op: "pull", ttlSeconds: 1 })
  ).body.job;
  await waitFor(async () => (await job(waiting.id)).state === "lost", 3000, "job expired");
  expect((await job(waiting.id)).reason).toBe(
    "expired: still queued behind the host's other jobs when the TTL ran out",
  );
  expect((await job(busy.id)).state).toBe("running");
});
