// Alerts through the real API: each kind raised by the condition fleetd sees (after its threshold,
// never before), one open alert per kind and host however often the condition is seen again,
// resolved when the condition is over, every raise and resolve audited; acks and silences with
// their bad input refused and nothing stored changed.

import { afterEach, describe, expect, test } from "bun:test";
import { Operation } from "../../protocol/job-ops.ts";
import { resolveConfig } from "../../server/config.ts";
import { checkHostConditions } from "../../server/services/alert-conditions.ts";
import { sweep } from "../../server/services/sweeper.ts";
import {
  enroll,
  fingerprintDir,
  helloBody,
  hostStateBody,
  removeTempDirs,
  startTestApp,
  type TestApp,
  waitFor,
} from "./helpers.ts";

let app: TestApp;
afterEach(async () => {
  await app?.close();
  removeTempDirs();
});

/** The sweeper runs by hand here (sweep, checkHostConditions), at the times a test says. */
const quiet = { sweepIntervalMs: 3_600_000 };

const admin = () => ({ token: app.adminToken });
const alerts = async (all = false) =>
  (await app.call("GET", `/api/v1/alerts${all ? "?all=1" : ""}`, admin())).body.alerts as {
    id: string;
    kind: string;
    subject: string;
    message: string;
    resolvedAt?: string;
    resolution?: string;
    ackedAt?: string;
    ackedBy?: string;
    silenced: boolean;
  }[];
const auditOf = async (action: string) =>
  (await app.call("GET", "/api/v1/audit?limit=500", admin())).body.entries.filter(
    (e: { action: string }) => e.action === action,
  );

/** Runs `op` on the host and reports `state` as its result. */
async function runJob(host: { hostId: string; hostToken: string }, op: string, state: string, extra = {}) {
  const created = await app.call("POST", `/api/v1/hosts/${host.hostId}/jobs`, {
    ...admin(),
    json: { op, ...extra },
  });
  expect(created.status).toBe(201);
  const jobId: string = created.body.job.id;
  const poll = await app.call("GET", "/api/v1/agent/poll?wait=0", { token: host.hostToken });
  expect(poll.body.command.jobId).toBe(jobId);
  const result = (json: unknown) =>
    app.call("POST", `/api/v1/agent/jobs/${jobId}/result`, { token: host.hostToken, json });
  return {
    jobId,
    result,
    finish: (more = {}) => result({ state, exitCode: state === "succeeded" ? 0 : 1, ...more }),
  };
}

/** A current agent's hello: it lists every op, deploy included (fleetd sends no other). */
const helloWithEveryOp = (host: { hostToken: string }) =>
  app.call("POST", "/api/v1/agent/hello", {
    token: host.hostToken,
    json: helloBody({ ops: [...Operation.options] }),
  });

describe("job_failed", () => {
  test("a failed test raises it, a second failure keeps one alert, a passing rerun resolves it", async () => {
    app = await startTestApp(quiet);
    const db1 = await enroll(app, "db1");
    await app.call("POST", "/api/v1/agent/hello", { token: db1.hostToken, json: helloBody() });
    const first = await runJob(db1, "test", "failed");
    expect((await first.finish()).status).toBe(200);
    let open = await alerts();
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ kind: "job_failed", subject: db1.hostId, silenced: false });
    expect(open[0]!.message).toContain(`test failed on db1 (job ${first.jobId}, exit 1)`);
    expect(open[0]!.message).toContain("fleetctl run test db1 --wait");

    const second = await runJob(db1, "test", "timed_out");
    await second.finish();
    open = await alerts();
    expect(open).toHaveLength(1);
    expect(open[0]!.message).toContain(`test timed out on db1 (job ${second.jobId}`);
    expect(await auditOf("alert.raised")).toHaveLength(1);

    // A cancelled test says nothing about whether the tests pass.
    const cancelled = await app.call("POST", `/api/v1/hosts/${db1.hostId}/jobs`, {
      ...admin(),
      json: { op: "test" },
    });
    await app.call("POST", `/api/v1/jobs/${cancelled.body.job.id}/cancel`, admin());
    expect(await alerts()).toHaveLength(1);

    const rerun = await runJob(db1, "test", "succeeded");
    await rerun.finish();
    expect(await alerts()).toEqual([]);
    const [resolved] = await alerts(true);
    expect(resolved).toMatchObject({
      kind: "job_failed",
      resolution: `test succeeded on db1 (job ${rerun.jobId})`,
    });
    const audited = await auditOf("alert.resolved");
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({
      actor: "fleetd",
      target: resolved!.id,
      details: { kind: "job_failed" },
    });
  });

  test("the alert lasts while any of switch and test has not succeeded since it failed", async () => {
    app = await startTestApp(quiet);
    const web1 = await enroll(app, "web1");
    await (await runJob(web1, "switch", "failed")).finish();
    await (await runJob(web1, "test", "failed")).finish();
    const both = await alerts();
    expect(both).toHaveLength(1);
    expect(both[0]!.message).toMatch(/^switch failed on web1 .*; test failed on web1 /);
    await (await runJob(web1, "test", "succeeded")).finish();
    expect((await alerts())[0]!.message).toStartWith("switch failed on web1");
    // A pull is not one of the watched ops: it neither raises nor resolves.
    await (await runJob(web1, "pull", "failed")).finish();
    expect(await alerts()).toHaveLength(1);
    await (await runJob(web1, "switch", "succeeded")).finish();
    expect(await alerts()).toEqual([]);
  });
});

