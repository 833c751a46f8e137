// GET /metrics on an in-process fleetd: each series says what the API says (hosts by platform,
// online, outdated, config state; jobs by op and final state; held polls; rollouts; open alerts;
// store writes; requests by route name; a notification channel's series), and no label value names
// a host, a job, a commit or a path: the number of series is the same for 4 hosts and for 40.
// Notification counts delivery by delivery: metrics-notify.test.ts.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROUTES } from "../../protocol/routes.ts";
import { ConfigError, resolveConfig } from "../../server/config.ts";
import { raiseAlert, resolveAlert } from "../../server/services/alerts.ts";
import { hashToken } from "../../server/services/tokens.ts";
import { dashboardExprs } from "../harness/prometheus.ts";
import {
  AGENT_SHA,
  enroll,
  helloBody,
  hostStateBody,
  removeTempDirs,
  startTestApp,
  type TestApp,
  tempDir,
  waitFor,
  writeTestManifest,
} from "./helpers.ts";
import { parseSamples, type Sample, sampleValue, scrapeApp } from "./metrics-samples.ts";
import { TestReceiver } from "./notify-receiver.ts";

const TARGET = "c".repeat(40);
let app: TestApp;
let linux: { hostId: string; hostToken: string };
let outdated: { hostId: string; hostToken: string };
let mac: { hostId: string; hostToken: string };
let silent: { hostId: string; hostToken: string };
let receiver: TestReceiver;
const admin = () => ({ token: app.adminToken });

const scrape = (token?: string) => scrapeApp(app, token);
const value = sampleValue;

beforeAll(async () => {
  const artifacts = tempDir();
  writeTestManifest(artifacts, "1.2.3", AGENT_SHA);
  app = await startTestApp({ artifactsDir: artifacts, pollWindowMs: 400 });
  expect(
    (await app.call("POST", "/api/v1/config/target/pin", { ...admin(), json: { commit: TARGET } })).status,
  ).toBe(200);
  linux = await enroll(app, "web1");
  outdated = await enroll(app, "web2");
  mac = await enroll(app, "mac1");
  silent = await enroll(app, "never-said-hello");
  const revoked = await enroll(app, "gone");
  const hello = (who: { hostToken: string }, body: Record<string, unknown>) =>
    app.call("POST", "/api/v1/agent/hello", { token: who.hostToken, json: helloBody(body) });
  await hello(linux, { state: hostStateBody(TARGET) });
  await hello(outdated, { version: "1.0.0", state: hostStateBody("b".repeat(40)) });
  await hello(mac, { platform: "darwin", arch: "arm64" });
  await app.call("POST", `/api/v1/hosts/${revoked.hostId}/revoke`, admin());
  // A channel, so its series are served (the alerts raised below are delivered to it).
  receiver = TestReceiver.start();
  const channel = { name: "ops-hook", type: "webhook", url: `${receiver.url}/hook` };
  expect((await app.call("POST", "/api/v1/notify/channels", { ...admin(), json: channel })).status).toBe(201);
});

afterAll(async () => {
  await app.close();
  await receiver.stop();
  removeTempDirs();
});

