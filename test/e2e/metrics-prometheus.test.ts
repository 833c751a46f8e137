// A real Prometheus server scrapes the compiled fleetd with the read-only metrics token (from a
// file, as docs/metrics.md sets it up), and PromQL through its HTTP API counts the online hosts
// before and after one of two real agents is killed. promtool check metrics passes on what the
// compiled fleetd serves (a notification channel's series included), and the metrics token reads
// nothing but /metrics.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tierSkipReason } from "../../scripts/test/tiers.ts";
import {
  type Binaries,
  ensureBinaries,
  runToEnd,
  type TestAgent,
  TestFleet,
  tempDir,
  waitFor,
} from "../harness/index.ts";
import { dashboardExprs, TestPrometheus } from "../harness/prometheus.ts";

const noPrometheus = tierSkipReason("prometheus");
const METRICS_TOKEN = "prometheus-scrape-token-0123456789";

let bins: Binaries;
let fleet: TestFleet;
let prom: TestPrometheus;
let doomed: TestAgent;

beforeAll(async () => {
  if (noPrometheus) return;
  bins = await ensureBinaries("1.0.0-test");
  const tokenFile = join(tempDir("metrics-token"), "token");
  writeFileSync(tokenFile, `${METRICS_TOKEN}\n`, { mode: 0o600 });
  // A short grace, so the killed agent's host shows offline within seconds, not 10 s.
  fleet = await TestFleet.start(bins, ["--metrics-token-file", tokenFile], {
    FLEET_LIMITS: JSON.stringify({ offlineGraceMs: 1000 }),
  });
  // A channel, so its series are in what promtool checks (nothing listens there; no alert fires).
  await fleet.api("POST", "/api/v1/notify/channels", {
    name: "ops",
    type: "webhook",
    url: "http://127.0.0.1:9/hook",
  });
  await fleet.addAgent("stays");
  doomed = await fleet.addAgent("doomed");
  await waitFor(async () => (await fleet.hosts()).filter((h) => h.online).length === 2, {
    what: "both agents online",
    timeoutMs: 30_000,
  });
  prom = await TestPrometheus.start({
    address: new URL(fleet.url).host,
    tokenFile,
    scrapeIntervalSeconds: 1,
  });
}, 300_000);

afterAll(async () => {
  await prom?.stop();
  await fleet?.stop();
});

describe.skipIf(noPrometheus !== null)(
  `Prometheus scrapes fleetd ${noPrometheus ? `(skipped: ${noPrometheus})` : ""}`,
  () => {
    test("PromQL counts 2 online hosts, then 1 once an agent is killed", async () => {
      // up == 1 means the scrape with the token from credentials_file was let in and parsed.
      await waitFor(async () => (await prom.value('up{job="fleetd"}')) === 1, {
        what: "Prometheus' first good scrape of fleetd",
        timeoutMs: 30_000,
      });
      await waitFor(async () => (await prom.value("sum(fleet_hosts_online)")) === 2, {
        what: "2 online hosts in Prometheus",
        timeoutMs: 15_000,
      });
      expect(await prom.value("sum(fleet_hosts)")).toBe(2);
      expect(await prom.value('fleet_hosts_online{platform="linux"}')).toBe(
        process.platform === "linux" ? 2 : 0,
      );

      await doomed.halt();
      await waitFor(async () => (await prom.value("sum(fleet_hosts_online)")) === 1, {
        what: "1 online host in Prometheus after the kill",
        timeoutMs: 30_000,
      });
      // Prometheus and the API agree, and the killed host is still enrolled.
      const online = (await fleet.hosts()).filter((h) => h.online).map((h) => h.name);
      expect(online).toEqual(["stays"]);
      expect(await prom.value("sum(fleet_hosts)")).toBe(2);
      // The scrapes themselves are counted, by route name.
      expect(
        await prom.value('fleet_http_requests_total{route="metrics",status_class="2xx"}'),
      ).toBeGreaterThan(0);
    }, 120_000);

    test("every query of docs/grafana-dashboard.json is PromQL that Prometheus runs without an error", async () => {
      const exprs = dashboardExprs(join(import.meta.dir, "../../docs/grafana-dashboard.json"));
      const failures: string[] = [];
      for (const expr of exprs) {
        // Grafana fills $__rate_interval and the like; this dashboard uses none, so each runs as is.
        const result = await prom.query(expr).catch((err: Error) => err);
        if (result instanceof Error) failures.push(result.message);
      }
      expect(failures).toEqual([]);
    });

    test("promtool check metrics passes on the compiled fleetd's /metrics", async () => {
      const res = await fetch(`${fleet.url}/metrics`, {
        headers: { authorization: `Bearer ${METRICS_TOKEN}` },
      });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toContain("fleet_jobs_finished_total");
      expect(text).toContain('fleet_notify_deliveries_total{channel="ops",type="webhook"} 0');
      const check = await runToEnd(["promtool", "check", "metrics"], {}, { stdin: text });
      expect({ code: check.code, out: check.stdout + check.stderr }).toEqual({ code: 0, out: "" });
    });

    test("the metrics token reads /metrics only; a wrong one is 401", async () => {
      const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
      expect((await fetch(`${fleet.url}/api/v1/hosts`, bearer(METRICS_TOKEN))).status).toBe(401);
      expect((await fetch(`${fleet.url}/metrics`, bearer(`${METRICS_TOKEN}x`))).status).toBe(401);
      expect((await fetch(`${fleet.url}/metrics`)).status).toBe(401);
      expect((await fetch(`${fleet.url}/metrics`, bearer(fleet.adminToken))).status).toBe(200);
    });
  },
);