describe("deploys", () => {
  const commit = "d".repeat(40);
  const deployOutcome = (kind: string, extra = {}) => ({
    op: "deploy",
    kind,
    commit,
    generationBefore: 41,
    generationAfter: 41,
    ...extra,
  });

  test("a deploy that rolled back raises rolled_back (not job_failed); a deploy that succeeds resolves it", async () => {
    app = await startTestApp(quiet);
    const web1 = await enroll(app, "web1");
    await helloWithEveryOp(web1);
    const deploy = await runJob(web1, "deploy", "failed", { args: { commit } });
    const posted = await deploy.finish({ outcome: deployOutcome("rolled_back", { cause: "tests_failed" }) });
    expect(posted.status).toBe(200);
    const open = await alerts();
    expect(open.map((a) => a.kind)).toEqual(["rolled_back"]);
    expect(open[0]!.message).toContain(
      "rolled back from dddddddddddd to generation 41 because the host's tests failed",
    );

    const failedAgain = await runJob(web1, "deploy", "failed", { args: { commit } });
    await failedAgain.finish({ outcome: deployOutcome("rollback_failed", { cause: "switch_failed" }) });
    const worse = await alerts();
    expect(worse).toHaveLength(1);
    expect(worse[0]!.message).toContain("could not roll back");

    const ok = await runJob(web1, "deploy", "succeeded", { args: { commit } });
    await ok.finish({ outcome: deployOutcome("deployed", { generationAfter: 42 }) });
    expect(await alerts()).toEqual([]);
  });

  test("a deploy that failed before the switch raises job_failed", async () => {
    app = await startTestApp(quiet);
    const web1 = await enroll(app, "web1");
    await helloWithEveryOp(web1);
    const deploy = await runJob(web1, "deploy", "failed", { args: { commit } });
    await deploy.finish({ reason: "fetch failed", outcome: deployOutcome("failed_before_switch") });
    const [alert] = await alerts();
    expect(alert).toMatchObject({ kind: "job_failed" });
    expect(alert!.message).toContain("deploy failed on web1");
    expect(alert!.message).toContain("fetch failed");
  });
});

describe("host_offline", () => {
  test("raised once the host has been offline offlineAlertSeconds, not before; back online resolves it", async () => {
    app = await startTestApp({ ...quiet, offlineAlertSeconds: 5 });
    const web1 = await enroll(app, "web1");
    await app.call("POST", "/api/v1/agent/hello", { token: web1.hostToken, json: helloBody() });
    const ctx = app.fleet.ctx;
    const wasOnline = new Map<string, boolean>();
    const t0 = Date.now();
    sweep(ctx, wasOnline, t0);
    expect(await alerts()).toEqual([]);
    // Offline from t0 + offlineGraceMs on: 4 s later is below the threshold, 6 s later past it.
    const offlineAt = t0 + ctx.config.offlineGraceMs;
    sweep(ctx, wasOnline, offlineAt + 4_000);
    expect(await alerts()).toEqual([]);
    sweep(ctx, wasOnline, offlineAt + 6_000);
    sweep(ctx, wasOnline, offlineAt + 7_000);
    const open = await alerts();
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ kind: "host_offline", subject: web1.hostId });
    expect(open[0]!.message).toMatch(/^web1 has been offline for \d+ s \(last seen \d\d:\d\d UTC\); /);
    expect(open[0]!.message).toContain("systemctl status fleet-agent");
    // The sweep does not wait for the raise's audit entry.
    await waitFor(async () => (await auditOf("alert.raised")).length === 1, 3000, "alert.raised audited");

    await app.call("POST", "/api/v1/agent/hello", { token: web1.hostToken, json: helloBody() });
    sweep(ctx, wasOnline);
    expect(await alerts()).toEqual([]);
    expect((await alerts(true))[0]).toMatchObject({
      kind: "host_offline",
      resolution: "web1 is back online",
    });
  });

  test("deleting an offline host resolves its alerts", async () => {
    app = await startTestApp({ ...quiet, offlineAlertSeconds: 1 });
    const gone = await enroll(app, "gone");
    // Never seen since fleetd started: the sweep's pass over every host finds it.
    await Promise.all(checkHostConditions(app.fleet.ctx, new Map(), Date.now() + 3_600_000));
    expect((await alerts()).map((a) => a.kind)).toEqual(["host_offline"]);
    await app.call("DELETE", `/api/v1/hosts/${gone.hostId}`, admin());
    expect(await alerts()).toEqual([]);
    expect((await alerts(true))[0]!.resolution).toBe("host gone was deleted");
  });
});

