// Moving a job into a terminal state, the one way every path (agent result, cancel, lost,
// expiry, host deletion) ends a job: the repository's atomic ending, then audit, retention, and
// waking the host so its next queued job is dispatched.
import { isTerminal } from "../../protocol/jobs.ts";
import type { ServerContext } from "../context.ts";
import type { JobEnding } from "../repository/types.ts";
import type { JobRecord } from "../store/records/job.ts";
import { noteJobAlerts } from "./alert-jobs.ts";
import { type AuditAction, recordAudit } from "./audit.ts";
import { notifyJobEnded } from "./job-listeners.ts";

/**
 * Ends `job` unless it already ended (then answers the job as it is). The repository decides
 * atomically; what follows an ending happens here, once, for whichever caller ended it.
 */
export async function finishJob(
  ctx: ServerContext,
  job: JobRecord,
  ending: JobEnding,
  actor: string,
  action: AuditAction,
): Promise<JobRecord> {
  const finishing = ctx.repo.finishJob(job.id, ending, new Date());
  // This process's memory of a cancel handed out goes with the change, before anything is awaited.
  ctx.deliveredCancels.delete(job.id);
  const outcome = await finishing;
  if (outcome.kind === "unknown") return job;
  if (outcome.kind === "already_ended") return outcome.job;
  await afterJobEnded(ctx, outcome.job, ending, actor, action);
  return outcome.job;
}

/** What follows any ending the repository made: audit, metrics, wake, listeners, alerts, retention. */
export async function afterJobEnded(
  ctx: ServerContext,
  job: JobRecord,
  ending: JobEnding,
  actor: string,
  action: AuditAction,
): Promise<void> {
  ctx.metrics.jobFinished(job);
  await recordAudit(ctx, actor, action, job.id, {
    hostId: job.hostId,
    op: job.op,
    state: job.state,
    ...(ending.exitCode !== undefined ? { exitCode: ending.exitCode } : {}),
    ...(ending.reason ? { reason: ending.reason } : {}),
    ...(ending.outcome ? { outcome: ending.outcome.kind } : {}),
  });
  ctx.log.info(`job ${job.id} (${job.op} on ${job.hostId}) ${job.state}${reasonSuffix(ending)}`);
  ctx.coordinator.wake(job.hostId);
  await notifyJobEnded(ctx, job);
  // The ending is durable: an alert that cannot be written must not answer it as refused.
  await noteJobAlerts(ctx, job).catch((err: unknown) => {
    ctx.log.error(`raising or resolving an alert for job ${job.id} failed`, err);
  });
  // Housekeeping: the ending is durable, so a refused prune must not answer it as refused.
  await pruneFinishedJobs(ctx, job.hostId).catch((err: unknown) => {
    ctx.log.warn(`pruning finished jobs of ${job.hostId} failed: ${(err as Error).message}`);
  });
}

const reasonSuffix = (ending: JobEnding) => (ending.reason ? `: ${ending.reason}` : "");

/** Keeps the newest terminalJobsKeptPerHost finished jobs of a host; older ones go with their output. */
export async function pruneFinishedJobs(ctx: ServerContext, hostId: string): Promise<void> {
  const finished = ctx.store.hostJobs(hostId).filter((job) => isTerminal(job.state));
  const excess = finished.length - ctx.config.terminalJobsKeptPerHost;
  if (excess > 0) await ctx.store.deleteJobs(finished.slice(0, excess).map((job) => job.id));
}
