// The results table: every fleetd figure next to the baseline's and their ratio, with the issue's
// target where it has one. Missing a target is reported, never an error; broken runs are errors.
import type { DriveResult } from "./phases/drive.ts";
import type { FootprintResult } from "./phases/footprint.ts";
import type { EventLoopLag } from "./phases/lag.ts";
import type { LoadResult } from "./phases/load.ts";
import type { ScrapeResult } from "./phases/metrics.ts";
import type { RolloutResult } from "./phases/rollout.ts";
import type { StatePass, StateResult } from "./phases/state.ts";
import type { VitalsResult } from "./phases/vitals.ts";
import type { LatencySummary } from "./stats.ts";

export interface BenchResults {
  fleetd: DriveResult;
  baseline: DriveResult;
  rollout: RolloutResult;
  /** A config deploy of the same hosts, batch and soak, after the update. */
  deploy: RolloutResult;
  /** The hosts' config-state reports, and the quiet window after them. */
  state: { fleetd: StateResult; baseline: StateResult };
  /**
   * Every host sending vitals at the agent's rate, against the same window without (fleetd only),
   * and vitals.json as shutdown left it, written every `snapshotMin` minutes.
   */
  vitals: VitalsResult & { snapshotBytes: number; snapshotMin: number };
  /** GET /metrics with every host holding a poll and its state stored (fleetd only). */
  scrape: ScrapeResult;
  footprint: FootprintResult;
  load: LoadResult;
  /** SIGTERM → exit of fleetd with every host holding a poll: answers them all, flushes state. */
  shutdownMs: number;
  agents: number;
  /** fleetd's lastSeenCheckpointMs in minutes: a full hosts.json write that often while hosts stay online. */
  lastSeenCheckpointMin: number;
}

export interface Row {
  figure: string;
  fleetd: string;
  baseline: string;
  ratio: string;
  target: string;
  met: "yes" | "no" | "" | "met";
}

const MB = 1024 * 1024;
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "n/a");
const f0 = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "n/a");
const ratio = (a: number, b: number) => (b > 0 && Number.isFinite(a) ? `${(a / b).toFixed(2)}×` : "—");
const met = (ok: boolean): Row["met"] => (ok ? "yes" : "no");
const pair = (l: LatencySummary) => `${f1(l.p50)} / ${f1(l.p99)}`;
const pairRatio = (a: LatencySummary, b: LatencySummary) => `${ratio(a.p50, b.p50)} / ${ratio(a.p99, b.p99)}`;
const lagPair = (l: EventLoopLag | null) => (l ? `${f1(l.p99Ms)} / ${f1(l.maxMs)}` : "n/a");
const _worstLag = (lags: (EventLoopLag | null)[]): EventLoopLag | null =>
  lags.reduce<EventLoopLag | null>((worst, l) => (l && (!worst || l.maxMs > worst.maxMs) ? l : worst), null);
const passCost = (p: StatePass) =>
  `${f1(p.wallMs / 1000)} / ${p.cpuSeconds.toFixed(2)} / ${f1(p.writeBytes / MB)}`;

