// Notifications end to end in one fleetd: alerts raised by what fleetd really does (a failed
// update, the rollout it halts, a failed test, a host gone offline) reach a real receiver on loopback that refuses the first three
// attempts of each, exactly once per idempotency key and correctly signed; Slack, Discord and ntfy
// get their own shapes; filters hold; a channel failing long enough raises an alert of its own that
// it is not sent; and what was pending when fleetd stopped goes out after it starts again.
import { afterEach, describe, expect, test } from "bun:test";
import { NOTIFY_HEADERS, WebhookNotification } from "../../protocol/notify.ts";
import { verifyNotification } from "../../protocol/notify-signature.ts";
import { raiseAlert, resolveAlert } from "../../server/services/alerts.ts";
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
import { TestReceiver } from "./notify-receiver.ts";

/** Retries within a test's time: 20-40 ms, then up to 200 ms apart. */
const FAST = { notifyBackoffBaseMs: 40, notifyBackoffCapMs: 200, sweepIntervalMs: 50 };

let app: TestApp | undefined;
const receivers: TestReceiver[] = [];
afterEach(async () => {
  await app?.close();
  app = undefined;
  for (const r of receivers.splice(0)) await r.stop();
  removeTempDirs();
});

function receiver(refuseFirst = 0): TestReceiver {
  const r = TestReceiver.start(refuseFirst);
  receivers.push(r);
  return r;
}

const admin = () => ({ token: app!.adminToken });

async function addChannel(json: Record<string, unknown>) {
  const reply = await app!.call("POST", "/api/v1/notify/channels", { ...admin(), json });
  expect(reply.status).toBe(201);
  return reply.body as { channel: { id: string; name: string }; secret: string | null };
}

/** A host on 1.2.3 whose rollout to 2.0.0 fails: update_failed for the host, rollout_halted for the rollout. */
async function failedRollout(): Promise<{ hostId: string; rolloutId: string }> {
  const host = await enroll(app!, "web-1");
  const agent = (method: string, path: string, json?: unknown) =>
    app!.call(method, path, { token: host.hostToken, json });
  await agent("POST", "/api/v1/agent/hello", helloBody());
  const started = await app!.call("POST", "/api/v1/rollouts", { ...admin(), json: { kind: "update" } });
  expect(started.status).toBe(201);
  // The rollout worker dispatches on its next turn: held polls, as an agent's, until it comes (a
  // poll may also end empty, woken by the rollout's own bookkeeping).
  let poll = await agent("GET", "/api/v1/agent/poll?wait=5");
  for (let i = 0; i < 5 && !poll.body.command; i++) poll = await agent("GET", "/api/v1/agent/poll?wait=5");
  expect(poll.body.command).toMatchObject({ type: "run", op: "update" });
  const reason = "new agent exited during the soak";
  const result = await agent("POST", `/api/v1/agent/jobs/${poll.body.command.jobId}/result`, {
    state: "failed",
    exitCode: null,
    reason,
    outcome: { op: "update", kind: "rolled_back", reason, restored: true },
  });
  expect(result.status).toBe(200);
  await waitFor(
    async () => {
      const { rollout } = (await app!.call("GET", "/api/v1/rollouts/current", admin())).body;
      return rollout.state === "halted";
    },
    5000,
    "the rollout to halt",
  );
  return { hostId: host.hostId, rolloutId: started.body.rollout.id };
}

async function startWithArtifacts(overrides: Record<string, unknown> = {}) {
  const artifactsDir = tempDir();
  writeTestManifest(artifactsDir, "2.0.0", "b".repeat(64));
  app = await startTestApp({ artifactsDir, ...FAST, ...overrides });
}

