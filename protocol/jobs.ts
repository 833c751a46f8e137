// Jobs: what an operator asks a host to do, and how far it got.
import { z } from "zod";
import { Id, Timestamp } from "./common.ts";
import { UpdateJobArgs } from "./updates.ts";

export const Operation = z.enum(["pull", "switch", "test", "restart", "update"]);
export type Operation = z.infer<typeof Operation>;

export const JobState = z.enum([
  "queued",
  "dispatched",
  "running",
  "succeeded",
  "failed",
  "timed_out",
  "cancelled",
  "lost",
  "skipped",
]);
export type JobState = z.infer<typeof JobState>;

export const TERMINAL_STATES: ReadonlySet<JobState> = new Set([
  "succeeded",
  "failed",
  "timed_out",
  "cancelled",
  "lost",
  "skipped",
]);
export const isTerminal = (state: JobState): boolean => TERMINAL_STATES.has(state);

/** States an agent may report as a job's final result. */
export const ResultState = z.enum(["succeeded", "failed", "timed_out", "cancelled", "skipped"]);
export type ResultState = z.infer<typeof ResultState>;

export const Progress = z.object({
  current: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  /** Tests only: how many of the `current` run so far passed. */
  passed: z.number().int().nonnegative().optional(),
  /** What current and total count when it is not steps or tests: "KiB" for a download. */
  unit: z.enum(["KiB"]).optional(),
  label: z.string().max(200).optional(),
});
export type Progress = z.infer<typeof Progress>;

export const TestOutcome = z.object({
  name: z.string().max(200),
  state: z.enum(["passed", "failed", "timed_out"]),
  exitCode: z.number().int().nullable(),
  durationMs: z.number().nonnegative(),
});
export type TestOutcome = z.infer<typeof TestOutcome>;

/** Free-form, op-specific arguments; each op validates its own. */
export const JobArgs = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({});
export type JobArgs = z.infer<typeof JobArgs>;

export const Job = z.object({
  id: Id,
  hostId: Id,
  op: Operation,
  args: JobArgs,
  state: JobState,
  createdAt: Timestamp,
  expiresAt: Timestamp,
  dispatchedAt: Timestamp.optional(),
  startedAt: Timestamp.optional(),
  finishedAt: Timestamp.optional(),
  exitCode: z.number().int().nullable().optional(),
  reason: z.string().optional(),
  progress: Progress.optional(),
  tests: z.array(TestOutcome).optional(),
  /** Next output sequence number the server expects; earlier ones are duplicates. */
  nextSeq: z.number().int().nonnegative().default(0),
  outputBytes: z.number().int().nonnegative().default(0),
  outputTruncated: z.boolean().default(false),
  /** An operator asked to cancel a dispatched/running job; the agent gets a CancelCommand on its next poll. */
  cancelRequested: z.boolean().optional(),
  /** When the cancel was asked for: a dispatched job whose agent does not answer ends cancelled anyway. */
  cancelRequestedAt: Timestamp.optional(),
});
export type Job = z.infer<typeof Job>;

/** A job in a listing of hosts (the board, `fleetctl hosts`): what ran, how it ended, how far it got. */
export const JobSummary = Job.pick({
  id: true,
  op: true,
  state: true,
  createdAt: true,
  startedAt: true,
  finishedAt: true,
  exitCode: true,
  reason: true,
  progress: true,
});
export type JobSummary = z.infer<typeof JobSummary>;

export const OutputLine = z.object({
  seq: z.number().int().nonnegative(),
  ts: Timestamp,
  stream: z.enum(["stdout", "stderr", "agent"]),
  data: z.string().max(64 * 1024),
});
export type OutputLine = z.infer<typeof OutputLine>;

// --- admin: create, list, read ---

/**
 * The args each operation reads. Anything else is refused (fleetd with a 400, fleetctl before
 * sending): an argument no operation looks at would otherwise be accepted and silently ignored.
 */
export const OPERATION_ARGS = {
  pull: [],
  switch: [],
  test: [],
  restart: [],
  update: Object.keys(UpdateJobArgs.shape) as (keyof UpdateJobArgs)[],
} as const satisfies Record<Operation, readonly string[]>;

/** Why `args` do not fit `op`, or null when they do. */
export function jobArgsProblem(op: Operation, args: Readonly<Record<string, unknown>>): string | null {
  const accepted: readonly string[] = OPERATION_ARGS[op];
  const unknown = Object.keys(args).filter((key) => !accepted.includes(key));
  if (!unknown.length) return null;
  const takes = accepted.length ? `${op} takes: ${accepted.join(", ")}` : `${op} takes no arguments`;
  return `unknown argument${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `"${k}"`).join(", ")} for ${op} (${takes})`;
}

export const CreateJobRequest = z
  .object({
    op: Operation,
    args: JobArgs.optional(),
    /** How long the job may wait for an offline host before it expires, in seconds. */
    ttlSeconds: z
      .number()
      .int()
      .positive()
      .max(7 * 24 * 3600)
      .optional(),
  })
  .superRefine((request, ctx) => {
    const problem = request.args ? jobArgsProblem(request.op, request.args) : null;
    if (problem) ctx.addIssue({ code: "custom", path: ["args"], message: problem });
  });
export type CreateJobRequest = z.infer<typeof CreateJobRequest>;

export const JobList = z.object({ jobs: z.array(Job) });
/** The answer to creating or cancelling one job. */
export const JobResponse = z.object({ job: Job });
export const JobDetail = z.object({ job: Job, output: z.array(OutputLine) });
export type JobDetail = z.infer<typeof JobDetail>;
