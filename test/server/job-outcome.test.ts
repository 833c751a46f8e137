// A job's outcome through the agent API: stored from the agent's result and shown by the API;
// an outcome-less 0.1.x result mapped from its reason in one place; and fleetd acting on the
// outcome (audit, alert), never on the reason text.
import { afterEach, describe, expect, test } from "bun:test";
import { legacyOutcome } from "../../server/services/job-outcome.ts";
import { enroll, helloBody, removeTempDirs, startTestApp, type TestApp } from "./helpers.ts";

let app: TestApp;
afterEach(async () => {
  await app?.close();
  removeTempDirs();
});

const UPDATE_ARGS = { version: "2.0.0", sha256: "b".repeat(64) };

/** An update job dispatched to a host that said hello; returns a way to post its result. */
async function dispatchedUpdate() {
  app = await startTestApp();
  const host = await enroll(app, "web-1");
  const agent = (method: string, path: string, json?: unknown) =>
    app.call(method, path, { token: host.hostToken, json });
  await agent("POST", "/api/v1/agent/hello", helloBody());
  const created = await app.call("POST", `/api/v1/hosts/${host.hostId}/jobs`, {
    token: app.adminToken,
    json: { op: "update", args: UPDATE_ARGS },
  });
  expect(created.status).toBe(201);
  const jobId: string = created.body.job.id;
  const poll = await agent("GET", "/api/v1/agent/poll?wait=0");
  expect(poll.body.command).toEqual({
    type: "run",
    jobId,
    op: "update",
    args: { ...UPDATE_ARGS, allowDowngrade: false },
  });
  const result = (body: unknown) => agent("POST", `/api/v1/agent/jobs/${jobId}/result`, body);
  const job = async () =>
    (await app.call("GET", `/api/v1/jobs/${jobId}`, { token: app.adminToken })).body.job;
  const audit = async () =>
    (await app.call("GET", "/api/v1/audit?limit=100", { token: app.adminToken })).body.entries.map(
      (e: { action: string }) => e.action,
    );
  return { host, jobId, result, job, audit };
}

describe("an update's outcome", () => {
  test("a rollback is read from the outcome, stored on the job and shown by the API", async () => {
    const { result, job, audit } = await dispatchedUpdate();
    const outcome = {
      op: "update",
      kind: "rolled_back",
      reason: "new agent exited during the soak",
      restored: true,
    };
    // The reason is only for people: nothing in it says "rolled back" to a machine.
    const posted = await result({
      state: "failed",
      exitCode: null,
      reason: "went badly; back on 1.2.3",
      outcome,
    });
    expect(posted.status).toBe(200);
    expect(await job()).toMatchObject({ state: "failed", outcome, reason: "went badly; back on 1.2.3" });
    expect(await audit()).toContain("host.update_rolled_back");
    const alerts = await app.call("GET", "/api/v1/alerts", { token: app.adminToken });
    expect(JSON.stringify(alerts.body)).toContain("update_failed");
  });

  test("a failure that is not a rollback is audited as a plain failure, whatever its reason says", async () => {
    const { result, job, audit } = await dispatchedUpdate();
    const outcome = { op: "update", kind: "failed_before_swap" };
    await result({ state: "failed", exitCode: null, reason: "rolled_back: looks like one, is not", outcome });
    expect((await job()).outcome).toEqual(outcome);
    const actions = await audit();
    expect(actions).toContain("host.update_failed");
    expect(actions).not.toContain("host.update_rolled_back");
  });

  test("a 0.1.x agent's outcome-less 'rolled_back: …' result is mapped to a rolled_back outcome", async () => {
    const { result, job, audit } = await dispatchedUpdate();
    const reason = "rolled_back: new agent did not say hello on 2.0.0 within 15 s; back on 1.2.3";
    expect((await result({ state: "failed", exitCode: null, reason })).status).toBe(200);
    expect(await job()).toMatchObject({
      state: "failed",
      reason,
      outcome: {
        op: "update",
        kind: "rolled_back",
        reason: "new agent did not say hello on 2.0.0 within 15 s",
        restored: true,
      },
    });
    expect(await audit()).toContain("host.update_rolled_back");
  });

  test("an outcome of unknown kind is refused with a 400 and the job stays as it was", async () => {
    const { result, job } = await dispatchedUpdate();
    const refused = await result({
      state: "succeeded",
      exitCode: 0,
      outcome: { op: "update", kind: "exploded" },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe("validation_failed");
    expect(refused.body.error.message).toContain("outcome");
    const after = await job();
    expect(after.state).toBe("dispatched");
    expect(after.outcome).toBeUndefined();
    expect(after.finishedAt).toBeUndefined();
  });
});

describe("legacyOutcome (0.1.x agents)", () => {
  const failed = (reason?: string) => ({ state: "failed" as const, exitCode: null, reason });

  test("the two rollback wordings of 0.1.x map to rolled_back, restored or not", () => {
    expect(legacyOutcome("update", failed("rolled_back: new agent exited; back on 1.0.0"))).toEqual({
      op: "update",
      kind: "rolled_back",
      reason: "new agent exited",
      restored: true,
    });
    expect(
      legacyOutcome(
        "update",
        failed("rolled_back: crash; the previous agent has not come back either: no hello within 30 s"),
      ),
    ).toEqual({ op: "update", kind: "rolled_back", reason: "crash", restored: false });
  });

  test("anything else has no outcome: other reasons, no reason, other ops", () => {
    expect(legacyOutcome("update", failed("update failed: ECONNRESET"))).toBeUndefined();
    expect(legacyOutcome("update", failed())).toBeUndefined();
    expect(legacyOutcome("switch", failed("rolled_back: not an update"))).toBeUndefined();
  });
});