describe("config_behind and needs_reboot", () => {
  const A = "a1".repeat(20);
  const B = "b2".repeat(20);

  test("behind the target longer than behindAlertSeconds raises config_behind; reaching it resolves it", async () => {
    app = await startTestApp({ ...quiet, behindAlertSeconds: 60 });
    const web1 = await enroll(app, "web1");
    const db1 = await enroll(app, "db1");
    const hello = (token: string, state: unknown) =>
      app.call("POST", "/api/v1/agent/hello", { token, json: helloBody({ state }) });
    await hello(web1.hostToken, hostStateBody(B));
    const older = hostStateBody(A);
    older.checkout.fetchedAt = "2026-01-02T08:00:00.000Z";
    await hello(db1.hostToken, older);
    const ctx = app.fleet.ctx;
    const behindSince = new Map<string, number>();
    const t0 = Date.now();
    await Promise.all(checkHostConditions(ctx, behindSince, t0));
    await Promise.all(checkHostConditions(ctx, behindSince, t0 + 59_000));
    expect(await alerts()).toEqual([]);
    await Promise.all(checkHostConditions(ctx, behindSince, t0 + 61_000));
    await Promise.all(checkHostConditions(ctx, behindSince, t0 + 62_000));
    const open = await alerts();
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ kind: "config_behind", subject: db1.hostId });
    expect(open[0]!.message).toContain(`at ${A.slice(0, 12)}, target ${B.slice(0, 12)}`);
    expect(open[0]!.message).toContain("fleetctl run pull db1 --wait && fleetctl run switch db1 --wait");

    await app.call("POST", "/api/v1/agent/state", { token: db1.hostToken, json: hostStateBody(B) });
    await Promise.all(checkHostConditions(ctx, behindSince, t0 + 63_000));
    expect(await alerts()).toEqual([]);
    expect((await alerts(true))[0]!.resolution).toBe("db1 is at the target");
  });

  test("a system that needs a reboot raises needs_reboot; the reboot resolves it", async () => {
    app = await startTestApp(quiet);
    const web1 = await enroll(app, "web1");
    const state = hostStateBody(A);
    state.system.needsReboot = true;
    await app.call("POST", "/api/v1/agent/state", { token: web1.hostToken, json: state });
    const ctx = app.fleet.ctx;
    await Promise.all(checkHostConditions(ctx, new Map(), Date.now()));
    await Promise.all(checkHostConditions(ctx, new Map(), Date.now()));
    const open = await alerts();
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ kind: "needs_reboot", subject: web1.hostId });
    expect(open[0]!.message).toContain("reboot it");
    await app.call("POST", "/api/v1/agent/state", { token: web1.hostToken, json: hostStateBody(A) });
    await Promise.all(checkHostConditions(ctx, new Map(), Date.now()));
    expect(await alerts()).toEqual([]);
  });

  test("the thresholds are limits FLEET_LIMITS overrides by name", () => {
    const config = resolveConfig(
      {},
      { FLEET_LIMITS: '{"offlineAlertSeconds": 30, "behindAlertSeconds": 3600}' },
    );
    expect(config.offlineAlertSeconds).toBe(30);
    expect(config.behindAlertSeconds).toBe(3600);
    expect(resolveConfig({}, {}).offlineAlertSeconds).toBe(300);
    expect(resolveConfig({}, {}).behindAlertSeconds).toBe(86_400);
  });
});

