// A job's life through the agent API: hello, poll, events (with retries and reordering), result
// (with retries), plus hello's reconciliation of jobs the agent no longer holds.

import { afterEach, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROTOCOL_VERSION } from "../../protocol/common.ts";
import { AGENT_NOTE_RESERVE_BYTES, fleetdTruncationNote } from "../../server/services/job-reports.ts";
import { CANCEL_UNANSWERED, sweep } from "../../server/services/sweeper.ts";
import { readCollection } from "../../server/store/json-store.ts";
import { waitFor } from "../harness/wait-for.ts";
import { enroll, helloBody, outputLine, removeTempDirs, startTestApp, type TestApp } from "./helpers.ts";

let app: TestApp;
afterEach(async () => {
  await app?.close();
  removeTempDirs();
});

async function setup() {
  app = await startTestApp();
  const host = await enroll(app, "web-1");
  const agent = (method: string, path: string, json?: unknown) =>
    app.call(method, path, { token: host.hostToken, json });
  const admin = (method: string, path: string, json?: unknown) =>
    app.call(method, path, { token: app.adminToken, json });
  return { host, agent, admin };
}

test("a job goes queued → dispatched → running → succeeded with its output and result recorded", async () => {
  const { host, agent, admin } = await setup();
  const hello = await agent("POST", "/api/v1/agent/hello", helloBody());
  expect(hello.status).toBe(200);
  expect(hello.body).toEqual({
    protocol: PROTOCOL_VERSION,
    serverVersion: "0.0.0-dev",
    pollSeconds: 25,
    outdated: false,
    stateWanted: false,
  });

  const created = await admin("POST", `/api/v1/hosts/${host.hostId}/jobs`, {
    op: "switch",
    args: {},
  });
  expect(created.status).toBe(201);
  const job = created.body.job;
  expect(job).toMatchObject({ hostId: host.hostId, op: "switch", state: "queued", args: {} });

  const poll = await agent("GET", "/api/v1/agent/poll?wait=0");
  expect(poll.body).toEqual({
    command: { type: "run", jobId: job.id, op: "switch", args: {} },
  });
  expect((await admin("GET", `/api/v1/jobs/${job.id}`)).body.job.state).toBe("dispatched");

  const started = await agent("POST", `/api/v1/agent/jobs/${job.id}/events`, {
    started: true,
    output: [outputLine(0), outputLine(1)],
    progress: { current: 1, total: 3, label: "building" },
  });
  expect(started.status).toBe(200);
  expect(started.body).toEqual({ nextSeq: 2 });

  const detail = await admin("GET", `/api/v1/jobs/${job.id}`);
  expect(detail.body.job.state).toBe("running");
  expect(detail.body.job.startedAt).toBeString();
  expect(detail.body.job.progress).toEqual({ current: 1, total: 3, label: "building" });
  expect(detail.body.output.map((l: { data: string }) => l.data)).toEqual(["line 0", "line 1"]);

  const hostView = await admin("GET", `/api/v1/hosts/${host.hostId}`);
  expect(hostView.body.host.runningJobId).toBe(job.id);
  expect(hostView.body.host.version).toBe("1.2.3");
  expect(hostView.body.host.platform).toBe("linux");
  expect(hostView.body.recentJobs.map((j: { id: string }) => j.id)).toEqual([job.id]);

  const result = await agent("POST", `/api/v1/agent/jobs/${job.id}/result`, {
    state: "succeeded",
    exitCode: 0,
    tests: [{ name: "curl", state: "passed", exitCode: 0, durationMs: 12 }],
  });
  expect(result.status).toBe(200);
  expect(result.body).toEqual({ ok: true });
  const finished = (await admin("GET", `/api/v1/jobs/${job.id}`)).body.job;
  expect(finished).toMatchObject({
    state: "succeeded",
    exitCode: 0,
    tests: [{ name: "curl", state: "passed" }],
  });
  expect(finished.finishedAt).toBeString();
  expect((await admin("GET", `/api/v1/hosts/${host.hostId}`)).body.host.runningJobId).toBeNull();

  // On disk before the 200: the stored job already says succeeded.
  expect(readCollection(app.dataDir, "jobs")).toEqual([expect.objectContaining({ state: "succeeded" })]);
});

