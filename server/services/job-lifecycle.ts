// Moving a job into a terminal state, the one way every path (agent result, cancel, lost,
// expiry, host deletion) ends a job: durable write, audit, retention, and waking the host so
// its next queued job is dispatched.
import type { JobState } from "../../protocol/jobs.ts";
import { isTerminal } from "../../protocol/jobs.ts";
import type { ServerContext } from "../context.ts";
import type { JobRecord } from "../store/records/job.ts";
import { noteJobAlerts } from "./alert-jobs.ts";
import { type AuditAction, recordAudit } from "./audit.ts";
import { notifyJobEnded } from "./job-listeners.ts";

export interface JobEnding {
  state: JobState;
  exitCode?: number | null;
  reason?: string;
  outcome?: JobRecord["outcome"];
  tests?: JobRecord["tests"];
}

/**
 * Ends `job` unless it already ended. The in-memory change happens before the first await, so
 * callers that checked the job's state in the same tick cannot race with another ending.
 */
export async function finishJob(
  ctx: ServerContext,
  job: JobRecord,
  ending: JobEnding,
  actor: string,
  action: AuditAction,
): Promise<JobRecord> {
  const current = ctx.store.getJob(job.id);
  if (!current || isTerminal(current.state)) return current ?? job;
  const finished: JobRecord = { ...current, ...ending, finishedAt: new Date().toISOString() };
  ctx.deliveredCancels.delete(job.id);
  await ctx.store.putJob(finished);
  ctx.metrics.jobFinished(finished);
  await recordAudit(ctx, actor, action, job.id, {
    hostId: job.hostId,
    op: job.op,
    state: finished.state,
    ...(ending.exitCode !== undefined ? { exitCode: ending.exitCode } : {}),
    ...(ending.reason ? { reason: ending.reason } : {}),
    ...(ending.outcome ? { outcome: ending.outcome.kind } : {}),
  });
  ctx.log.info(`job ${job.id} (${job.op} on ${job.hostId}) ${finished.state}${reasonSuffix(ending)}`);
  ctx.coordinator.wake(job.hostId);
  await notifyJobEnded(ctx, finished);
  // The ending is durable: an alert that cannot be written must not answer it as refused.
  await noteJobAlerts(ctx, finished).catch((err: unknown) => {
    ctx.log.error(`raising or resolving an alert for job ${job.id} failed`, err);
  });
  // Housekeeping: the ending is durable, so a refused prune must not answer it as refused.
  await pruneFinishedJobs(ctx, job.hostId).catch((err: unknown) => {
    ctx.log.warn(`pruning finished jobs of ${job.hostId} failed: ${(err as Error).message}`);
  });
  return finished;
}

const reasonSuffix = (ending: JobEnding) => (ending.reason ? `: ${ending.reason}` : "");

/** Keeps the newest terminalJobsKeptPerHost finished jobs of a host; older ones go with their output. */
export async function pruneFinishedJobs(ctx: ServerContext, hostId: string): Promise<void> {
  const finished = ctx.store.hostJobs(hostId).filter((job) => isTerminal(job.state));
  const excess = finished.length - ctx.config.terminalJobsKeptPerHost;
  if (excess > 0) await ctx.store.deleteJobs(finished.slice(0, excess).map((job) => job.id));
}
