// One server under load, driven the same way whether it is fleetd or the baseline: enroll every
// host and say hello (setupFleet), bursts of closed-loop polls for throughput (measureBurst, run
// alternately against both servers by main.ts so that background load falls on both alike), then
// every host holding a long-poll (steady state) and commands dispatched into the held polls.
import type { DispatchSample, GeneratorStats, StepResult } from "../generator/messages.ts";
import { GeneratorPool } from "../generators.ts";
import type { BenchOptions } from "../options.ts";
import { measure, rssBytes, type Usage } from "../proc.ts";
import { type LatencySummary, percentile, summarize } from "../stats.ts";
import type { Target } from "../targets.ts";
import { type EventLoopLag, withLag } from "./lag.ts";

export interface SetupResult {
  enroll: { ms: number; failed: number };
  hello: { ms: number; failed: number };
}

/** A quiet window with every host holding a poll: what the server spends, and how late polls come back. */
export interface SteadyWindow {
  usage: Usage;
  /** Held polls answered empty: round trip minus the wait asked for, ms. */
  pollLate: LatencySummary;
}

export interface BurstResult {
  roundTrips: number;
  perSecond: number;
  usage: Usage;
  /** CPU the generator processes spent over the burst. */
  generatorCpuPercent: number;
  /** fleetd's event-loop delay over the burst (null for the baseline). */
  lag: EventLoopLag | null;
}

export interface HoldResult {
  /** From the first long-poll sent to every host holding one. */
  rampMs: number;
  steady: SteadyWindow & {
    /** Fewest and most hosts holding a poll at the generators' once-a-second samples. */
    holdingMin: number;
    holdingMax: number;
    /** What the server itself reports at the end of the steady window. */
    serverOnline: number;
    lag: EventLoopLag | null;
  };
  dispatch: {
    sent: number;
    delivered: number;
    failed: number;
    p50: number;
    p99: number;
    max: number;
    acceptP50: number;
    usage: Usage;
    lag: EventLoopLag | null;
  };
  /** The generators' own view at the end: errors here mean hosts were dropped. */
  final: GeneratorStats;
  rssAfterBytes: number;
}

export type DriveResult = SetupResult &
  HoldResult & {
    burst: BurstResult;
    bursts: BurstResult[];
    /** Highest RSS sampled from start to the end of the last phase (4 times a second). */
    rssPeakRunBytes: number;
  };

export interface HoldHooks {
  /** Runs alongside the steady window (e.g. the agent footprint, which is just as idle). */
  duringSteady?: () => Promise<void>;
  /** Runs with every host still connected, after the dispatch phase (e.g. the rollout). */
  afterDispatch?: (pool: GeneratorPool) => Promise<void>;
  /** What the server says is online. */
  serverOnline: () => Promise<number>;
}

type Log = (line: string) => void;

/** `configCommits`: the config repo's two commits, which the hosts' states name (phases/state.ts). */
export async function setupFleet(
  target: Target,
  opts: BenchOptions,
  configCommits: [string, string],
  log: Log,
): Promise<{ pool: GeneratorPool; setup: SetupResult }> {
  const pool = await GeneratorPool.start(
    opts.processes,
    opts.agents,
    {
      hostname: target.hostname,
      port: target.port,
      adminToken: target.adminToken,
      pollWaitSeconds: opts.pollWindowMs / 1000,
      setupConcurrency: opts.setupConcurrency,
      stateConcurrency: opts.stateConcurrency,
      configCommits,
    },
    `sim-${target.name}-g`,
  );
  try {
    log(`${target.name}: enrolling ${opts.agents} hosts over ${opts.processes} generator processes`);
    const enroll = slowest(await pool.all<StepResult>({ op: "enroll" }));
    log(`${target.name}: enrolled in ${(enroll.ms / 1000).toFixed(1)} s`);
    if (enroll.failed)
      throw new Error(`${target.name}: ${enroll.failed} enrollments failed: ${enroll.firstError}`);
    const hello = slowest(await pool.all<StepResult>({ op: "hello" }));
    log(`${target.name}: hello from every host in ${(hello.ms / 1000).toFixed(1)} s`);
    if (hello.failed) throw new Error(`${target.name}: ${hello.failed} hellos failed: ${hello.firstError}`);
    return { pool, setup: { enroll, hello } };
  } catch (err) {
    await pool.stop();
    throw err;
  }
}

/** Every host polls with ?wait=0 in a closed loop for `ms`. */
export async function measureBurst(
  target: Target,
  pool: GeneratorPool,
  ms: number,
  log: Log,
): Promise<BurstResult> {
  const gen0 = await pool.stats();
  const [[bursts, usage], lag] = await withLag(target, () =>
    Promise.all([
      pool.all<{ roundTrips: number; ms: number }>({ op: "burst", durationMs: ms }),
      measure(target.proc.pid, ms, 500),
    ]),
  );
  const gen1 = await pool.stats();
  const roundTrips = bursts.reduce((n, b) => n + b.roundTrips, 0);
  const seconds = Math.max(...bursts.map((b) => b.ms)) / 1000;
  const result = {
    roundTrips,
    perSecond: roundTrips / seconds,
    usage,
    generatorCpuPercent: ((gen1.cpuMs - gen0.cpuMs) / 1000 / seconds) * 100,
    lag,
  };
  log(`${target.name}: ${Math.round(result.perSecond)} polls/s, server CPU ${usage.cpuPercent.toFixed(0)} %`);
  return result;
}

