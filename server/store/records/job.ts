// A job as fleetd stores it, and the one mapping to the API's Job. Today every field of the wire
// Job is stored, but named one by one, so a field the API grows (say, a computed ETA) reaches the
// disk only when it is added here. What the job does (`op` and its typed `args`) is the wire's
// JobSpec, so a change to what an op takes is one change for both.
import { z } from "zod";
import type { Operation } from "../../../protocol/job-ops.ts";
import { JobSpec } from "../../../protocol/job-ops.ts";
import { type Job, JobFields } from "../../../protocol/jobs.ts";
import { keepKeys } from "./fields.ts";

const _StoredJobFields = JobFields.pick({
  id: true,
  hostId: true,
  state: true,
  createdAt: true,
  expiresAt: true,
  dispatchedAt: true,
  startedAt: true,
  finishedAt: true,
  exitCode: true,
  reason: true,
  outcome: true,
  progress: true,
  tests: true,
  nextSeq: true,
  outputBytes: true,
  outputTruncated: true,
  cancelRequested: true,
  cancelRequestedAt: true,
  rolloutId: true,
});

const _stored = <Spec extends (typeof JobSpec.options)[number]>(spec: Spec) =>
  _StoredJobFields.extend(spec.shape);
const [_pull, _switch, _test, _restart, _update, _deploy, _rollback] = JobSpec.options;

/**
 * One object per op (the stored fields and that op's spec), not an intersection of the fields with
 * JobSpec: zod parses this union 3× as fast (50,000 jobs: 1,232 → 390 ms), and at 200,000 jobs
 * validating jobs.json was half of the store's open (bench/store-jobs.ts).
 */
export const JobRecord = z.discriminatedUnion("op", [
  _stored(_pull),
  _stored(_switch),
  _stored(_test),
  _stored(_restart),
  _stored(_update),
  _stored(_deploy),
  _stored(_rollback),
]);
if (JobRecord.options.length !== JobSpec.options.length)
  throw new Error("records/job.ts: JobRecord must list every op of JobSpec");
export type JobRecord = z.infer<typeof JobRecord>;
/** A stored job of one op, e.g. `JobRecordOf<"update">`, whose `args` are that op's. */
export type JobRecordOf<Op extends Operation> = Extract<JobRecord, { op: Op }>;

const _SPEC_KEYS = ["op", "args"] as const;
const _STORED_KEYS = [...Object.keys(_StoredJobFields.shape), ..._SPEC_KEYS];
const _WIRE_KEYS = [...Object.keys(JobFields.shape), ..._SPEC_KEYS];

export const jobRecordFrom = (job: JobRecord): JobRecord => keepKeys(_STORED_KEYS, job) as JobRecord;

export const jobToWire = (record: Readonly<JobRecord>): Job => keepKeys(_WIRE_KEYS, record) as Job;