describe("the fleet's state, counted at scrape time", () => {
  test("hosts by platform, online and outdated agree with GET /api/v1/hosts; revoked hosts are not counted", async () => {
    const samples = await scrape();
    expect(value(samples, "fleet_hosts", { platform: "linux" })).toBe(2);
    expect(value(samples, "fleet_hosts", { platform: "darwin" })).toBe(1);
    expect(value(samples, "fleet_hosts", { platform: "win32" })).toBe(0);
    expect(value(samples, "fleet_hosts", { platform: "unknown" })).toBe(1);
    expect(value(samples, "fleet_hosts_online", { platform: "linux" })).toBe(2);
    expect(value(samples, "fleet_hosts_online", { platform: "darwin" })).toBe(1);
    expect(value(samples, "fleet_hosts_online", { platform: "unknown" })).toBe(0);
    expect(value(samples, "fleet_hosts_agent_outdated", { platform: "linux" })).toBe(1);
    const hosts = (await app.call("GET", "/api/v1/hosts", admin())).body.hosts as {
      online: boolean;
      outdated: boolean;
      revokedAt: string | null;
    }[];
    const live = hosts.filter((h) => !h.revokedAt);
    const sum = (name: string) => samples.filter((s) => s.name === name).reduce((n, s) => n + s.value, 0);
    expect(sum("fleet_hosts")).toBe(live.length);
    expect(sum("fleet_hosts_online")).toBe(live.filter((h) => h.online).length);
    expect(sum("fleet_hosts_agent_outdated")).toBe(live.filter((h) => h.outdated).length);
  });

  test("config states against the pinned target, every state present", async () => {
    const samples = await scrape();
    expect(value(samples, "fleet_hosts_config_state", { state: "current" })).toBe(1);
    expect(value(samples, "fleet_hosts_config_state", { state: "behind" })).toBe(1);
    expect(value(samples, "fleet_hosts_config_state", { state: "unknown" })).toBe(2);
    const states = samples.filter((s) => s.name === "fleet_hosts_config_state").map((s) => s.labels.state);
    expect(states.sort()).toEqual(["behind", "current", "dirty", "failed", "pulled", "unknown", "untested"]);
  });

  test("a held poll shows while it is held", async () => {
    expect(value(await scrape(), "fleet_polls_held")).toBe(0);
    const poll = app.call("GET", "/api/v1/agent/poll", { token: silent.hostToken });
    await waitFor(() => app.fleet.ctx.hub.heldCount() === 1, 2000, "the poll to be held");
    expect(value(await scrape(), "fleet_polls_held")).toBe(1);
    expect((await poll).body).toEqual({ command: null });
    expect(value(await scrape(), "fleet_polls_held")).toBe(0);
  });

  test("open alerts by kind; a resolved one is not counted", async () => {
    await raiseAlert(app.fleet.ctx, "update_failed", linux.hostId, "update to 1.2.3 failed");
    await raiseAlert(app.fleet.ctx, "update_failed", outdated.hostId, "update to 1.2.3 failed");
    let samples = await scrape();
    expect(value(samples, "fleet_alerts_open", { kind: "update_failed" })).toBe(2);
    expect(value(samples, "fleet_alerts_open", { kind: "rollout_halted" })).toBe(0);
    await resolveAlert(app.fleet.ctx, "update_failed", linux.hostId, "the host updated");
    samples = await scrape();
    expect(value(samples, "fleet_alerts_open", { kind: "update_failed" })).toBe(1);
  });

  test("rollouts by kind and state, and the active rollout's hosts", async () => {
    const started = await app.call("POST", "/api/v1/rollouts", {
      ...admin(),
      json: { kind: "update", hosts: [outdated.hostId] },
    });
    expect(started.status).toBe(201);
    let samples = await scrape();
    expect(value(samples, "fleet_rollouts", { kind: "update", state: "running" })).toBe(1);
    const hostsInRollout = samples.filter((s) => s.name === "fleet_rollout_hosts");
    expect(hostsInRollout.reduce((n, s) => n + s.value, 0)).toBe(1);
    await app.call("POST", "/api/v1/rollouts/current/cancel", admin());
    samples = await scrape();
    expect(value(samples, "fleet_rollouts", { kind: "update", state: "running" })).toBe(0);
    expect(value(samples, "fleet_rollouts", { kind: "update", state: "cancelled" })).toBe(1);
    expect(samples.filter((s) => s.name === "fleet_rollout_hosts").every((s) => s.value === 0)).toBe(true);
  });
});