describe("ack and silences", () => {
  async function failedTest() {
    app = await startTestApp(quiet);
    const db1 = await enroll(app, "db1");
    await (await runJob(db1, "test", "failed")).finish();
    const [alert] = await alerts();
    return { db1, alert: alert! };
  }

  test("ack marks the alert with who and when, audited; it stays open until its condition is over", async () => {
    const { db1, alert } = await failedTest();
    const acked = await app.call("POST", `/api/v1/alerts/${alert.id}/ack`, admin());
    expect(acked.status).toBe(200);
    expect(acked.body.alert).toMatchObject({ id: alert.id, ackedBy: "admin" });
    expect(acked.body.alert.resolvedAt).toBeUndefined();
    expect((await auditOf("alert.acked"))[0]).toMatchObject({ actor: "admin", target: alert.id });
    // Raised again by a second failure, it keeps its ack.
    await (await runJob(db1, "test", "failed")).finish();
    expect((await alerts())[0]).toMatchObject({ id: alert.id, ackedBy: "admin" });
    await (await runJob(db1, "test", "succeeded")).finish();
    const resolved = await app.call("POST", `/api/v1/alerts/${alert.id}/ack`, admin());
    expect(resolved.status).toBe(409);
    expect(resolved.body.error.message).toContain("already resolved");
  });

  test("an unknown alert id is 404 and stores nothing", async () => {
    await failedTest();
    const before = fingerprintDir(app.dataDir);
    const reply = await app.call("POST", "/api/v1/alerts/a_nosuch/ack", admin());
    expect(reply.status).toBe(404);
    expect(reply.body.error.message).toBe('no alert with id "a_nosuch"');
    expect(fingerprintDir(app.dataDir)).toEqual(before);
  });

  test("a host silenced by name marks its alerts silenced; unsilence ends it; both audited", async () => {
    const { db1 } = await failedTest();
    const silenced = await app.call("POST", "/api/v1/alert-silences", {
      ...admin(),
      json: { subject: "db1", for: "2h" },
    });
    expect(silenced.status).toBe(200);
    expect(silenced.body.silence).toMatchObject({
      subject: db1.hostId,
      subjectType: "host",
      hostName: "db1",
    });
    const until = Date.parse(silenced.body.silence.until) - Date.now();
    expect(until).toBeGreaterThan(7_190_000);
    expect(until).toBeLessThanOrEqual(7_200_000);
    expect((await alerts())[0]!.silenced).toBe(true);
    const listed = await app.call("GET", "/api/v1/alert-silences", admin());
    expect(listed.body.silences).toHaveLength(1);
    expect(await auditOf("alert.silenced")).toHaveLength(1);

    const removed = await app.call("DELETE", "/api/v1/alert-silences/db1", admin());
    expect(removed.status).toBe(200);
    expect((await alerts())[0]!.silenced).toBe(false);
    expect(await auditOf("alert.unsilenced")).toHaveLength(1);
    const again = await app.call("DELETE", "/api/v1/alert-silences/db1", admin());
    expect(again.status).toBe(404);
  });

  test("a kind silenced marks every alert of that kind, and survives a restart", async () => {
    await failedTest();
    await app.call("POST", "/api/v1/alert-silences", {
      ...admin(),
      json: { subject: "job_failed", for: "30m" },
    });
    expect((await alerts())[0]!.silenced).toBe(true);
    const dataDir = app.dataDir;
    await app.close();
    app = await startTestApp(quiet, dataDir);
    expect((await alerts())[0]!.silenced).toBe(true);
  });

  test("a silence that ran out no longer silences", async () => {
    await failedTest();
    await app.call("POST", "/api/v1/alert-silences", { ...admin(), json: { subject: "db1", for: "1s" } });
    expect((await alerts())[0]!.silenced).toBe(true);
    await Bun.sleep(1100);
    expect((await alerts())[0]!.silenced).toBe(false);
    expect((await app.call("GET", "/api/v1/alert-silences", admin())).body.silences).toEqual([]);
  });

  test("bad silences are refused with a clear 4xx and nothing stored changes", async () => {
    await failedTest();
    const before = fingerprintDir(app.dataDir);
    const cases: [unknown, number, RegExp][] = [
      [{ subject: "db1", for: "2x" }, 400, /whole number and a unit s, m, h or d/],
      [{ subject: "db1", for: "-2h" }, 400, /whole number and a unit/],
      [{ subject: "db1", for: "0h" }, 400, /at least 1s/],
      [{ subject: "db1", for: "31d" }, 400, /at most 30d/],
      [{ subject: "db1", for: 7200 }, 400, /for/],
      [{ subject: "db1" }, 400, /for/],
      [{ subject: "db1", for: "2h", extra: 1 }, 400, /extra/],
      [{ subject: "no such/host", for: "2h" }, 400, /subject/],
      [{ subject: "nosuchhost", for: "2h" }, 404, /\\"nosuchhost\\" is neither a host nor an alert kind/],
    ];
    for (const [json, status, message] of cases) {
      const reply = await app.call("POST", "/api/v1/alert-silences", { ...admin(), json });
      expect({ json, status: reply.status }).toEqual({ json, status });
      expect(JSON.stringify(reply.body)).toMatch(message);
    }
    const unsilence = await app.call("DELETE", "/api/v1/alert-silences/nosuchhost", admin());
    expect(unsilence.status).toBe(404);
    expect(fingerprintDir(app.dataDir)).toEqual(before);
  });
});
