// An update rollout pins its build when it starts. A new build dropped into fleetd's artifacts
// mid-rollout must not change what the remaining hosts install: fleetd cannot serve the pinned
// build any more, so the next host fails with that reason (no job is created for it) and the
// rollout halts, rather than quietly installing the new build.
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

const PINNED_SHA = "d".repeat(64);
const NEWER_SHA = "e".repeat(64);

test("a manifest dropped in mid-rollout: the next host fails with the pinned-build reason and the rollout halts", async () => {
  const artifacts = tempDir();
  writeTestManifest(artifacts, "2.0.0", PINNED_SHA);
  app = await startTestApp({ artifactsDir: artifacts, sweepIntervalMs: 50 }, tempDir());
  const admin = (method: string, path: string, json?: unknown) =>
    app!.call(method, path, { token: app!.adminToken, ...(json !== undefined ? { json } : {}) });
  const hosts: { hostId: string; hostToken: string }[] = [];
  for (const name of ["a", "b"]) {
    const { hostId, hostToken } = await enroll(app, name);
    await app.call("POST", "/api/v1/agent/hello", {
      token: hostToken,
      json: helloBody({ version: "1.0.0" }),
    });
    hosts.push({ hostId, hostToken });
  }
  const started = await admin("POST", "/api/v1/rollouts", {});
  expect(started.body.rollout.target).toMatchObject({
    version: "2.0.0",
    sha256: { "linux-x64": PINNED_SHA },
  });

  const jobsOf = async (hostId: string) => (await admin("GET", `/api/v1/jobs?host=${hostId}`)).body.jobs;
  await waitFor(async () => (await jobsOf(hosts[0]!.hostId)).length === 1, 3000, "the canary's job");
  // The job says which rollout made it (fleetctl job shows it; its failure is the rollout's to alert).
  expect((await jobsOf(hosts[0]!.hostId))[0].rolloutId).toBe(started.body.rollout.id);
  const poll = await app.call("GET", "/api/v1/agent/poll?wait=0", { token: hosts[0]!.hostToken });
  expect(poll.body.command).toMatchObject({ op: "update", args: { version: "2.0.0", sha256: PINNED_SHA } });
  writeTestManifest(artifacts, "2.1.0", NEWER_SHA);
  await app.call("POST", "/api/v1/agent/hello", {
    token: hosts[0]!.hostToken,
    json: helloBody({ version: "2.0.0", sha256: PINNED_SHA, activeJobs: [poll.body.command.jobId] }),
  });
  const result = {
    state: "succeeded",
    exitCode: 0,
    outcome: { op: "update", kind: "updated", version: "2.0.0" },
  };
  await app.call("POST", `/api/v1/agent/jobs/${poll.body.command.jobId}/result`, {
    token: hosts[0]!.hostToken,
    json: result,
  });

  await waitFor(
    async () => (await admin("GET", "/api/v1/rollouts/current")).body.rollout.state === "halted",
    3000,
    "halt",
  );
  const { rollout } = (await admin("GET", "/api/v1/rollouts/current")).body;
  expect(rollout.hosts.map((h: any) => h.state)).toEqual(["done", "failed"]);
  expect(rollout.hosts[1].reason).toContain("the rollout is pinned to 2.0.0");
  expect(rollout.hosts[1].reason).toContain("fleetd now serves 2.1.0");
  expect(rollout.hosts[1].jobId).toBeUndefined();
  expect(await jobsOf(hosts[1]!.hostId)).toEqual([]);
});