describe("events, counted where they happen", () => {
  test("a job handed out and finished: dispatch latency, duration and its final state by op", async () => {
    const before = await scrape();
    const created = await app.call("POST", `/api/v1/hosts/${mac.hostId}/jobs`, {
      ...admin(),
      json: { op: "test" },
    });
    const jobId = created.body.job.id as string;
    const polled = await app.call("GET", "/api/v1/agent/poll?wait=0", { token: mac.hostToken });
    expect(polled.body.command?.jobId).toBe(jobId);
    await app.call("POST", `/api/v1/agent/jobs/${jobId}/result`, {
      token: mac.hostToken,
      json: { state: "failed", exitCode: 1 },
    });
    const queued = await app.call("POST", `/api/v1/hosts/${silent.hostId}/jobs`, {
      ...admin(),
      json: { op: "pull" },
    });
    await app.call("POST", `/api/v1/jobs/${queued.body.job.id}/cancel`, admin());

    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) =>
      value(after, name, labels) - value(before, name, labels);
    expect(delta("fleet_jobs_finished_total", { op: "test", state: "failed" })).toBe(1);
    expect(delta("fleet_jobs_finished_total", { op: "pull", state: "cancelled" })).toBe(1);
    expect(delta("fleet_jobs_finished_total", { op: "test", state: "succeeded" })).toBe(0);
    expect(delta("fleet_dispatch_latency_seconds_count", { op: "test" })).toBe(1);
    expect(delta("fleet_job_duration_seconds_count", { op: "test" })).toBe(1);
    // A job cancelled in the queue never ran: it has no duration.
    expect(delta("fleet_job_duration_seconds_count", { op: "pull" })).toBe(0);
    expect(value(after, "fleet_dispatch_latency_seconds_bucket", { op: "test", le: "+Inf" })).toBeGreaterThan(
      0,
    );
  });

  test("store writes by file", async () => {
    const samples = await scrape();
    for (const file of [
      "hosts",
      "jobs",
      "audit",
      "alerts",
      "rollouts",
      "config-pin",
      "enroll-tokens",
      "secrets",
    ])
      expect({
        file,
        written: value(samples, "fleet_store_write_duration_seconds_count", { file }) > 0,
      }).toEqual({
        file,
        written: true,
      });
  });

  test("requests by route name and status class, unmatched paths and refusals included", async () => {
    const before = await scrape();
    await app.call("GET", "/api/v1/hosts", admin());
    await app.call("GET", "/api/v1/hosts/h_nosuchhost", admin());
    await app.call("GET", "/api/v1/no/such/path", admin());
    await app.call("GET", "/metrics");
    const after = await scrape();
    const delta = (route: string, status_class: string) =>
      value(after, "fleet_http_requests_total", { route, status_class }) -
      value(before, "fleet_http_requests_total", { route, status_class });
    expect(delta("listHosts", "2xx")).toBe(1);
    expect(delta("getHost", "4xx")).toBe(1);
    expect(delta("none", "4xx")).toBe(1);
    expect(delta("metrics", "4xx")).toBe(1);
    // The scrape that read `before` is counted once it was answered.
    expect(delta("metrics", "2xx")).toBe(1);
  });

  test("the process's own series are there: event-loop lag, CPU, memory", async () => {
    const samples = await scrape();
    for (const name of [
      "nodejs_eventloop_lag_p99_seconds",
      "process_cpu_seconds_total",
      "process_resident_memory_bytes",
    ])
      expect(samples.some((s) => s.name === name)).toBe(true);
    expect(samples.some((s) => s.name.startsWith("nodejs_heap_space"))).toBe(false);
  });
});

