// fleetd's Prometheus series (prom-client), one registry per app so in-process tests never share
// counts. What happens (a job ends, a command is handed out, a file is written, a request is
// answered) is counted here where it happens; what the fleet looks like is read from the store,
// presence and hub at scrape time (fleet-state.ts), never kept as a second copy. Every label
// value comes from a closed set (an enum of the protocol, a route name, a status class) or names a
// notification channel (at most notifyMaxChannels), so the number of series does not grow with
// the fleet. docs/metrics.md lists every series.
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { Operation } from "../../protocol/job-ops.ts";
import { TERMINAL_STATES } from "../../protocol/jobs.ts";
import { ROUTES, type RouteName } from "../../protocol/routes.ts";
import type { JobRecord } from "../store/records/job.ts";
import { NotifySeries } from "./notify.ts";
import { processMetrics } from "./process.ts";
import type { FleetSnapshot, HostCounts } from "./snapshot.ts";

/** The label for a request that matched no route (or was refused before routing, e.g. 413 by size). */
export const NO_ROUTE = "none";

/** The files the store writes, as the store names them; anything else would be a bug, shown as "other". */
export const STORE_FILES = [
  "hosts",
  "host-states",
  "jobs",
  "enroll-tokens",
  "secrets",
  "alerts",
  "alert-silences",
  "rollouts",
  "config-pin",
  "notify-channels",
  "outbox",
  "audit",
  "output",
  "vitals",
] as const;

const STATUS_CLASSES = ["2xx", "3xx", "4xx", "5xx"] as const;

export class FleetMetrics {
  readonly registry = new Registry();

  readonly jobsFinished = new Counter({
    name: "fleet_jobs_finished_total",
    help: "Jobs that reached a final state, by op and that state.",
    labelNames: ["op", "state"] as const,
    registers: [this.registry],
  });

  readonly jobDuration = new Histogram({
    name: "fleet_job_duration_seconds",
    help: "From a job's handing-out to its agent until its final state, by op (jobs never handed out are not counted).",
    labelNames: ["op"] as const,
    buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
    registers: [this.registry],
  });

  readonly dispatchLatency = new Histogram({
    name: "fleet_dispatch_latency_seconds",
    help: "From a job's creation until a poll answer hands it to its agent, by op.",
    labelNames: ["op"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800],
    registers: [this.registry],
  });

  readonly storeWriteDuration = new Histogram({
    name: "fleet_store_write_duration_seconds",
    help: "One write of the data dir (serialize, write, fsync) as the store does it, by file.",
    labelNames: ["file"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });

  readonly httpRequests = new Counter({
    name: "fleet_http_requests_total",
    help: "HTTP requests answered, by route name (protocol/routes.ts) and status class.",
    labelNames: ["route", "status_class"] as const,
    registers: [this.registry],
  });

  /** Deliveries and failed attempts by channel (counted by the outbox worker), pending ones at scrape. */
  readonly notify = new NotifySeries(this.registry, () => this._fleetNow()?.channels ?? []);

  constructor() {
    // Every combination starts at 0, so rate() and increase() see the first event.
    for (const op of Operation.options) {
      for (const state of TERMINAL_STATES) this.jobsFinished.inc({ op, state }, 0);
      this.jobDuration.zero({ op });
      this.dispatchLatency.zero({ op });
    }
    for (const file of STORE_FILES) this.storeWriteDuration.zero({ file });
    for (const route of [...(Object.keys(ROUTES) as RouteName[]), NO_ROUTE])
      for (const status_class of STATUS_CLASSES) this.httpRequests.inc({ route, status_class }, 0);
  }

  /** Reads the fleet's state; render takes one snapshot per scrape for every gauge. */
  private readFleet: (() => FleetSnapshot) | null = null;
  private scraped: FleetSnapshot | null = null;

  /** Registers the gauges of the fleet's state, filled by collect callbacks at scrape time. */
  watchFleet(read: () => FleetSnapshot): void {
    this.readFleet = read;
    const snapshot = () => this._fleetNow() ?? read();
    for (const def of FLEET_GAUGES)
      new Gauge({
        name: def.name,
        help: def.help,
        labelNames: def.labels,
        registers: [this.registry],
        collect() {
          for (const [labels, value] of def.values(snapshot())) this.set(labels, value);
        },
      });
  }

  /** The scrape's snapshot; outside render (a test reading the registry itself) a fresh one. */
  private _fleetNow(): FleetSnapshot | null {
    return this.scraped ?? this.readFleet?.() ?? null;
  }

  /** The text Prometheus scrapes: fleetd's series, then the process's. */
  async render(): Promise<string> {
    this.scraped = this.readFleet?.() ?? null;
    try {
      return (await this.registry.metrics()) + (await processMetrics().metrics());
    } finally {
      this.scraped = null;
    }
  }

  readonly contentType = this.registry.contentType;

  /** A store write landed; `file` is the collection's file name without extension. */
  readonly observeStoreWrite = (file: string, seconds: number): void => {
    const known = (STORE_FILES as readonly string[]).includes(file);
    this.storeWriteDuration.observe({ file: known ? file : "other" }, seconds);
  };

  /** A job reached its final state (finishJob, the one way every job ends). */
  jobFinished(job: Readonly<JobRecord>): void {
    this.jobsFinished.inc({ op: job.op, state: job.state });
    if (job.dispatchedAt && job.finishedAt)
      this.jobDuration.observe({ op: job.op }, _secondsBetween(job.dispatchedAt, job.finishedAt));
  }

  /** A poll answer carries the job's command to its agent. */
  jobHandedOut(job: Readonly<JobRecord>): void {
    if (job.dispatchedAt)
      this.dispatchLatency.observe({ op: job.op }, _secondsBetween(job.createdAt, job.dispatchedAt));
  }

  countRequest(route: RouteName | typeof NO_ROUTE, status: number): void {
    const status_class = `${Math.min(5, Math.max(2, Math.floor(status / 100)))}xx`;
    this.httpRequests.inc({ route, status_class });
  }
}

const _secondsBetween = (from: string, to: string) => Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000);

