// Messages between fleet-agent and fleetd. Every agent message is idempotent.
import { z } from "zod";
import { Arch, Id, Platform, PROTOCOL_VERSION } from "./common.ts";
import { HostState, HostTags } from "./config-state.ts";
import { OsInfo } from "./hosts.ts";
import { JobSpec } from "./job-ops.ts";
import { JobOutcome } from "./job-outcomes.ts";
import { OutputLine, Progress, ResultState, TestOutcome } from "./jobs.ts";

export const Hello = z.object({
  protocol: z.number().int(),
  version: z.string().min(1).max(100),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  platform: Platform,
  arch: Arch,
  hostname: z.string().max(255),
  os: OsInfo,
  pid: z.number().int().positive(),
  bootId: z.string().max(100),
  /** Jobs this agent still has runners or undelivered results for. */
  activeJobs: z.array(Id).max(100).default([]),
  /** The host's config state (as POST /agent/state takes it); left out, fleetd keeps what it has. */
  state: HostState.optional(),
  /**
   * Instead of `state`: the hostStateHash of the state fleetd last acknowledged, when that is still
   * the host's state. A restarted or reconnecting agent sends 64 characters, not its ~2 KB report;
   * fleetd answers `stateWanted` when what it holds is another report (or none).
   */
  stateHash: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  /** The host's tags from its config.json; left out, fleetd keeps what it has. */
  tags: HostTags.optional(),
  /**
   * The ops this agent runs. Left out by agents from before `deploy`, which run only
   * LEGACY_AGENT_OPS; fleetd refuses to send an agent an op it does not list.
   */
  ops: z.array(z.string().max(40)).max(50).optional(),
});
export type Hello = z.infer<typeof Hello>;

/** What an agent that sends no `ops` in its hello runs. */
export const LEGACY_AGENT_OPS = ["pull", "switch", "test", "restart", "update"] as const;

export const HelloResponse = z.object({
  protocol: z.literal(PROTOCOL_VERSION),
  serverVersion: z.string(),
  /** How long a poll may be held, so the agent can set its own client timeout. */
  pollSeconds: z.number().int().positive(),
  outdated: z.boolean(),
  /** The hello named a state by `stateHash` that fleetd does not hold: send it (POST /agent/state). */
  stateWanted: z.boolean().optional(),
});
export type HelloResponse = z.infer<typeof HelloResponse>;

const _run = { type: z.literal("run"), jobId: Id };
const [_pull, _switch, _test, _restart, _update, _deploy, _rollback] = JobSpec.options;

/** Run a job: a union on `op`, each with that op's args. */
export const RunCommand = z.discriminatedUnion("op", [
  z.object({ ..._run, ..._pull.shape }),
  z.object({ ..._run, ..._switch.shape }),
  z.object({ ..._run, ..._test.shape }),
  z.object({ ..._run, ..._restart.shape }),
  z.object({ ..._run, ..._update.shape }),
  z.object({ ..._run, ..._deploy.shape }),
  z.object({ ..._run, ..._rollback.shape }),
]);
export type RunCommand = z.infer<typeof RunCommand>;

/** The command that runs `spec` as job `jobId`; only its op and args go out, never the whole job. */
export function runCommandFor(jobId: string, spec: JobSpec): RunCommand {
  // One branch per distinct args type: narrowing on op is what ties the args to it.
  if (spec.op === "update") return { type: "run", jobId, op: spec.op, args: spec.args };
  if (spec.op === "deploy") return { type: "run", jobId, op: spec.op, args: spec.args };
  return { type: "run", jobId, op: spec.op, args: spec.args };
}

export const CancelCommand = z.object({ type: z.literal("cancel"), jobId: Id });
export type CancelCommand = z.infer<typeof CancelCommand>;

export const Command = z.discriminatedUnion("type", [RunCommand, CancelCommand]);
export type Command = z.infer<typeof Command>;

/** A poll returns at most one command, or null when the poll window ran out. */
export const PollResponse = z.object({ command: Command.nullable() });
export type PollResponse = z.infer<typeof PollResponse>;

/** Output and progress in batches. Lines with seq below the server's nextSeq are ignored. */
export const JobEvents = z.object({
  started: z.boolean().optional(),
  output: z.array(OutputLine).max(1000).default([]),
  progress: Progress.optional(),
});
export type JobEvents = z.infer<typeof JobEvents>;

export const JobEventsAck = z.object({ nextSeq: z.number().int().nonnegative() });

export const JobResult = z.object({
  state: ResultState,
  exitCode: z.number().int().nullable(),
  /** For people: what happened, in words. fleetd acts on `outcome`, never on this text. */
  reason: z.string().max(2000).optional(),
  /** How the op ended, for ops that say; must be an outcome of the job's op (else 400, nothing stored). */
  outcome: JobOutcome.optional(),
  tests: z.array(TestOutcome).max(1000).optional(),
  /** Output lines the runner produced in all; lets the server see if any are missing. */
  outputLines: z.number().int().nonnegative().optional(),
});
export type JobResult = z.infer<typeof JobResult>;
