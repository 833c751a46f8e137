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
});

export const JobRecord = z.intersection(_StoredJobFields, JobSpec);
export type JobRecord = z.infer<typeof JobRecord>;
/** A stored job of one op, e.g. `JobRecordOf<"update">`, whose `args` are that op's. */
export type JobRecordOf<Op extends Operation> = Extract<JobRecord, { op: Op }>;

const _SPEC_KEYS = ["op", "args"] as const;
const _STORED_KEYS = [...Object.keys(_StoredJobFields.shape), ..._SPEC_KEYS];
const _WIRE_KEYS = [...Object.keys(JobFields.shape), ..._SPEC_KEYS];

export const jobRecordFrom = (job: JobRecord): JobRecord => keepKeys(_STORED_KEYS, job) as JobRecord;

export const jobToWire = (record: Readonly<JobRecord>): Job => keepKeys(_WIRE_KEYS, record) as Job;