export function buildRows(r: BenchResults): Row[] {
  const { fleetd: f, baseline: b, agents } = r;
  const dropped = (d: DriveResult) => d.final.agentsWithErrors;
  const steadyMin = (d: DriveResult) => d.steady.usage.seconds / 60;
  const perMinute = f.steady.usage.writeBytes / steadyMin(f);
  const loadCost = r.load.startFullMs - r.load.startEmptyMs;
  return [
    {
      figure: `Hosts holding a poll (fewest seen, of ${f0(agents)})`,
      fleetd: f0(f.steady.holdingMin),
      baseline: f0(b.steady.holdingMin),
      ratio: ratio(f.steady.holdingMin, b.steady.holdingMin),
      target: `${f0(agents)} held`,
      met: met(f.steady.holdingMin >= agents * 0.99 && dropped(f) === 0),
    },
    {
      figure: "Hosts online as the server reports it",
      fleetd: f0(f.steady.serverOnline),
      baseline: f0(b.steady.serverOnline),
      ratio: ratio(f.steady.serverOnline, b.steady.serverOnline),
      target: "",
      met: "",
    },
    {
      figure: "Hosts dropped (any failed request or cut poll)",
      fleetd: f0(dropped(f)),
      baseline: f0(dropped(b)),
      ratio: "",
      target: "none dropped",
      met: met(dropped(f) === 0),
    },
    {
      figure: `Poll round trips per second (closed loop, ?wait=0; median of ${f.bursts.length} alternating rounds)`,
      fleetd: f0(f.burst.perSecond),
      baseline: f0(b.burst.perSecond),
      ratio: ratio(f.burst.perSecond, b.burst.perSecond),
      target: "≥ 0.8× baseline",
      met: met(f.burst.perSecond >= 0.8 * b.burst.perSecond),
    },
    {
      figure: "fleetd event-loop delay p99 / max, ms: worst burst round · steady · dispatch",
      fleetd: [_worstLag(f.bursts.map((x) => x.lag)), f.steady.lag, f.dispatch.lag].map(lagPair).join(" · "),
      baseline: "—",
      ratio: "",
      target: "",
      met: "",
    },
    ...(["p50", "p99", "max"] as const).map(
      (p): Row => ({
        figure: `Dispatch latency ${p}, ms (admin POST sent → host has it)`,
        fleetd: f1(f.dispatch[p]),
        baseline: f1(b.dispatch[p]),
        ratio: ratio(f.dispatch[p], b.dispatch[p]),
        target: p === "p99" ? "≤ 25 ms" : "",
        met: p === "p99" ? met(f.dispatch.p99 <= 25) : "",
      }),
    ),
    {
      figure: "Commands delivered / sent",
      fleetd: `${f.dispatch.delivered} / ${f.dispatch.sent}`,
      baseline: `${b.dispatch.delivered} / ${b.dispatch.sent}`,
      ratio: "",
      target: "all",
      met: met(f.dispatch.delivered === f.dispatch.sent),
    },
    {
      figure: "Server RSS, MB, steady state (end / peak)",
      fleetd: `${f1(f.steady.usage.rssEndBytes / MB)} / ${f1(f.steady.usage.rssPeakBytes / MB)}`,
      baseline: `${f1(b.steady.usage.rssEndBytes / MB)} / ${f1(b.steady.usage.rssPeakBytes / MB)}`,
      ratio: ratio(f.steady.usage.rssPeakBytes, b.steady.usage.rssPeakBytes),
      target: "≤ 300 MB",
      met: met(f.steady.usage.rssPeakBytes <= 300 * MB),
    },
    {
      figure: "Server RSS, MB, peak over the whole run (enroll, bursts, hold, dispatch, rollout)",
      fleetd: f1(f.rssPeakRunBytes / MB),
      baseline: f1(b.rssPeakRunBytes / MB),
      ratio: ratio(f.rssPeakRunBytes, b.rssPeakRunBytes),
      target: "≤ 300 MB",
      met: met(f.rssPeakRunBytes <= 300 * MB),
    },
    {
      figure: "Server RSS, MB, after all phases",
      fleetd: f1(f.rssAfterBytes / MB),
      baseline: f1(b.rssAfterBytes / MB),
      ratio: ratio(f.rssAfterBytes, b.rssAfterBytes),
      target: "≤ 300 MB",
      met: met(f.rssAfterBytes <= 300 * MB),
    },
    {
      figure: "Server CPU, % of one core, steady state",
      fleetd: f1(f.steady.usage.cpuPercent),
      baseline: f1(b.steady.usage.cpuPercent),
      ratio: ratio(f.steady.usage.cpuPercent, b.steady.usage.cpuPercent),
      target: "",
      met: "",
    },
    {
      figure: "Server CPU, % of one core, poll burst",
      fleetd: f1(f.burst.usage.cpuPercent),
      baseline: f1(b.burst.usage.cpuPercent),
      ratio: ratio(f.burst.usage.cpuPercent, b.burst.usage.cpuPercent),
      target: "",
      met: "",
    },
    {
      figure: "Server CPU, % of one core, dispatch phase",
      fleetd: f1(f.dispatch.usage.cpuPercent),
      baseline: f1(b.dispatch.usage.cpuPercent),
      ratio: ratio(f.dispatch.usage.cpuPercent, b.dispatch.usage.cpuPercent),
      target: "",
      met: "",
    },
    {
      figure: `Data dir writes, KB/min, steady state (hosts.json is ${f1(r.load.hostsJsonBytes / 1024)} KB)`,
      fleetd: f1(perMinute / 1024),
      baseline: "0 (keeps nothing)",
      ratio: "",
      target: "∝ changes, not fleet size",
      met: met(perMinute < r.load.hostsJsonBytes),
    },
    ...stateRows(r),
    ...vitalsRows(r),
    {
      figure: `GET /metrics with ${f0(agents)} hosts, ms p50 / max (${r.scrape.scrapes} scrapes 2 s apart)`,
      fleetd: `${f1(r.scrape.p50Ms)} / ${f1(r.scrape.maxMs)}`,
      baseline: "—",
      ratio: "",
      target: "",
      met: "",
    },
    {
      figure: "GET /metrics: fleetd CPU ms per scrape / KB / samples (labels bounded: size not ∝ hosts)",
      fleetd: `${f0(r.scrape.cpuMsPerScrape)} / ${f1(r.scrape.bytes / 1024)} / ${f0(r.scrape.samples)}`,
      baseline: "—",
      ratio: "",
      target: "",
      met: "",
    },
    {
      figure: `lastSeen checkpoint, amortized KB/min (one hosts.json per ${r.lastSeenCheckpointMin} min)`,
      fleetd: f1(r.load.hostsJsonBytes / 1024 / r.lastSeenCheckpointMin),
      baseline: "—",
      ratio: "",
      target: "",
      met: "",
    },
    {
      figure: `Store flush, ms (${f0(r.load.hosts)} hosts, ${f0(r.load.jobs)} jobs all changed)`,
      fleetd: f1(r.load.storeFlushMs),
      baseline: "—",
      ratio: "",
      target: "",
      met: "",
    },
    {
      figure: `Shutdown with ${f0(agents)} held polls (SIGTERM → exit, incl. flush), ms`,
      fleetd: f0(r.shutdownMs),
      baseline: "—",
      ratio: "",
      target: "",
      met: "",
    },
    {
      figure: `Start-up on the ${f0(r.load.hosts)}-host data dir (${f1(r.load.dataDirBytes / MB)} MB) → healthy, ms`,
      fleetd: f0(r.load.startFullMs),
      baseline: `${f0(r.load.startEmptyMs)} (empty dir)`,
      ratio: ratio(r.load.startFullMs, r.load.startEmptyMs),
      target: "load ≤ 1 s",
      met: met(loadCost <= 1000 && r.load.storeOpenMs <= 1000),
    },
    {
      figure: "Store open (read + validate the data dir), ms",
      fleetd: f0(r.load.storeOpenMs),
      baseline: "—",
      ratio: "",
      target: "≤ 1 s",
      met: met(r.load.storeOpenMs <= 1000),
    },
    ...rolloutRows(r.rollout, r.deploy),
    {
      figure: "Agent idle RSS, MB (fleet-agent vs bare sleeping Bun binary)",
      fleetd: f1(r.footprint.agent.rssPeakBytes / MB),
      baseline: f1(r.footprint.bare.rssPeakBytes / MB),
      ratio: ratio(r.footprint.agent.rssPeakBytes, r.footprint.bare.rssPeakBytes),
      target: "≤ 1.5×",
      met: met(r.footprint.agent.rssPeakBytes <= 1.5 * r.footprint.bare.rssPeakBytes),
    },
    {
      figure: "Agent idle RSS split, MB: private (RssAnon) / file-backed (the executable's code pages)",
      fleetd: `${f1(r.footprint.agent.rssAnonEndBytes / MB)} / ${f1((r.footprint.agent.rssEndBytes - r.footprint.agent.rssAnonEndBytes) / MB)}`,
      baseline: `${f1(r.footprint.bare.rssAnonEndBytes / MB)} / ${f1((r.footprint.bare.rssEndBytes - r.footprint.bare.rssAnonEndBytes) / MB)}`,
      ratio: ratio(r.footprint.agent.rssAnonEndBytes, r.footprint.bare.rssAnonEndBytes),
      target: "",
      met: "",
    },
    {
      figure: "Agent peak RSS since it started (VmHWM, start-up included), MB",
      fleetd: f1(r.footprint.agent.rssHighWaterBytes / MB),
      baseline: f1(r.footprint.bare.rssHighWaterBytes / MB),
      ratio: ratio(r.footprint.agent.rssHighWaterBytes, r.footprint.bare.rssHighWaterBytes),
      target: "",
      met: "",
    },
    {
      figure: `Agent idle CPU, % of one core over ${f0(r.footprint.agent.seconds)} s`,
      fleetd: r.footprint.agent.cpuPercent.toFixed(3),
      baseline: r.footprint.bare.cpuPercent.toFixed(3),
      ratio: "",
      target: "≤ 0.1 %",
      met: met(r.footprint.agent.cpuPercent <= 0.1),
    },
    {
      figure: "Setup: enroll every host (token + enroll), s",
      fleetd: f1(f.enroll.ms / 1000),
      baseline: f1(b.enroll.ms / 1000),
      ratio: ratio(f.enroll.ms, b.enroll.ms),
      target: "",
      met: "",
    },
    {
      figure: "Setup: every host's hello, s / long-polls all held after, s",
      fleetd: `${f1(f.hello.ms / 1000)} / ${f1(f.rampMs / 1000)}`,
      baseline: `${f1(b.hello.ms / 1000)} / ${f1(b.rampMs / 1000)}`,
      ratio: "",
      target: "",
      met: "",
    },
    {
      figure: "Load generators' CPU during the burst, % of one core",
      fleetd: f1(f.burst.generatorCpuPercent),
      baseline: f1(b.burst.generatorCpuPercent),
      ratio: "",
      target: "",
      met: "",
    },
  ];
}

