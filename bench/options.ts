// The benchmark's knobs: the full run the results are recorded from, and --quick, the smoke check
// CI runs (same phases, small numbers, short windows; it fails only when something is broken).
// `--only rollout` runs fleetd, its fleet and the rollout phase alone (rollout-only.ts).
import { parseArgs } from "node:util";
import { DEFAULT_LIMITS } from "../server/config.ts";

/** The phases that can run alone (`--only`). */
export const SINGLE_PHASES = ["rollout"] as const;
export type SinglePhase = (typeof SINGLE_PHASES)[number];

export interface BenchOptions {
  quick: boolean;
  /** Run only this phase (with the fleet it needs), not the whole benchmark. */
  only: SinglePhase | null;
  /** Simulated hosts held against each server. */
  agents: number;
  /** Generator processes the hosts are spread over. */
  processes: number;
  /** Requests in flight at once per generator while enrolling and saying hello. */
  setupConcurrency: number;
  /** ...and in the config-state passes, kept low so that a request's latency is not mostly queueing. */
  stateConcurrency: number;
  /** fleetd's poll window, the same for the baseline. */
  pollWindowMs: number;
  /** Closed-loop ?wait=0 polling by every host: the poll throughput phase, per round... */
  burstMs: number;
  /** ...with rounds alternating between baseline and fleetd. */
  burstRounds: number;
  /** All hosts holding polls, no commands: CPU, RSS, disk writes. */
  steadyMs: number;
  dispatchCount: number;
  dispatchPerSecond: number;
  rolloutHosts: number;
  /** Hosts per batch after the canary; null: fleetd's default, growing batches. */
  rolloutBatch: number | null;
  /** The real agent and the sleeping bare binary, measured side by side. */
  footprintMs: number;
  /**
   * FLEET_LIMITS updateSoakMs: how long a host must stay up on the new version; the deploy soaks as
   * long. The full run keeps fleetd's default: the rollout figure is the one an operator gets.
   */
  updateSoakMs: number;
  /** How often each host sends vitals in the vitals phase (the agent's default is 60 s)... */
  vitalsIntervalMs: number;
  /** ...and each of its two windows, without and with vitals. */
  vitalsWindowMs: number;
}

const FULL: BenchOptions = {
  quick: false,
  only: null,
  agents: 10_000,
  processes: 5,
  setupConcurrency: 100,
  stateConcurrency: 10,
  pollWindowMs: 25_000,
  burstMs: 10_000,
  burstRounds: 5,
  steadyMs: 60_000,
  dispatchCount: 1000,
  dispatchPerSecond: 50,
  rolloutHosts: 1000,
  rolloutBatch: null,
  footprintMs: 60_000,
  updateSoakMs: DEFAULT_LIMITS.updateSoakMs,
  vitalsIntervalMs: 60_000,
  vitalsWindowMs: 120_000,
};

const QUICK: BenchOptions = {
  ...FULL,
  quick: true,
  agents: 200,
  processes: 2,
  setupConcurrency: 50,
  // Short enough that the steady window sees every host re-poll twice.
  pollWindowMs: 5000,
  burstMs: 2000,
  burstRounds: 2,
  steadyMs: 10_000,
  dispatchCount: 50,
  dispatchPerSecond: 25,
  rolloutHosts: 20,
  // A smoke check, not a figure: five 1 s soaks instead of five of the default 10 s.
  updateSoakMs: 1000,
  footprintMs: 10_000,
  vitalsIntervalMs: 5_000,
  vitalsWindowMs: 10_000,
};

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      agents: { type: "string" },
      processes: { type: "string" },
      "steady-seconds": { type: "string" },
      "footprint-seconds": { type: "string" },
      "rollout-hosts": { type: "string" },
      "rollout-batch": { type: "string" },
      only: { type: "string" },
    },
  });
  const only = values.only ?? null;
  if (only !== null && !SINGLE_PHASES.some((p) => p === only))
    throw new Error(`bench: --only takes ${SINGLE_PHASES.join(", ")}, got "${only}"`);
  const batch = values["rollout-batch"];
  if (batch !== undefined && !(Number.isInteger(Number(batch)) && Number(batch) >= 1))
    throw new Error(`bench: --rollout-batch is a whole number of hosts ≥ 1, got "${batch}"`);
  const base = values.quick ? QUICK : FULL;
  const num = (v: string | undefined, fallback: number) => (v === undefined ? fallback : Number(v));
  const opts: BenchOptions = {
    ...base,
    only: only as SinglePhase | null,
    agents: num(values.agents, base.agents),
    processes: num(values.processes, base.processes),
    steadyMs: num(values["steady-seconds"], base.steadyMs / 1000) * 1000,
    footprintMs: num(values["footprint-seconds"], base.footprintMs / 1000) * 1000,
    rolloutHosts: num(values["rollout-hosts"], base.rolloutHosts),
    rolloutBatch: batch === undefined ? base.rolloutBatch : Number(batch),
  };
  opts.rolloutHosts = Math.min(opts.rolloutHosts, opts.agents);
  opts.dispatchCount = Math.min(opts.dispatchCount, opts.agents);
  for (const [key, value] of Object.entries(opts)) {
    if (typeof value === "number" && !(value > 0))
      throw new Error(`bench: --${key} must be a positive number`);
  }
  return opts;
}