test("a retried result is recorded once and changes nothing", async () => {
  const { host, agent, admin } = await setup();
  const job = (await admin("POST", `/api/v1/hosts/${host.hostId}/jobs`, { op: "test" })).body.job;
  await agent("GET", "/api/v1/agent/poll?wait=0");
  const first = await agent("POST", `/api/v1/agent/jobs/${job.id}/result`, {
    state: "failed",
    exitCode: 3,
    reason: "boom",
  });
  expect(first.status).toBe(200);
  const before = (await admin("GET", `/api/v1/jobs/${job.id}`)).body.job;
  const retry = await agent("POST", `/api/v1/agent/jobs/${job.id}/result`, {
    state: "succeeded",
    exitCode: 0,
  });
  expect(retry.status).toBe(200);
  expect(retry.body).toEqual({ ok: true });
  expect((await admin("GET", `/api/v1/jobs/${job.id}`)).body.job).toEqual(before);
  const finishedEntries = (await admin("GET", "/api/v1/audit?action=job.finished")).body.entries;
  expect(finishedEntries).toHaveLength(1);
  expect(finishedEntries[0]).toMatchObject({ actor: `host:${host.hostId}`, target: job.id });
});

test("duplicate and out-of-order output lines are stored once, in seq order", async () => {
  const { host, agent, admin } = await setup();
  const job = (await admin("POST", `/api/v1/hosts/${host.hostId}/jobs`, { op: "pull" })).body.job;
  await agent("GET", "/api/v1/agent/poll?wait=0");
  const events = (output: unknown[]) => agent("POST", `/api/v1/agent/jobs/${job.id}/events`, { output });

  expect((await events([outputLine(1), outputLine(0), outputLine(1, "dup in batch")])).body).toEqual({
    nextSeq: 2,
  });
  // A retry of the same batch plus one new line: only the new line is kept.
  expect((await events([outputLine(0, "again"), outputLine(1, "again"), outputLine(2)])).body).toEqual({
    nextSeq: 3,
  });
  // A retry of lines already stored is acknowledged without change.
  expect((await events([outputLine(0, "late"), outputLine(2, "late")])).body).toEqual({ nextSeq: 3 });
  expect((await events([])).body).toEqual({ nextSeq: 3 });

  const detail = await admin("GET", `/api/v1/jobs/${job.id}`);
  expect(detail.body.output.map((l: { seq: number; data: string }) => [l.seq, l.data])).toEqual([
    [0, "line 0"],
    [1, "line 1"],
    [2, "line 2"],
  ]);
  const fileLines = readFileSync(join(app.dataDir, "output", `${job.id}.jsonl`), "utf8")
    .trim()
    .split("\n");
  expect(fileLines).toHaveLength(3);

  const after = await admin("GET", `/api/v1/jobs/${job.id}?after=0`);
  expect(after.body.output.map((l: { seq: number }) => l.seq)).toEqual([1, 2]);
});

/** A fleetd with a small per-job output cap, and a test job its host has taken. */
async function takenTestJob(maxOutputBytesPerJob: number) {
  app = await startTestApp({ maxOutputBytesPerJob });
  const host = await enroll(app, "web-1");
  const job = (
    await app.call("POST", `/api/v1/hosts/${host.hostId}/jobs`, {
      token: app.adminToken,
      json: { op: "test" },
    })
  ).body.job;
  await app.call("GET", "/api/v1/agent/poll?wait=0", { token: host.hostToken });
  return { host, job };
}

test("output beyond the per-job cap is dropped, marked outputTruncated and by a note in its place", async () => {
  const { host, job } = await takenTestJob(400);
  const lines = Array.from({ length: 10 }, (_, i) => outputLine(i, "x".repeat(50)));
  const ack = await app.call("POST", `/api/v1/agent/jobs/${job.id}/events`, {
    token: host.hostToken,
    json: { output: lines },
  });
  expect(ack.body).toEqual({ nextSeq: 10 });
  const detail = await app.call("GET", `/api/v1/jobs/${job.id}`, { token: app.adminToken });
  expect(detail.body.job.outputTruncated).toBe(true);
  const stored = detail.body.output as { seq: number; stream: string; data: string }[];
  expect(stored.length).toBeGreaterThan(1);
  expect(stored.length).toBeLessThan(10);
  // The first line over the cap became fleetd's note; nothing after it is kept.
  expect(stored.at(-1)).toMatchObject({
    seq: stored.length - 1,
    stream: "agent",
    data: fleetdTruncationNote(400),
  });
  expect(stored.slice(0, -1).every((l) => l.data === "x".repeat(50))).toBe(true);
  expect(detail.body.job.outputBytes).toBeLessThanOrEqual(400 + AGENT_NOTE_RESERVE_BYTES);
  expect(readFileSync(join(app.dataDir, "output", `${job.id}.jsonl`)).length).toBe(
    detail.body.job.outputBytes,
  );
});