type Labels = Record<string, string>;

interface FleetGauge {
  name: string;
  help: string;
  labels: string[];
  values(s: FleetSnapshot): Iterable<[Labels, number]>;
}

const perPlatform = (key: keyof HostCounts) =>
  function* (s: FleetSnapshot): Iterable<[Labels, number]> {
    for (const [platform, counts] of Object.entries(s.hosts)) yield [{ platform }, counts[key]];
  };

function* byLabel(label: string, counts: Record<string, number>): Iterable<[Labels, number]> {
  for (const [value, n] of Object.entries(counts)) yield [{ [label]: value }, n];
}

const FLEET_GAUGES: FleetGauge[] = [
  {
    name: "fleet_hosts",
    help: "Enrolled hosts whose token is not revoked, by platform.",
    labels: ["platform"],
    values: perPlatform("enrolled"),
  },
  {
    name: "fleet_hosts_online",
    help: "Hosts online now (as GET /api/v1/hosts says), by platform.",
    labels: ["platform"],
    values: perPlatform("online"),
  },
  {
    name: "fleet_hosts_agent_outdated",
    help: "Hosts whose agent differs from the build fleetd serves for their platform, by platform.",
    labels: ["platform"],
    values: perPlatform("outdated"),
  },
  {
    name: "fleet_hosts_config_state",
    help: "Hosts by config state against the config target.",
    labels: ["state"],
    values: (s) => byLabel("state", s.configStates),
  },
  {
    name: "fleet_polls_held",
    help: "Agent long-polls fleetd holds open now.",
    labels: [],
    values: (s) => [[{}, s.heldPolls]],
  },
  {
    name: "fleet_rollouts",
    help: "Rollouts fleetd keeps (the active one and the last finished ones), by kind and state.",
    labels: ["kind", "state"],
    *values(s) {
      for (const [kind, states] of Object.entries(s.rollouts))
        for (const [state, n] of Object.entries(states)) yield [{ kind, state }, n];
    },
  },
  {
    name: "fleet_rollout_hosts",
    help: "Hosts of the active (running or paused) rollout by their state; all 0 without one.",
    labels: ["state"],
    values: (s) => byLabel("state", s.activeRolloutHosts),
  },
  {
    name: "fleet_alerts_open",
    help: "Open (unresolved) alerts, by kind.",
    labels: ["kind"],
    values: (s) => byLabel("kind", s.openAlerts),
  },
];
