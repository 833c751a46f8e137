// A job as fleetd stores it, and the one mapping to the API's Job. Today every field of the wire
// Job is stored, but named one by one, so a field the API grows (say, a computed ETA) reaches the
// disk only when it is added here. `args` is the wire's JobArgs, so a change to what jobs take
// is one change for both.
import type { z } from "zod";
import { Job } from "../../../protocol/jobs.ts";
import { keepFields } from "./fields.ts";

export const JobRecord = Job.pick({
  id: true,
  hostId: true,
  op: true,
  args: true,
  state: true,
  createdAt: true,
  expiresAt: true,
  dispatchedAt: true,
  startedAt: true,
  finishedAt: true,
  exitCode: true,
  reason: true,
  progress: true,
  tests: true,
  nextSeq: true,
  outputBytes: true,
  outputTruncated: true,
  cancelRequested: true,
  cancelRequestedAt: true,
});
export type JobRecord = z.infer<typeof JobRecord>;

export const jobRecordFrom = (job: JobRecord): JobRecord => keepFields(JobRecord, job);

export const jobToWire = (record: Readonly<JobRecord>): Job => keepFields(Job, record);