describe("a scripted scenario through a webhook that refuses the first three attempts", () => {
  test("every alert event arrives exactly once by idempotency key, signed, after three refusals each", async () => {
    await startWithArtifacts();
    const hook = receiver(3);
    const { channel, secret } = await addChannel({ name: "ops", type: "webhook", url: `${hook.url}/hook` });
    expect(secret).toMatch(/^[0-9a-f]{48}$/);
    const { hostId, rolloutId } = await failedRollout();
    // The scenario's last step: the failed update's alert, once raised, is resolved by a later success.
    const open = async () =>
      (await app!.call("GET", "/api/v1/alerts", admin())).body.alerts as { kind: string }[];
    await waitFor(async () => (await open()).some((a) => a.kind === "update_failed"), 5000, "update_failed");
    await resolveAlert(app!.fleet.ctx, "update_failed", hostId, "updated by a later job");

    const expected = [
      { kind: "update_failed", subject: hostId, event: "raised" },
      { kind: "rollout_halted", subject: rolloutId, event: "raised" },
      { kind: "update_failed", subject: hostId, event: "resolved" },
    ];
    await waitFor(() => hook.accepted.size === expected.length, 30_000, "three deliveries");
    const got = [...hook.accepted.entries()].map(([key, copies]) => {
      expect(copies).toHaveLength(1);
      const [only] = copies;
      const signed = verifyNotification({
        secret: secret!,
        body: only!.body,
        timestamp: only!.headers[NOTIFY_HEADERS.timestamp] ?? null,
        signature: only!.headers[NOTIFY_HEADERS.signature] ?? null,
      });
      expect(signed).toBeNull();
      // Tampering with one byte breaks it.
      expect(
        verifyNotification({
          secret: secret!,
          body: only!.body.replace("raised", "resolvd"),
          timestamp: only!.headers[NOTIFY_HEADERS.timestamp] ?? null,
          signature: only!.headers[NOTIFY_HEADERS.signature] ?? null,
        }),
      ).not.toBeNull();
      const doc = WebhookNotification.parse(JSON.parse(only!.body));
      expect(doc.idempotencyKey).toBe(key);
      expect(key.endsWith(`/${channel.id}`)).toBe(true);
      expect(only!.headers[NOTIFY_HEADERS.event]).toBe(doc.event);
      return { kind: doc.alert!.kind, subject: doc.alert!.subject, event: doc.event };
    });
    expect(new Set(got.map((g) => JSON.stringify(g)))).toEqual(
      new Set(expected.map((e) => JSON.stringify(e))),
    );
    // Three refusals and one success per key, nothing else.
    expect(hook.requests).toHaveLength(expected.length * 4);

    // The receiver has answered; fleetd records each delivery once that answer reaches it.
    const channelNow = async () =>
      (await app!.call("GET", "/api/v1/notify/channels", admin())).body.channels[0];
    await waitFor(async () => (await channelNow()).delivered === 3, 5000, "three deliveries recorded");
    const listed = await channelNow();
    expect(listed).toMatchObject({ delivered: 3, pending: 0, abandoned: 0, failingSince: null });
    expect(listed.lastDeliveredAt).not.toBeNull();
    expect(listed.lastError).toBe("HTTP 503: not now (attempt 3)");
  });

  test("a failed test and a host gone offline: job_failed and host_offline, once each by key, signed", async () => {
    // The same refusing receiver, with the alerts fleetd derives from a job and from presence.
    app = await startTestApp({ ...FAST, offlineGraceMs: 200, offlineAlertSeconds: 1 });
    const hook = receiver(3);
    const { secret } = await addChannel({ name: "ops", type: "webhook", url: `${hook.url}/hook` });
    const db = await enroll(app, "db-1");
    const agent = (method: string, path: string, json?: unknown) =>
      app!.call(method, path, { token: db.hostToken, json });
    await agent("POST", "/api/v1/agent/hello", helloBody());
    const created = await app.call("POST", `/api/v1/hosts/${db.hostId}/jobs`, {
      ...admin(),
      json: { op: "test" },
    });
    expect(created.status).toBe(201);
    const poll = await agent("GET", "/api/v1/agent/poll?wait=0");
    expect(poll.body.command.jobId).toBe(created.body.job.id);
    const failed = await agent("POST", `/api/v1/agent/jobs/${created.body.job.id}/result`, {
      state: "failed",
      exitCode: 1,
      reason: "1/2 passed; failed: T02-db.sh",
    });
    expect(failed.status).toBe(200);
    // Then the host stops polling: offline after offlineGraceMs, an alert after offlineAlertSeconds.
    await waitFor(() => hook.accepted.size === 2, 10_000, "job_failed and host_offline delivered");
    const got = [...hook.accepted.values()].map((copies) => {
      expect(copies).toHaveLength(1);
      const only = copies[0]!;
      expect(
        verifyNotification({
          secret: secret!,
          body: only.body,
          timestamp: only.headers[NOTIFY_HEADERS.timestamp] ?? null,
          signature: only.headers[NOTIFY_HEADERS.signature] ?? null,
        }),
      ).toBeNull();
      const doc = WebhookNotification.parse(JSON.parse(only.body));
      return `${doc.event} ${doc.alert!.kind} ${doc.alert!.subject}`;
    });
    expect(got.sort()).toEqual([`raised host_offline ${db.hostId}`, `raised job_failed ${db.hostId}`]);
    expect(hook.requests).toHaveLength(2 * 4);
  });

  test("an alert raised again is an 'updated' event with a key of its own", async () => {
    app = await startTestApp(FAST);
    const hook = receiver();
    await addChannel({ name: "ops", type: "webhook", url: hook.url });
    const ctx = app.fleet.ctx;
    await raiseAlert(ctx, "update_failed", "h_one", "first");
    await Bun.sleep(5);
    await raiseAlert(ctx, "update_failed", "h_one", "second");
    await waitFor(() => hook.accepted.size === 2, 5000, "two deliveries");
    const events = [...hook.accepted.values()].map((c) => JSON.parse(c[0]!.body));
    expect(events.map((e) => [e.event, e.alert.message])).toEqual([
      ["raised", "first"],
      ["updated", "second"],
    ]);
  });
});