/** Issue 17's cost: hellos with and without state, the reports, and the quiet after them. */
function stateRows(r: BenchResults): Row[] {
  const { fleetd: f, baseline: b } = r.state;
  const row = (figure: string, fl: string, bl: string, rt: string, target = "", m: Row["met"] = ""): Row => ({
    figure,
    fleetd: fl,
    baseline: bl,
    ratio: rt,
    target,
    met: m,
  });
  const latency = (figure: string, pf: LatencySummary, pb: LatencySummary) =>
    row(figure, pair(pf), pair(pb), pairRatio(pf, pb));
  const n = f0(r.agents);
  const fp = f.passes;
  const bp = b.passes;
  const noState = r.fleetd.steady;
  const steadyMin = f.steady.usage.seconds / 60;
  const perMinute = f.steady.usage.writeBytes / steadyMin;
  const lists = f.listMs;
  return [
    latency(
      "Hello latency p50 / p99, ms: no state (hosts holding polls)",
      fp.helloNoState.latencies,
      bp.helloNoState.latencies,
    ),
    latency(
      "Hello latency p50 / p99, ms: with the host's first state (one change each)",
      fp.helloFirstState.latencies,
      bp.helloFirstState.latencies,
    ),
    latency(
      "Hello latency p50 / p99, ms: that same state again, by its hash (a restart; no change)",
      fp.helloSameState.latencies,
      bp.helloSameState.latencies,
    ),
    latency(
      "agentState report latency p50 / p99, ms (each host once, a changed state)",
      fp.reportState.latencies,
      bp.reportState.latencies,
    ),
    row(
      `Hellos with first state from ${n} hosts: wall s / server CPU s / MB written`,
      passCost(fp.helloFirstState),
      passCost(bp.helloFirstState),
      ratio(fp.helloFirstState.cpuSeconds, bp.helloFirstState.cpuSeconds),
    ),
    row(
      `agentState reports from ${n} hosts: wall s / server CPU s / MB written`,
      passCost(fp.reportState),
      passCost(bp.reportState),
      ratio(fp.reportState.cpuSeconds, bp.reportState.cpuSeconds),
    ),
    row(
      `Hosts on the reported commit in GET /api/v1/hosts / derived "pulled" (target from ${f.targetSource ?? "none"})`,
      `${f0(f.storedStates ?? Number.NaN)} / ${f0(f.derivedStates?.pulled ?? 0)}`,
      "—",
      "",
      "all",
      met(f.storedStates === r.agents && f.derivedStates?.pulled === r.agents),
    ),
    latency(
      "Poll lateness p50 / p99, ms, steady, no host has reported state (held poll: reply − wait)",
      noState.pollLate,
      r.baseline.steady.pollLate,
    ),
    latency(
      "Poll lateness p50 / p99, ms, steady, every host's state stored",
      f.steady.pollLate,
      b.steady.pollLate,
    ),
    row(
      "Server CPU, % of one core, steady state, every host's state stored",
      f1(f.steady.usage.cpuPercent),
      f1(b.steady.usage.cpuPercent),
      ratio(f.steady.usage.cpuPercent, b.steady.usage.cpuPercent),
    ),
    row(
      "Server RSS, MB, steady state, every host's state stored (end / peak)",
      `${f1(f.steady.usage.rssEndBytes / MB)} / ${f1(f.steady.usage.rssPeakBytes / MB)}`,
      `${f1(b.steady.usage.rssEndBytes / MB)} / ${f1(b.steady.usage.rssPeakBytes / MB)}`,
      ratio(f.steady.usage.rssPeakBytes, b.steady.usage.rssPeakBytes),
      "≤ 300 MB",
      met(f.steady.usage.rssPeakBytes <= 300 * MB),
    ),
    row(
      "Data dir writes, KB/min, steady state, every host's state stored",
      f1(perMinute / 1024),
      "0 (keeps nothing)",
      "",
      "∝ changes, not fleet size",
      met(perMinute < r.load.hostsJsonBytes),
    ),
    row(
      "GET /api/v1/board, ms: before any state → every host's stored (median of 3)",
      lists ? `${f1(lists.boardBefore)} → ${f1(lists.boardAfter)}` : "n/a",
      "—",
      lists ? ratio(lists.boardAfter, lists.boardBefore) : "",
    ),
    row(
      "GET /api/v1/hosts, ms: before any state → every host's stored (median of 3)",
      lists ? `${f1(lists.hostsBefore)} → ${f1(lists.hostsAfter)}` : "n/a",
      "—",
      lists ? ratio(lists.hostsAfter, lists.hostsBefore) : "",
    ),
  ];
}

