// An agent update's soak ends when it ends: the host's hello on the target starts it, and
// updateSoakMs later the job succeeds and the rollout moves on, without waiting for the sweeper's
// next tick (here a minute away, so only the wakeup the hello asked for can do it in time).
import { afterEach, expect, test } from "bun:test";
import {
  enroll,
  helloBody,
  removeTempDirs,
  startTestApp,
  type TestApp,
  tempDir,
  waitFor,
  writeTestManifest,
} from "./helpers.ts";

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
  removeTempDirs();
});

const SERVED_SHA = "d".repeat(64);
const SOAK_MS = 500;

test("the update job succeeds a soak after the hello on the target, and the next host goes out then", async () => {
  const artifacts = tempDir();
  writeTestManifest(artifacts, "2.0.0", SERVED_SHA);
  app = await startTestApp({ artifactsDir: artifacts, updateSoakMs: SOAK_MS, sweepIntervalMs: 60_000 });
  const admin = (method: string, path: string, json?: unknown) =>
    app!.call(method, path, { token: app!.adminToken, ...(json !== undefined ? { json } : {}) });
  const hosts: { hostId: string; hostToken: string }[] = [];
  for (const name of ["a", "b"]) {
    const host = await enroll(app, name);
    await app.call("POST", "/api/v1/agent/hello", {
      token: host.hostToken,
      json: helloBody({ version: "1.0.0" }),
    });
    hosts.push(host);
  }
  const [a, b] = hosts as [(typeof hosts)[0], (typeof hosts)[0]];
  expect((await admin("POST", "/api/v1/rollouts", { canary: 1 })).status).toBe(201);
  const jobsOf = async (hostId: string) => (await admin("GET", `/api/v1/jobs?host=${hostId}`)).body.jobs;
  await waitFor(async () => (await jobsOf(a.hostId)).length === 1, 3000, "the canary's job");

  // The agent's side: take the job, say it started, and come back as the new agent.
  const poll = await app.call("GET", "/api/v1/agent/poll?wait=0", { token: a.hostToken });
  const jobId = poll.body.command.jobId as string;
  await app.call("POST", `/api/v1/agent/jobs/${jobId}/events`, {
    token: a.hostToken,
    json: { started: true },
  });
  const helloAt = Date.now();
  await app.call("POST", "/api/v1/agent/hello", {
    token: a.hostToken,
    json: helloBody({ version: "2.0.0", sha256: SERVED_SHA, activeJobs: [jobId] }),
  });
  // The host keeps polling, as an agent does, so it stays online through the soak.
  void app.call("GET", "/api/v1/agent/poll?wait=5", { token: a.hostToken });

  await waitFor(async () => (await jobsOf(b.hostId)).length === 1, 3000, "b's job after a's soak");
  const [job] = await jobsOf(a.hostId);
  expect(job).toMatchObject({ state: "succeeded", reason: "host runs 2.0.0" });
  const soaked = Date.parse(job.finishedAt) - helloAt;
  expect(soaked).toBeGreaterThanOrEqual(SOAK_MS);
  expect(soaked).toBeLessThan(SOAK_MS + 2000);
  const { rollout } = (await admin("GET", "/api/v1/rollouts/current")).body;
  expect(rollout.hosts.map((h: { state: string }) => h.state)).toEqual(["done", "in_progress"]);
});