describe("Slack, Discord and ntfy", () => {
  test("each gets its own body and headers", async () => {
    app = await startTestApp(FAST);
    const hook = receiver();
    await addChannel({ name: "slack", type: "slack", url: `${hook.url}/slack` });
    await addChannel({ name: "discord", type: "discord", url: `${hook.url}/discord` });
    await addChannel({
      name: "phone",
      type: "ntfy",
      url: `${hook.url}/fleet-topic`,
      priority: 5,
      tags: ["rotating_light", "fleet"],
      template: "{kind} on {subject}: {message}",
    });
    await raiseAlert(app.fleet.ctx, "rollout_halted", "r_12345", "halted at <web-1> & more");
    await waitFor(() => hook.accepted.size === 3, 5000, "three deliveries");

    const [slack] = hook.acceptedAt("/slack");
    expect(slack!.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(slack!.body)).toEqual({
      text: "[fleet] rollout_halted raised (r_12345): halted at &lt;web-1&gt; &amp; more",
    });
    expect(slack!.headers["x-fleet-signature"]).toBeUndefined();

    const [discord] = hook.acceptedAt("/discord");
    expect(JSON.parse(discord!.body)).toEqual({
      content: "[fleet] rollout_halted raised (r_12345): halted at <web-1> & more",
      allowed_mentions: { parse: [] },
    });

    const [ntfy] = hook.acceptedAt("/fleet-topic");
    expect(ntfy!.body).toBe("rollout_halted on r_12345: halted at <web-1> & more");
    expect(ntfy!.headers).toMatchObject({
      title: "fleet: rollout_halted raised",
      priority: "5",
      tags: "rotating_light,fleet",
      click: "http://fleet.test:8080",
    });
    for (const r of [slack, discord, ntfy])
      expect(r!.headers["idempotency-key"]).toMatch(/^a_[0-9a-f]+\/raised\/ch_/);
  });
});

describe("filters", () => {
  test("a channel gets only its kinds, and only hosts carrying its tags", async () => {
    app = await startTestApp(FAST);
    const hook = receiver();
    await addChannel({ name: "halts", type: "webhook", url: `${hook.url}/halts`, kinds: ["rollout_halted"] });
    await addChannel({ name: "db", type: "webhook", url: `${hook.url}/db`, hostTags: ["db"] });
    const db = await enroll(app, "db-1");
    const web = await enroll(app, "web-1");
    await app.call("POST", "/api/v1/agent/hello", { token: db.hostToken, json: helloBody({ tags: ["db"] }) });
    await app.call("POST", "/api/v1/agent/hello", {
      token: web.hostToken,
      json: helloBody({ tags: ["web"] }),
    });
    const ctx = app.fleet.ctx;
    await raiseAlert(ctx, "update_failed", db.hostId, "db failed");
    await raiseAlert(ctx, "update_failed", web.hostId, "web failed");
    await raiseAlert(ctx, "rollout_halted", "r_12345", "halted");
    await waitFor(() => hook.accepted.size === 2, 5000, "two deliveries");
    await Bun.sleep(200);
    const messages = (path: string) => hook.acceptedAt(path).map((r) => JSON.parse(r.body).alert.message);
    expect(messages("/halts")).toEqual(["halted"]);
    expect(messages("/db")).toEqual(["db failed"]);
  });
});