test("the agent's own lines past the cap (its truncation note, the result line) are still stored", async () => {
  const { host, job } = await takenTestJob(400);
  const lines = [
    ...Array.from({ length: 10 }, (_, i) => outputLine(i, "x".repeat(50))),
    { ...outputLine(10, "[output truncated at 4194304 bytes]"), stream: "agent" },
    { ...outputLine(11, "result: succeeded"), stream: "agent" },
  ];
  await app.call("POST", `/api/v1/agent/jobs/${job.id}/events`, {
    token: host.hostToken,
    json: { output: lines },
  });
  const detail = await app.call("GET", `/api/v1/jobs/${job.id}`, { token: app.adminToken });
  const data = detail.body.output.map((l: { data: string }) => l.data);
  expect(data.slice(-3)).toEqual([
    fleetdTruncationNote(400),
    "[output truncated at 4194304 bytes]",
    "result: succeeded",
  ]);
});

test("events and results for a finished job are acknowledged and ignored", async () => {
  const { host, agent, admin } = await setup();
  const job = (await admin("POST", `/api/v1/hosts/${host.hostId}/jobs`, { op: "pull" })).body.job;
  await agent("GET", "/api/v1/agent/poll?wait=0");
  await agent("POST", `/api/v1/agent/jobs/${job.id}/result`, { state: "succeeded", exitCode: 0 });
  const late = await agent("POST", `/api/v1/agent/jobs/${job.id}/events`, {
    started: true,
    output: [outputLine(0)],
  });
  expect(late.status).toBe(200);
  expect(late.body).toEqual({ nextSeq: 0 });
  const detail = await admin("GET", `/api/v1/jobs/${job.id}`);
  expect(detail.body.job.state).toBe("succeeded");
  expect(detail.body.output).toEqual([]);
});

test("one job runs per host at a time: the next is dispatched after the first finishes", async () => {
  const { host, agent, admin } = await setup();
  const first = (await admin("POST", `/api/v1/hosts/${host.hostId}/jobs`, { op: "pull" })).body.job;
  const second = await admin("POST", `/api/v1/hosts/${host.hostId}/jobs`, { op: "switch" });
  expect(second.status).toBe(201);
  expect(second.body.job.state).toBe("queued");
  expect((await agent("GET", "/api/v1/agent/poll?wait=0")).body.command.jobId).toBe(first.id);
  expect((await agent("GET", "/api/v1/agent/poll?wait=0")).body).toEqual({ command: null });
  await agent("POST", `/api/v1/agent/jobs/${first.id}/result`, { state: "succeeded", exitCode: 0 });
  expect((await agent("GET", "/api/v1/agent/poll?wait=0")).body.command.jobId).toBe(second.body.job.id);
});

test("hello requeues a dispatched job the agent never received and loses a running one it forgot", async () => {
  const { host, agent, admin } = await setup();
  const running = (await admin("POST", `/api/v1/hosts/${host.hostId}/jobs`, { op: "pull" })).body.job;
  await agent("GET", "/api/v1/agent/poll?wait=0");
  await agent("POST", `/api/v1/agent/jobs/${running.id}/events`, { started: true });

  // The agent restarts knowing nothing: the running job is lost.
  await agent("POST", "/api/v1/agent/hello", helloBody({ activeJobs: [] }));
  const lost = (await admin("GET", `/api/v1/jobs/${running.id}`)).body.job;
  expect(lost.state).toBe("lost");
  expect(lost.reason).toBe("agent restarted without a record of this job");

  const next = (await admin("POST", `/api/v1/hosts/${host.hostId}/jobs`, { op: "switch" })).body.job;
  expect((await agent("GET", "/api/v1/agent/poll?wait=0")).body.command.jobId).toBe(next.id);
  // The response never reached the agent; its hello does not list the job.
  await agent("POST", "/api/v1/agent/hello", helloBody({ activeJobs: [] }));
  const requeued = (await admin("GET", `/api/v1/jobs/${next.id}`)).body.job;
  expect(requeued.state).toBe("queued");
  expect(requeued.dispatchedAt).toBeUndefined();
  expect((await agent("GET", "/api/v1/agent/poll?wait=0")).body.command.jobId).toBe(next.id);

  // A hello that lists the job keeps it where it is.
  await agent("POST", "/api/v1/agent/hello", helloBody({ activeJobs: [next.id] }));
  expect((await admin("GET", `/api/v1/jobs/${next.id}`)).body.job.state).toBe("dispatched");
});

