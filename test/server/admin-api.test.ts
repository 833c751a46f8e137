// The operator's API beyond the job lifecycle: listing and filtering, the audit log, health,
// and the outdated flag computed against the artifacts manifest.
import { afterEach, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createConsola } from "consola";
import { createApp } from "../../server/app.ts";
import {
  AGENT_SHA,
  enroll,
  helloBody,
  removeTempDirs,
  silentLog,
  sleep,
  startTestApp,
  type TestApp,
  tempDir,
  testConfig,
  waitFor,
  writeTestManifest,
} from "./helpers.ts";

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
  removeTempDirs();
});

function writeManifest(dir: string, version: string, agentSha: string): void {
  writeTestManifest(dir, version, agentSha, [
    {
      program: "fleetd",
      target: "darwin-arm64",
      platform: "darwin",
      arch: "arm64",
      file: "fleetd-darwin-arm64",
      size: 10,
      sha256: "c".repeat(64),
      signature: "c2lnbmF0dXJl",
    },
  ]);
}

test("hello and the host view say outdated exactly when version or hash differ from the manifest", async () => {
  const artifacts = tempDir();
  writeManifest(artifacts, "1.2.3", AGENT_SHA);
  app = await startTestApp({ artifactsDir: artifacts });
  const host = await enroll(app, "web-1");
  const hello = (body: Record<string, unknown>) =>
    app!.call("POST", "/api/v1/agent/hello", { token: host.hostToken, json: helloBody(body) });
  const view = async () =>
    (await app!.call("GET", `/api/v1/hosts/${host.hostId}`, { token: app!.adminToken })).body.host;

  expect((await hello({})).body.outdated).toBe(false);
  expect((await view()).outdated).toBe(false);
  expect((await hello({ sha256: "b".repeat(64) })).body.outdated).toBe(true);
  expect((await view()).outdated).toBe(true);
  expect((await hello({ version: "1.2.2" })).body.outdated).toBe(true);
  // No fleet-agent built for this target: nothing to update to.
  expect((await hello({ platform: "darwin", arch: "arm64", sha256: "b".repeat(64) })).body.outdated).toBe(
    false,
  );
});

test("without a manifest no host is outdated", async () => {
  app = await startTestApp({ artifactsDir: tempDir() });
  const host = await enroll(app, "web-1");
  const reply = await app.call("POST", "/api/v1/agent/hello", {
    token: host.hostToken,
    json: helloBody({ version: "9.9.9" }),
  });
  expect(reply.body.outdated).toBe(false);
});

test("a damaged manifest stops the start with a message naming it", async () => {
  const artifacts = tempDir();
  writeFileSync(join(artifacts, "manifest.json"), '{"version": 1}');
  const start = createApp({ config: testConfig(tempDir(), { artifactsDir: artifacts }), log: silentLog });
  await expect(start).rejects.toThrow(`${join(artifacts, "manifest.json")} is not a valid build manifest`);
});

test("jobs are listed newest first and filter by host, state and limit", async () => {
  app = await startTestApp();
  const a = await enroll(app, "a");
  const b = await enroll(app, "b");
  const create = async (hostId: string) =>
    (
      await app!.call("POST", `/api/v1/hosts/${hostId}/jobs`, {
        token: app!.adminToken,
        json: { op: "pull" },
      })
    ).body.job.id;
  const a1 = await create(a.hostId);
  const b1 = await create(b.hostId);
  const a2 = await create(a.hostId);
  await app.call("POST", `/api/v1/jobs/${a2}/cancel`, { token: app.adminToken });
  const list = async (query: string) =>
    (await app!.call("GET", `/api/v1/jobs${query}`, { token: app!.adminToken })).body.jobs.map(
      (j: { id: string }) => j.id,
    );

  expect(await list("")).toEqual([a2, b1, a1]);
  expect(await list(`?host=${a.hostId}`)).toEqual([a2, a1]);
  expect(await list("?state=queued")).toEqual([b1, a1]);
  expect(await list(`?host=${a.hostId}&state=cancelled`)).toEqual([a2]);
  expect(await list("?limit=2")).toEqual([a2, b1]);
  expect(await list("?host=h_unknown")).toEqual([]);
});

test("hosts are listed with live fields and no token hash", async () => {
  app = await startTestApp();
  const host = await enroll(app, "web-1");
  await app.call("POST", "/api/v1/agent/hello", { token: host.hostToken, json: helloBody() });
  const reply = await app.call("GET", "/api/v1/hosts", { token: app.adminToken });
  expect(reply.status).toBe(200);
  const [listed] = reply.body.hosts;
  expect(listed).toMatchObject({
    id: host.hostId,
    name: "web-1",
    online: true,
    outdated: false,
    runningJobId: null,
  });
  expect(listed.pid).toBe(4242);
  expect(JSON.stringify(reply.body)).not.toContain("tokenHash");
});