describe("silences", () => {
  test("a silenced host's alerts are not notified, raised or resolved; other alerts still are", async () => {
    app = await startTestApp(FAST);
    const hook = receiver();
    await addChannel({ name: "all", type: "webhook", url: hook.url });
    const db = await enroll(app, "db-1");
    const silenced = await app.call("POST", "/api/v1/alert-silences", {
      ...admin(),
      json: { subject: "db-1", for: "2h" },
    });
    expect(silenced.status).toBe(200);
    const ctx = app.fleet.ctx;
    await raiseAlert(ctx, "update_failed", db.hostId, "db failed");
    await resolveAlert(ctx, "update_failed", db.hostId, "db fixed");
    await raiseAlert(ctx, "rollout_halted", "r_12345", "halted");
    await waitFor(() => hook.accepted.size === 1, 5000, "one delivery");
    await Bun.sleep(200);
    expect(hook.acceptedAt("/").map((r) => JSON.parse(r.body).alert.message)).toEqual(["halted"]);
  });
});

describe("a failing channel", () => {
  test("raises notification_failing after notifyFailingAlertMs, sent elsewhere but not through it; resolved by its next success", async () => {
    app = await startTestApp({ ...FAST, notifyFailingAlertMs: 300 });
    const broken = receiver();
    broken.failing = true;
    const fine = receiver();
    const { channel } = await addChannel({ name: "broken", type: "webhook", url: broken.url });
    await addChannel({ name: "fine", type: "webhook", url: fine.url });
    await raiseAlert(app.fleet.ctx, "update_failed", "h_one", "failed");
    const open = async () =>
      (await app!.call("GET", "/api/v1/alerts", admin())).body.alerts.filter(
        (a: { kind: string }) => a.kind === "notification_failing",
      );
    await waitFor(async () => (await open()).length === 1, 5000, "notification_failing");
    const [alert] = await open();
    expect(alert.subject).toBe(channel.id);
    expect(alert.message).toContain("fleetctl notify test broken");
    // The board shows it in its header like every open alert.
    const board = (await app.call("GET", "/api/v1/board", admin())).body;
    expect(board.alerts.map((a: { kind: string }) => a.kind)).toContain("notification_failing");

    await waitFor(
      () => fine.accepted.size === 2,
      5000,
      "the alert and notification_failing at the fine channel",
    );
    const kindsAt = (r: TestReceiver) => r.requests.map((q) => JSON.parse(q.body).alert.kind);
    expect(kindsAt(fine).sort()).toEqual(["notification_failing", "update_failed"]);
    expect(kindsAt(broken).every((k) => k === "update_failed")).toBe(true);

    broken.failing = false;
    await waitFor(async () => (await open()).length === 0, 5000, "notification_failing resolved");
    const listed = (await app.call("GET", "/api/v1/notify/channels", admin())).body.channels;
    expect(listed.find((c: { name: string }) => c.name === "broken").failingSince).toBeNull();
    await waitFor(() => fine.accepted.size === 3, 5000, "the resolution at the fine channel");
  });

  test("a delivery failing past notifyRetryForMs is abandoned and stays listed", async () => {
    app = await startTestApp({ ...FAST, notifyRetryForMs: 300 });
    const broken = receiver();
    broken.failing = true;
    await addChannel({ name: "broken", type: "webhook", url: broken.url });
    await raiseAlert(app.fleet.ctx, "update_failed", "h_one", "failed");
    const channel = async () => (await app!.call("GET", "/api/v1/notify/channels", admin())).body.channels[0];
    await waitFor(async () => (await channel()).abandoned === 1, 5000, "the delivery to be abandoned");
    expect(await channel()).toMatchObject({
      pending: 0,
      delivered: 0,
      lastError: expect.stringContaining("HTTP 503: not now (attempt "),
    });
    const tries = broken.requests.length;
    await Bun.sleep(300);
    expect(broken.requests.length).toBe(tries);
  });
});

describe("the outbox outlives fleetd", () => {
  test("pending deliveries go out after a restart on the same data dir, once", async () => {
    app = await startTestApp(FAST);
    const hook = receiver();
    hook.failing = true;
    await addChannel({ name: "ops", type: "webhook", url: hook.url });
    await raiseAlert(app.fleet.ctx, "update_failed", "h_one", "failed");
    await waitFor(() => hook.requests.length >= 1, 5000, "a first attempt");
    const dataDir = app.dataDir;
    await app.close();
    hook.failing = false;
    app = await startTestApp(FAST, dataDir);
    await waitFor(() => hook.accepted.size === 1, 5000, "the delivery after the restart");
    await Bun.sleep(200);
    expect([...hook.accepted.values()][0]).toHaveLength(1);
  });
});