test("a hello from another protocol version gets protocol_mismatch naming both versions", async () => {
  const { agent } = await setup();
  const reply = await agent("POST", "/api/v1/agent/hello", {
    protocol: PROTOCOL_VERSION + 1,
    whatever: true,
  });
  expect(reply.status).toBe(409);
  expect(reply.body.error.code).toBe("protocol_mismatch");
  expect(reply.body.error.message).toContain(`protocol ${PROTOCOL_VERSION + 1}`);
  expect(reply.body.error.message).toContain(`protocol ${PROTOCOL_VERSION}`);
  expect(reply.body.error.message).toContain("upgrade fleetd");
});

test("cancel: a queued job ends now, a running one gets a cancel command on the next poll", async () => {
  const { host, agent, admin } = await setup();
  const running = (await admin("POST", `/api/v1/hosts/${host.hostId}/jobs`, { op: "test" })).body.job;
  const queued = (await admin("POST", `/api/v1/hosts/${host.hostId}/jobs`, { op: "switch" })).body.job;

  const cancelQueued = await admin("POST", `/api/v1/jobs/${queued.id}/cancel`);
  expect(cancelQueued.status).toBe(200);
  expect(cancelQueued.body.job).toMatchObject({ state: "cancelled", reason: "cancelled by operator" });
  expect((await admin("POST", `/api/v1/jobs/${queued.id}/cancel`)).status).toBe(409);

  await agent("GET", "/api/v1/agent/poll?wait=0");
  await agent("POST", `/api/v1/agent/jobs/${running.id}/events`, { started: true });
  const cancelRunning = await admin("POST", `/api/v1/jobs/${running.id}/cancel`);
  expect(cancelRunning.status).toBe(200);
  expect(cancelRunning.body.job).toMatchObject({ state: "running", cancelRequested: true });

  expect((await agent("GET", "/api/v1/agent/poll?wait=0")).body).toEqual({
    command: { type: "cancel", jobId: running.id },
  });
  // Delivered once, not on every poll.
  expect((await agent("GET", "/api/v1/agent/poll?wait=0")).body).toEqual({ command: null });
  // A restarted agent that still holds the job hears about the cancel again.
  await agent("POST", "/api/v1/agent/hello", helloBody({ activeJobs: [running.id] }));
  expect((await agent("GET", "/api/v1/agent/poll?wait=0")).body.command).toEqual({
    type: "cancel",
    jobId: running.id,
  });

  await agent("POST", `/api/v1/agent/jobs/${running.id}/result`, { state: "cancelled", exitCode: null });
  expect((await admin("GET", `/api/v1/jobs/${running.id}`)).body.job.state).toBe("cancelled");
  expect((await admin("POST", `/api/v1/jobs/${running.id}/cancel`)).body.error.code).toBe("conflict");
});