/** fleetd with vitals in the fleetd column, the same window without them in the baseline column. */
function vitalsRows(r: BenchResults): Row[] {
  const v = r.vitals;
  const perMin = (w: VitalsResult["with"]) => w.usage.writeBytes / 1024 / (w.usage.seconds / 60);
  const snapshotPerMin = v.snapshotMin > 0 ? v.snapshotBytes / 1024 / v.snapshotMin : Number.NaN;
  const every = `${f0(r.agents)} hosts every ${f0(v.intervalMs / 1000)} s`;
  const row = (figure: string, withV: string, without: string, ratioText: string): Row => ({
    figure,
    fleetd: withV,
    baseline: without,
    ratio: ratioText,
    target: "",
    met: "",
  });
  return [
    row(
      `Server CPU, % of one core: vitals from ${every} (fleetd column) vs none (baseline column)`,
      f1(v.with.usage.cpuPercent),
      f1(v.without.usage.cpuPercent),
      ratio(v.with.usage.cpuPercent, v.without.usage.cpuPercent),
    ),
    row(
      "Data dir writes, KB/min: with vitals vs without, same windows",
      f1(perMin(v.with)),
      f1(perMin(v.without)),
      ratio(perMin(v.with), perMin(v.without)),
    ),
    row(
      `vitals.json at shutdown, KB (written every ${f0(v.snapshotMin)} min: KB/min amortized)`,
      `${f1(v.snapshotBytes / 1024)} (${f1(snapshotPerMin)}/min)`,
      "—",
      "",
    ),
    row(
      "Vitals samples sent / failed, and POST /agent/vitals ms p50 / p99",
      `${f0(v.sent)} / ${f0(v.failed)}, ${pair(v.latencies)}`,
      "—",
      "",
    ),
    row(
      "Polls late while vitals arrive, ms p50 / p99 (with vs without)",
      pair(v.with.pollLate),
      pair(v.without.pollLate),
      pairRatio(v.with.pollLate, v.without.pollLate),
    ),
  ];
}

