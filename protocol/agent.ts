// Messages between fleet-agent and fleetd. Every agent message is idempotent.
import { z } from "zod";
import { Arch, Id, Platform, PROTOCOL_VERSION } from "./common.ts";
import { HostState } from "./config-state.ts";
import { HostTags, OsInfo } from "./hosts.ts";
import { JobArgs, Operation, OutputLine, Progress, ResultState, TestOutcome } from "./jobs.ts";

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
  /** The host's tags from its config.json; left out, fleetd keeps what it has. */
  tags: HostTags.optional(),
});
export type Hello = z.infer<typeof Hello>;

export const HelloResponse = z.object({
  protocol: z.literal(PROTOCOL_VERSION),
  serverVersion: z.string(),
  /** How long a poll may be held, so the agent can set its own client timeout. */
  pollSeconds: z.number().int().positive(),
  outdated: z.boolean(),
});
export type HelloResponse = z.infer<typeof HelloResponse>;

export const RunCommand = z.object({
  type: z.literal("run"),
  jobId: Id,
  op: Operation,
  args: JobArgs,
});
export type RunCommand = z.infer<typeof RunCommand>;

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
  reason: z.string().max(2000).optional(),
  tests: z.array(TestOutcome).max(1000).optional(),
  /** Output lines the runner produced in all; lets the server see if any are missing. */
  outputLines: z.number().int().nonnegative().optional(),
});
export type JobResult = z.infer<typeof JobResult>;