describe("label values are bounded", () => {
  /** What each label may hold; anything else (an id, a sha, a path, a name) fails. */
  const ALLOWED: Record<string, RegExp> = {
    platform: /^(linux|darwin|win32|unknown)$/,
    state: /^[a-z_]+$/,
    kind: /^[a-z_]+$/,
    op: /^[a-z]+$/,
    file: /^[a-z-]+$/,
    status_class: /^[2-5]xx$/,
    route: new RegExp(`^(${[...Object.keys(ROUTES), "none"].join("|")})$`),
    le: /^(\+Inf|[0-9.e-]+)$/,
    // Operator-made, at most notifyMaxChannels of them.
    channel: /^ops-hook$/,
    type: /^(webhook|slack|discord|ntfy)$/,
  };

  test("every label is a known one with a value from its closed set; no id, sha or path anywhere", async () => {
    const text = (await app.call("GET", "/metrics", admin())).body as string;
    const ids = [linux, outdated, mac, silent].map((h) => h.hostId);
    for (const id of ids) expect(text).not.toContain(id);
    for (const s of parseSamples(text))
      for (const [label, v] of Object.entries(s.labels)) {
        const allowed = ALLOWED[label];
        expect({ series: s.name, label, known: allowed !== undefined }).toEqual({
          series: s.name,
          label,
          known: true,
        });
        expect({ series: s.name, label, value: v, ok: allowed!.test(v) }).toEqual({
          series: s.name,
          label,
          value: v,
          ok: true,
        });
        expect(/[0-9a-f]{40}|\/|^[hjr]_/.test(v)).toBe(false);
      }
  });

  test("40 hosts, their jobs and reports give exactly the series 4 hosts gave", async () => {
    const seriesOf = (samples: Sample[]) =>
      samples.map((s) => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`).sort();
    const before = seriesOf(await scrape());
    for (let i = 0; i < 36; i++) {
      const host = await enroll(app, `extra-${i}`);
      await app.call("POST", "/api/v1/agent/hello", {
        token: host.hostToken,
        json: helloBody({
          platform: i % 2 ? "win32" : "linux",
          state: hostStateBody(i.toString(16).padStart(40, "0")),
        }),
      });
      await app.call("POST", `/api/v1/hosts/${host.hostId}/jobs`, { ...admin(), json: { op: "switch" } });
      await app.call("GET", `/api/v1/hosts/${host.hostId}`, admin());
    }
    expect(seriesOf(await scrape())).toEqual(before);
  });
});

describe("--metrics-token-file", () => {
  test("the token is read from the file, trailing newline and all, and only its hash is kept", () => {
    const file = join(tempDir(), "metrics-token");
    writeFileSync(file, "prometheus-scrape-token-0123\n");
    const config = resolveConfig({ metricsTokenFile: file }, {});
    expect(config.metricsTokenHash).toBe(hashToken("prometheus-scrape-token-0123"));
    expect(JSON.stringify(config)).not.toContain("prometheus-scrape-token-0123");
    expect(resolveConfig({}, { FLEET_METRICS_TOKEN_FILE: file }).metricsTokenHash).toBe(
      config.metricsTokenHash,
    );
    expect(resolveConfig({}, {}).metricsTokenHash).toBeNull();
  });

  test("a missing file or a token of the wrong shape stops the start, saying which", () => {
    const dir = tempDir();
    expect(() => resolveConfig({ metricsTokenFile: join(dir, "nope") }, {})).toThrow(
      /cannot read the metrics token file .*nope/,
    );
    for (const bad of ["short", "has spaces in it, sixteen+", ""]) {
      const file = join(dir, "bad");
      writeFileSync(file, bad);
      expect(() => resolveConfig({ metricsTokenFile: file }, {})).toThrow(ConfigError);
      expect(() => resolveConfig({ metricsTokenFile: file }, {})).toThrow(/metrics token must be 16-512/);
    }
  });
});

describe("docs/metrics.md and docs/grafana-dashboard.json", () => {
  const docsDir = join(import.meta.dir, "../../docs");
  const SERIES = /\b((?:fleet|process|nodejs)_[a-z0-9_]+)/g;

  test("every series fleetd serves is documented, and every documented one is served", async () => {
    const served = new Set(
      (await scrape())
        .map((s) => s.name.replace(/_(bucket|count|sum)$/, ""))
        .filter((n) => n.startsWith("fleet_")),
    );
    const doc = readFileSync(join(docsDir, "metrics.md"), "utf8");
    const documented = new Set([...doc.matchAll(/^\| `(fleet_[a-z_]+)`/gm)].map((m) => m[1]!));
    expect([...served].sort()).toEqual([...documented].sort());
  });

  test("the dashboard's queries use only series fleetd serves", async () => {
    const served = new Set((await scrape()).map((s) => s.name));
    const exprs = dashboardExprs(join(docsDir, "grafana-dashboard.json"));
    expect(exprs.length).toBeGreaterThan(20);
    const unknown = exprs
      .flatMap((e) => [...e.matchAll(SERIES)].map((m) => m[1]!))
      .filter((n) => !served.has(n));
    expect(unknown).toEqual([]);
  });
});
