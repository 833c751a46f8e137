// Revoking a host's token: refused from the next request on (401 saying it was revoked), its held
// poll answered at once, its jobs ended, its record kept and marked, all of it on disk; and
// rotating the admin token the way docs/security.md describes.

import { afterEach, expect, test } from "bun:test";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createApp } from "../../server/app.ts";
import { readCollection } from "../../server/store/json-store.ts";
import {
  enroll,
  helloBody,
  removeTempDirs,
  silentLog,
  startTestApp,
  type TestApp,
  tempDir,
  testConfig,
  writeTestManifest,
} from "./helpers.ts";

let app: TestApp;
afterEach(async () => {
  await app?.close();
  removeTempDirs();
});

test("a revoked host is refused at once, told why, and its jobs end; the record stays", async () => {
  app = await startTestApp({ pollWindowMs: 30_000 });
  const host = await enroll(app, "stolen-laptop");
  const agent = (method: string, path: string, json?: unknown) =>
    app.call(method, path, { token: host.hostToken, json });
  const admin = (method: string, path: string, json?: unknown) =>
    app.call(method, path, { token: app.adminToken, json });
  await agent("POST", "/api/v1/agent/hello", helloBody());
  const running = (await admin("POST", `/api/v1/hosts/${host.hostId}/jobs`, { op: "pull" })).body.job;
  const queued = (await admin("POST", `/api/v1/hosts/${host.hostId}/jobs`, { op: "switch" })).body.job;
  expect((await agent("GET", "/api/v1/agent/poll?wait=0")).body.command.jobId).toBe(running.id);

  const held = agent("GET", "/api/v1/agent/poll?wait=30");
  await Bun.sleep(50);
  const began = Date.now();
  const revoked = await admin("POST", `/api/v1/hosts/${host.hostId}/revoke`);
  expect(revoked.status).toBe(200);
  expect(revoked.body.host.revokedAt).toBeString();
  // The held poll is answered now, not at the end of its 30 s window.
  expect((await held).body).toEqual({ command: null });
  expect(Date.now() - began).toBeLessThan(1000);

  for (const [method, path] of [
    ["POST", "/api/v1/agent/hello"],
    ["GET", "/api/v1/agent/poll?wait=0"],
    ["POST", `/api/v1/agent/jobs/${running.id}/result`],
  ] as const) {
    const reply = await agent(method, path, method === "POST" ? helloBody() : undefined);
    expect({ path, status: reply.status, code: reply.body.error.code }).toEqual({
      path,
      status: 401,
      code: "unauthorized",
    });
    expect(reply.body.error.message).toContain("this host's token was revoked at");
  }
  expect((await admin("GET", `/api/v1/jobs/${queued.id}`)).body.job.state).toBe("cancelled");
  expect((await admin("GET", `/api/v1/jobs/${running.id}`)).body.job).toMatchObject({
    state: "lost",
    reason: "host's token was revoked during the job",
  });

  const view = (await admin("GET", `/api/v1/hosts/${host.hostId}`)).body.host;
  expect(view).toMatchObject({
    name: "stolen-laptop",
    online: false,
    revokedAt: revoked.body.host.revokedAt,
  });
  const audit = (await admin("GET", "/api/v1/audit?action=host.revoked")).body.entries;
  expect(audit).toEqual([expect.objectContaining({ actor: "admin", target: host.hostId })]);
  expect((await admin("POST", `/api/v1/hosts/${host.hostId}/revoke`)).status).toBe(409);
  const job = await admin("POST", `/api/v1/hosts/${host.hostId}/jobs`, { op: "test" });
  expect(job.status).toBe(409);
  expect(job.body.error.message).toContain("revoked");
});

test("a revocation survives a restart", async () => {
  app = await startTestApp();
  const host = await enroll(app, "gone");
  await app.call("POST", `/api/v1/hosts/${host.hostId}/revoke`, { token: app.adminToken });
  await app.close();
  expect(readCollection(app.dataDir, "hosts")).toEqual([
    expect.objectContaining({ revokedAt: expect.any(String) }),
  ]);

  const again = await createApp({ config: testConfig(app.dataDir), log: silentLog });
  try {
    const reply = await again.app.request("/api/v1/agent/hello", {
      method: "POST",
      headers: { authorization: `Bearer ${host.hostToken}`, "content-type": "application/json" },
      body: JSON.stringify(helloBody()),
    });
    expect(reply.status).toBe(401);
    expect(((await reply.json()) as { error: { message: string } }).error.message).toContain("revoked");
  } finally {
    await again.close();
  }
});

test("a default rollout leaves revoked hosts out; naming one is refused", async () => {
  const artifactsDir = tempDir();
  writeTestManifest(artifactsDir, "2.0.0", "b".repeat(64));
  app = await startTestApp({ artifactsDir });
  const admin = { token: app.adminToken };
  const good = await enroll(app, "good");
  const gone = await enroll(app, "gone");
  for (const h of [good, gone])
    await app.call("POST", "/api/v1/agent/hello", { token: h.hostToken, json: helloBody() });
  await app.call("POST", `/api/v1/hosts/${gone.hostId}/revoke`, admin);
  const named = await app.call("POST", "/api/v1/rollouts", { ...admin, json: { hosts: [gone.hostId] } });
  expect(named.status).toBe(409);
  expect(named.body.error.message).toContain("revoked");
  const all = await app.call("POST", "/api/v1/rollouts", { ...admin, json: {} });
  expect(all.status).toBe(201);
  expect(all.body.rollout.hosts.map((h: { name: string }) => h.name)).toEqual(["good"]);
});

test("rotating the admin token as docs/security.md says: remove secrets.json and admin-token, restart", async () => {
  app = await startTestApp();
  const old = app.adminToken;
  await app.close();
  for (const file of ["secrets.json", "admin-token"]) rmSync(join(app.dataDir, file));
  const again = await createApp({ config: testConfig(app.dataDir), log: silentLog });
  try {
    const fresh = readFileSync(join(app.dataDir, "admin-token"), "utf8").trim();
    expect(fresh).not.toBe(old);
    const list = (token: string) =>
      again.app.request("/api/v1/hosts", { headers: { authorization: `Bearer ${token}` } });
    expect((await list(old)).status).toBe(401);
    expect((await list(fresh)).status).toBe(200);
  } finally {
    await again.close();
  }
});