const _batches = (r: RolloutResult) => (r.batch === null ? "growing batches" : `batch ${r.batch}`);

/** The update and the deploy of the same hosts: the wall-time target, and what each cost fleetd. */
export function rolloutRows(update: RolloutResult, deploy: RolloutResult): Row[] {
  const groups = (r: RolloutResult) => r.groups.map((g) => g.hosts).join(" + ");
  return [
    {
      figure: `Rollout, ${f0(update.hosts)} hosts, canary 1, ${_batches(update)} (${groups(update)}), soak ${update.soakSeconds} s: wall time, s`,
      fleetd: `${f1(update.wallMs / 1000)} (${update.state}, ${update.done} done)`,
      baseline: "—",
      ratio: "",
      target: "≤ 60 s",
      met: met(update.wallMs <= 60_000 && update.state === "completed"),
    },
    {
      figure: `Deploy, ${f0(deploy.hosts)} hosts, canary 1, ${_batches(deploy)}, soak ${deploy.soakSeconds} s: wall time, s (vs the update)`,
      fleetd: `${f1(deploy.wallMs / 1000)} (${deploy.state}, ${deploy.done} done)`,
      baseline: `${f1(update.wallMs / 1000)} (update)`,
      ratio: ratio(deploy.wallMs, update.wallMs),
      target: "≤ 60 s",
      met: met(deploy.wallMs <= 60_000 && deploy.state === "completed"),
    },
    {
      figure: "Deploy vs update of those hosts: fleetd CPU, s",
      fleetd: f1(deploy.serverCpuMs / 1000),
      baseline: `${f1(update.serverCpuMs / 1000)} (update)`,
      ratio: ratio(deploy.serverCpuMs, update.serverCpuMs),
      target: "",
      met: "",
    },
  ];
}