/** Every host holds a long-poll: the steady window, then commands dispatched into the held polls. */
export async function holdAndDispatch(
  target: Target,
  pool: GeneratorPool,
  opts: BenchOptions,
  hooks: HoldHooks,
  log: Log,
): Promise<HoldResult> {
  const pid = target.proc.pid;
  const rampStart = performance.now();
  await pool.all({ op: "longPoll" });
  await waitUntil(
    async () => (await pool.stats()).holding >= opts.agents,
    60_000,
    "every host holding a poll",
  );
  const rampMs = performance.now() - rampStart;
  log(`${target.name}: all ${opts.agents} hosts holding a poll after ${(rampMs / 1000).toFixed(1)} s`);
  // Let the ramp's aftermath (garbage, first sightings written) settle before the quiet window.
  await Bun.sleep(Math.min(10_000, opts.steadyMs / 4));

  log(`${target.name}: steady state, ${opts.steadyMs / 1000} s with every host holding a poll`);
  let holdingMin = Number.POSITIVE_INFINITY;
  let holdingMax = 0;
  const sampling = { on: true };
  const sampler = (async () => {
    while (sampling.on) {
      const { holding } = await pool.stats();
      holdingMin = Math.min(holdingMin, holding);
      holdingMax = Math.max(holdingMax, holding);
      await Bun.sleep(1000);
    }
  })();
  const [[window], steadyLag] = await withLag(target, () =>
    Promise.all([measureSteady(pid, pool, opts.steadyMs), hooks.duringSteady?.()]),
  );
  const steadyUsage = window.usage;
  sampling.on = false;
  await sampler;
  const serverOnline = await hooks.serverOnline();
  log(
    `${target.name}: held ${holdingMin}-${holdingMax}, server says ${serverOnline} online, ` +
      `RSS ${mb(steadyUsage.rssEndBytes)} MB, CPU ${steadyUsage.cpuPercent.toFixed(1)} %, ` +
      `wrote ${mb(steadyUsage.writeBytes)} MB, polls late p50 ${window.pollLate.p50.toFixed(1)} ms`,
  );

  log(`${target.name}: dispatching ${opts.dispatchCount} commands at ${opts.dispatchPerSecond}/s`);
  const per = Math.ceil(opts.dispatchCount / opts.processes);
  const rate = opts.dispatchPerSecond / opts.processes;
  const [[dispatches, dispatchUsage], dispatchLag] = await withLag(target, () =>
    Promise.all([
      pool.all<{ samples: DispatchSample[]; failed: number; missing: number }>({
        op: "dispatch",
        count: per,
        ratePerSecond: rate,
        timeoutMs: 30_000,
      }),
      measure(pid, (per / rate) * 1000, 500),
    ]),
  );
  const samples = dispatches.flatMap((d) => d.samples);
  const latencies = samples.map((s) => s.latencyMs).sort((a, b) => a - b);
  const accepts = samples.map((s) => s.acceptMs).sort((a, b) => a - b);
  const dispatch = {
    sent: per * opts.processes,
    delivered: samples.length,
    failed: dispatches.reduce((n, d) => n + d.failed + d.missing, 0),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? Number.NaN,
    acceptP50: percentile(accepts, 50),
    usage: dispatchUsage,
    lag: dispatchLag,
  };
  log(
    `${target.name}: dispatch p50 ${dispatch.p50.toFixed(1)} ms, p99 ${dispatch.p99.toFixed(1)} ms, ` +
      `max ${dispatch.max.toFixed(1)} ms (${dispatch.delivered}/${dispatch.sent} delivered)`,
  );

  await hooks.afterDispatch?.(pool);
  return {
    rampMs,
    steady: { ...window, holdingMin, holdingMax, serverOnline, lag: steadyLag },
    dispatch,
    final: await pool.stats(),
    rssAfterBytes: rssBytes(pid),
  };
}

/** `ms` of quiet with every host holding a poll; poll samples from before the window are dropped. */
export async function measureSteady(pid: number, pool: GeneratorPool, ms: number): Promise<SteadyWindow> {
  await pool.all<number[]>({ op: "drainPollLate" });
  const usage = await measure(pid, ms);
  const late = await pool.all<number[]>({ op: "drainPollLate" });
  return { usage, pollLate: summarize(late.flat()) };
}

/** A step over every generator: the slowest one's time, all failures, every latency. */
export function slowest(results: StepResult[]) {
  return {
    ms: Math.max(...results.map((r) => r.ms)),
    failed: results.reduce((n, r) => n + r.failed, 0),
    firstError: results.find((r) => r.firstError)?.firstError ?? null,
    latencies: summarize(results.flatMap((r) => r.latenciesMs)),
  };
}

export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(100);
  }
}

export const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