test("the audit log lists newest first, filters by action and carries no secrets", async () => {
  app = await startTestApp();
  const host = await enroll(app, "web-1");
  const job = (
    await app.call("POST", `/api/v1/hosts/${host.hostId}/jobs`, {
      token: app.adminToken,
      json: { op: "switch" },
    })
  ).body.job;
  await app.call("POST", `/api/v1/jobs/${job.id}/cancel`, { token: app.adminToken });
  const all = (await app.call("GET", "/api/v1/audit", { token: app.adminToken })).body.entries;
  expect(all.map((e: { action: string }) => e.action)).toEqual([
    "job.cancelled",
    "job.created",
    "host.enrolled",
    "enroll_token.created",
  ]);
  expect(all[0]).toMatchObject({ actor: "admin", target: job.id });
  const created = (
    await app.call("GET", "/api/v1/audit?action=job.created&limit=1", { token: app.adminToken })
  ).body;
  expect(created.entries).toEqual([expect.objectContaining({ action: "job.created", target: job.id })]);
  const text = JSON.stringify(all);
  expect(text).not.toContain(host.hostToken);
  expect(text).not.toContain(app.adminToken);
  expect(text).not.toMatch(/[0-9a-f]{64}/);
});

test("health needs no token", async () => {
  app = await startTestApp();
  const reply = await app.call("GET", "/api/v1/health");
  expect(reply).toMatchObject({ status: 200, body: { ok: true, version: "0.0.0-dev" } });
});

test("an unexpected failure is a 500 with a generic message; the details go to the log only", async () => {
  const dataDir = tempDir();
  const logged: unknown[][] = [];
  const log = createConsola({ level: 5, reporters: [{ log: (entry) => logged.push(entry.args) }] });
  const fleet = await createApp({ config: testConfig(dataDir), log });
  try {
    const store = fleet.ctx.store;
    store.listHosts = () => {
      throw new Error("disk on fire /secret/path");
    };
    const token = readFileSync(join(dataDir, "admin-token"), "utf8").trim();
    const reply = await fleet.app.request("/api/v1/hosts", { headers: { authorization: `Bearer ${token}` } });
    expect(reply.status).toBe(500);
    const body = await reply.json();
    expect(body).toEqual({
      error: { code: "internal", message: "internal server error; see the fleetd log" },
    });
    const failure = logged.find((args) => String(args[0]).includes("GET /api/v1/hosts failed"));
    const error = failure?.[1];
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).stack).toContain("disk on fire");
  } finally {
    await fleet.close();
  }
});

test("an update fails once it goes silent for the timeout, not while its agent keeps reporting", async () => {
  const artifacts = tempDir();
  writeManifest(artifacts, "2.0.0", "d".repeat(64));
  app = await startTestApp({
    artifactsDir: artifacts,
    updateTimeoutMs: 400,
    sweepIntervalMs: 20,
    pollWindowMs: 5000,
  });
  const host = await enroll(app, "web-1");
  await app.call("POST", "/api/v1/agent/hello", { token: host.hostToken, json: helloBody() });
  const update = await app.call("POST", `/api/v1/hosts/${host.hostId}/update`, {
    token: app.adminToken,
    json: {},
  });
  expect(update.status).toBe(201);
  const jobId = update.body.job.id;
  const job = async () =>
    (await app!.call("GET", `/api/v1/jobs/${jobId}`, { token: app!.adminToken })).body.job;
  await app.call("GET", "/api/v1/agent/poll?wait=0", { token: host.hostToken });
  // A slow download: reports every 150 ms for three timeouts' worth, never silent for one.
  const began = Date.now();
  for (let i = 0; Date.now() - began < 1200; i++) {
    const events = { started: i === 0, progress: { current: i, total: 100, label: "KiB" } };
    await app.call("POST", `/api/v1/agent/jobs/${jobId}/events`, { token: host.hostToken, json: events });
    await sleep(150);
  }
  expect((await job()).state).toBe("running");
  // Then silence: no report, no hello on 2.0.0.
  await waitFor(async () => (await job()).state === "failed", 3000, "the silent update failed");
  expect((await job()).reason).toStartWith(
    "no word from the update and no hello on 2.0.0 for 0.4 s: it started at ",
  );
});