test("cancel ends a dispatched job its agent never answers, and the host's next job goes out", async () => {
  const { host, agent, admin } = await setup();
  const stuck = (await admin("POST", `/api/v1/hosts/${host.hostId}/jobs`, { op: "test" })).body.job;
  const next = (await admin("POST", `/api/v1/hosts/${host.hostId}/jobs`, { op: "pull" })).body.job;
  await agent("GET", "/api/v1/agent/poll?wait=0");
  await admin("POST", `/api/v1/jobs/${stuck.id}/cancel`);
  expect((await agent("GET", "/api/v1/agent/poll?wait=0")).body.command).toEqual({
    type: "cancel",
    jobId: stuck.id,
  });
  // The agent says nothing: within the grace the job waits for it...
  sweep(app.fleet.ctx, new Map());
  expect((await admin("GET", `/api/v1/jobs/${stuck.id}`)).body.job.state).toBe("dispatched");
  // ...after it, fleetd ends it.
  sweep(app.fleet.ctx, new Map(), Date.now() + app.fleet.ctx.config.cancelUnansweredMs + 1);
  const ended = await waitFor(async () => {
    const job = (await admin("GET", `/api/v1/jobs/${stuck.id}`)).body.job;
    return job.state === "cancelled" && job;
  });
  expect(ended.reason).toBe(CANCEL_UNANSWERED);
  expect((await agent("GET", "/api/v1/agent/poll?wait=0")).body.command.jobId).toBe(next.id);
});

test("a cancelled dispatched job the agent's hello does not hold ends cancelled, not queued again", async () => {
  const { host, agent, admin } = await setup();
  const job = (await admin("POST", `/api/v1/hosts/${host.hostId}/jobs`, { op: "test" })).body.job;
  await agent("GET", "/api/v1/agent/poll?wait=0");
  await admin("POST", `/api/v1/jobs/${job.id}/cancel`);
  await agent("POST", "/api/v1/agent/hello", helloBody({ activeJobs: [] }));
  const after = (await admin("GET", `/api/v1/jobs/${job.id}`)).body.job;
  expect(after).toMatchObject({
    state: "cancelled",
    reason: "cancelled by operator before the agent started it",
  });
  expect((await agent("GET", "/api/v1/agent/poll?wait=0")).body).toEqual({ command: null });
});

test("deleting a host revokes its token and ends its jobs", async () => {
  const { host, agent, admin } = await setup();
  const running = (await admin("POST", `/api/v1/hosts/${host.hostId}/jobs`, { op: "pull" })).body.job;
  const queued = (await admin("POST", `/api/v1/hosts/${host.hostId}/jobs`, { op: "switch" })).body.job;
  await agent("GET", "/api/v1/agent/poll?wait=0");
  const deleted = await admin("DELETE", `/api/v1/hosts/${host.hostId}`);
  expect(deleted.status).toBe(200);
  expect(deleted.body).toEqual({ ok: true });
  expect((await agent("GET", "/api/v1/agent/poll?wait=0")).status).toBe(401);
  expect((await admin("GET", `/api/v1/hosts/${host.hostId}`)).status).toBe(404);
  expect((await admin("GET", `/api/v1/jobs/${queued.id}`)).body.job.state).toBe("cancelled");
  expect((await admin("GET", `/api/v1/jobs/${running.id}`)).body.job.state).toBe("lost");
  const audit = (await admin("GET", "/api/v1/audit?action=host.deleted")).body.entries;
  expect(audit).toEqual([expect.objectContaining({ actor: "admin", target: host.hostId })]);
});

test("only the newest finished jobs per host are kept, with their output", async () => {
  app = await startTestApp({ terminalJobsKeptPerHost: 2 });
  const host = await enroll(app, "web-1");
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) {
    const job = (
      await app.call("POST", `/api/v1/hosts/${host.hostId}/jobs`, {
        token: app.adminToken,
        json: { op: "pull" },
      })
    ).body.job;
    ids.push(job.id);
    await app.call("GET", "/api/v1/agent/poll?wait=0", { token: host.hostToken });
    await app.call("POST", `/api/v1/agent/jobs/${job.id}/events`, {
      token: host.hostToken,
      json: { output: [outputLine(0)] },
    });
    await app.call("POST", `/api/v1/agent/jobs/${job.id}/result`, {
      token: host.hostToken,
      json: { state: "succeeded", exitCode: 0 },
    });
  }
  const list = await app.call("GET", `/api/v1/jobs?host=${host.hostId}`, { token: app.adminToken });
  expect(list.body.jobs.map((j: { id: string }) => j.id)).toEqual([ids[3], ids[2]]);
  expect((await app.call("GET", `/api/v1/jobs/${ids[0]}`, { token: app.adminToken })).status).toBe(404);
  expect(await Bun.file(join(app.dataDir, "output", `${ids[0]}.jsonl`)).exists()).toBe(false);
  expect(await Bun.file(join(app.dataDir, "output", `${ids[3]}.jsonl`)).exists()).toBe(true);
});