/** A rollout that did not complete every host means the run is broken. */
export function rolloutBroken(update: RolloutResult, deploy: RolloutResult): string[] {
  const out: string[] = [];
  for (const [name, r] of [
    ["rollout", update],
    ["deploy", deploy],
  ] as const) {
    if (r.state !== "completed" || r.done !== r.hosts)
      out.push(`${name} ended ${r.state} with ${r.done}/${r.hosts} done`);
  }
  return out;
}

/** Problems that mean the run is broken, not merely slow. */
export function brokenReasons(r: BenchResults): string[] {
  const out: string[] = [];
  for (const [name, d] of [
    ["fleetd", r.fleetd],
    ["baseline", r.baseline],
  ] as const) {
    if (d.final.agentsWithErrors > 0)
      out.push(`${name}: ${d.final.agentsWithErrors} hosts saw errors ${JSON.stringify(d.final.errors)}`);
    if (d.dispatch.delivered !== d.dispatch.sent)
      out.push(`${name}: ${d.dispatch.sent - d.dispatch.delivered} commands never reached their host`);
    for (const [step, pass] of Object.entries(r.state[name].passes))
      if (pass.failed) out.push(`${name}: ${step}: ${pass.failed} requests failed: ${pass.firstError}`);
  }
  if (r.state.fleetd.storedStates !== r.agents)
    out.push(`fleetd shows ${r.state.fleetd.storedStates} of ${r.agents} hosts on the reported commit`);
  if (r.vitals.failed) out.push(`vitals: ${r.vitals.failed} samples failed: ${r.vitals.firstError}`);
  if (r.vitals.storedHosts !== r.agents)
    out.push(`vitals: fleetd shows vitals for ${r.vitals.storedHosts} of ${r.agents} hosts`);
  if (r.vitals.snapshotBytes === 0) out.push("vitals: fleetd left no vitals.json at shutdown");
  out.push(...rolloutBroken(r.rollout, r.deploy));
  return out;
}

export function formatTable(rows: Row[]): string {
  const cols = ["figure", "fleetd", "baseline", "ratio", "target", "met"] as const;
  return formatGrid(
    ["Figure", "fleetd", "baseline", "ratio", "target", "met"],
    rows.map((r) => cols.map((c) => r[c])),
  );
}

/** A markdown table of `rows` under `header`, every column padded to its widest cell. */
export function formatGrid(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length), 3));
  const line = (r: string[]) => `| ${widths.map((w, i) => (r[i] ?? "").padEnd(w)).join(" | ")} |`;
  const rule = `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}
