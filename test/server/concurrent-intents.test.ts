// Requests that race for one check-then-change, sent at once through the API: each is decided by
// one repository intent, so exactly one of them changes anything and the others hear why not.
import { afterEach, expect, test } from "bun:test";
import {
  enroll,
  helloBody,
  hostStateBody,
  removeTempDirs,
  startTestApp,
  type TestApp,
  vitalsBody,
} from "./helpers.ts";

const NEW = "1".repeat(40);
const OPS = ["pull", "switch", "test", "restart", "update", "deploy", "rollback"];

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
  removeTempDirs();
});

const admin = (method: string, path: string, json?: unknown) =>
  app!.call(method, path, { token: app!.adminToken, ...(json !== undefined ? { json } : {}) });

const audited = async (action: string) =>
  (await admin("GET", `/api/v1/audit?action=${action}&limit=100`)).body.entries as unknown[];

test("two deploys started at once, while the target is looked up: one starts, the other is refused naming it", async () => {
  app = await startTestApp();
  const { hostToken } = await enroll(app, "web1");
  const hello = { ops: OPS, state: hostStateBody("0".repeat(40)) };
  expect(
    (await app.call("POST", "/api/v1/agent/hello", { token: hostToken, json: helloBody(hello) })).status,
  ).toBe(200);
  const start = () => admin("POST", "/api/v1/rollouts", { kind: "deploy", commit: NEW, soakSeconds: 0 });
  const replies = await Promise.all([start(), start()]);
  expect(replies.map((r) => r.status).sort()).toEqual([201, 409]);
  const started = replies.find((r) => r.status === 201)!.body.rollout;
  const refused = replies.find((r) => r.status === 409)!.body.error;
  expect(refused.message).toBe(`rollout ${started.id} is running; wait for it, or cancel it first`);
  expect(refused.details).toEqual({ rolloutId: started.id });
  expect((await admin("GET", "/api/v1/rollouts")).body.rollouts).toHaveLength(1);
  expect(await audited("rollout.started")).toHaveLength(1);
});

test("two cancels of a dispatched job at once: it is flagged once, both answer it flagged", async () => {
  app = await startTestApp();
  const { hostId, hostToken } = await enroll(app, "web1");
  expect(
    (await app.call("POST", "/api/v1/agent/hello", { token: hostToken, json: helloBody() })).status,
  ).toBe(200);
  const job = (await admin("POST", `/api/v1/hosts/${hostId}/jobs`, { op: "pull" })).body.job;
  const poll = await app.call("GET", "/api/v1/agent/poll?wait=0", { token: hostToken });
  expect(poll.body.command).toMatchObject({ type: "run", jobId: job.id });
  const replies = await Promise.all([
    admin("POST", `/api/v1/jobs/${job.id}/cancel`),
    admin("POST", `/api/v1/jobs/${job.id}/cancel`),
  ]);
  expect(replies.map((r) => [r.status, r.body.job.state, r.body.job.cancelRequested])).toEqual([
    [200, "dispatched", true],
    [200, "dispatched", true],
  ]);
  expect(await audited("job.cancel_requested")).toHaveLength(1);
});

test("an enroll and a revoke of one token at once: exactly one of them happens", async () => {
  app = await startTestApp();
  const created = (await admin("POST", "/api/v1/enroll-tokens", {})).body;
  const [enrolled, revoked] = await Promise.all([
    app.call("POST", "/api/v1/enroll", { json: { token: created.token, name: "web1" } }),
    admin("POST", `/api/v1/enroll-tokens/${created.id}/revoke`),
  ]);
  expect([enrolled.status, revoked.status].filter((s) => s < 300)).toHaveLength(1);
  if (enrolled.status === 201) expect(revoked.body.error.message).toContain("is already used");
  else expect(enrolled.body.error.message).toBe("enroll token revoked");
  const hosts = (await admin("GET", "/api/v1/hosts")).body.hosts;
  expect(hosts).toHaveLength(enrolled.status === 201 ? 1 : 0);
});

test("two acks of one alert at once: it is acked and audited once, both answer it acked", async () => {
  app = await startTestApp({ diskFullPercent: 90 });
  const { hostToken } = await enroll(app, "db1");
  expect(
    (await app.call("POST", "/api/v1/agent/hello", { token: hostToken, json: helloBody() })).status,
  ).toBe(200);
  const sample = await app.call("POST", "/api/v1/agent/vitals", {
    token: hostToken,
    json: vitalsBody(undefined, 95),
  });
  expect(sample.status).toBe(200);
  const [alert] = (await admin("GET", "/api/v1/alerts")).body.alerts;
  expect(alert.kind).toBe("disk_full");
  const replies = await Promise.all([
    admin("POST", `/api/v1/alerts/${alert.id}/ack`),
    admin("POST", `/api/v1/alerts/${alert.id}/ack`),
  ]);
  expect(replies.map((r) => [r.status, r.body.alert.ackedBy])).toEqual([
    [200, "admin"],
    [200, "admin"],
  ]);
  expect(await audited("alert.acked")).toHaveLength(1);
});
