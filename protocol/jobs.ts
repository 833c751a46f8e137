// Jobs: what an operator asks a host to do, and how far it got.
import { z } from "zod";
import { Id, Timestamp } from "./common.ts";
import { JobSpec, Operation } from "./job-ops.ts";
import { JobOutcome } from "./job-outcomes.ts";

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

/** Everything about a job but what it does (its JobSpec: op and args). */
export const JobFields = z.object({
  id: Id,
  hostId: Id,
  state: JobState,
  createdAt: Timestamp,
  expiresAt: Timestamp,
  dispatchedAt: Timestamp.optional(),
  startedAt: Timestamp.optional(),
  finishedAt: Timestamp.optional(),
  exitCode: z.number().int().nullable().optional(),
  reason: z.string().optional(),
  /** How the op ended, for ops that say (see JobOutcome); the reason is its human account. */
  outcome: JobOutcome.optional(),
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
  /** The rollout that made this job, if one did: its failure is the rollout's to report. */
  rolloutId: Id.optional(),
});

/** A job: its fields and what it does; narrowing on `job.op` types `job.args`. */
export const Job = z.intersection(JobFields, JobSpec);
export type Job = z.infer<typeof Job>;
export type JobFields = z.infer<typeof JobFields>;
/** A job of one op, e.g. `JobOf<"update">`, whose `args` are that op's. */
export type JobOf<Op extends Operation> = Extract<Job, { op: Op }>;

/** A job in a listing of hosts (the board, `fleetctl hosts`): what ran, how it ended, how far it got. */
export const JobSummary = JobFields.extend({ op: Operation }).pick({
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

/** `args` must fit `op` (see job-ops.ts): an unknown argument is refused, naming what the op takes. */
export const CreateJobRequest = z.intersection(
  z.object({
    /** How long the job may wait for an offline host before it expires, in seconds. */
    ttlSeconds: z
      .number()
      .int()
      .positive()
      .max(7 * 24 * 3600)
      .optional(),
  }),
  JobSpec,
);
export type CreateJobRequest = z.infer<typeof CreateJobRequest>;

export const JobList = z.object({ jobs: z.array(Job) });
/** The answer to creating or cancelling one job. */
export const JobResponse = z.object({ job: Job });
export const JobDetail = z.object({ job: Job, output: z.array(OutputLine) });
export type JobDetail = z.infer<typeof JobDetail>;
