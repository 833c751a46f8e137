// Jobs for the operator: create (queued behind whatever the host is running), cancel, list, read.
// What these answer is the wire Job (jobToWire); what the store and the other services hold is
// the stored JobRecord.
import type { CreateJobRequest, Job, JobDetail, JobState } from "../../protocol/jobs.ts";
import type { ServerContext } from "../context.ts";
import { conflict, notFound } from "../errors.ts";
import { type JobRecord, jobToWire } from "../store/records/job.ts";
import { agentOpRefusal } from "./agent-ops.ts";
import { recordAudit } from "./audit.ts";
import { hostRevoked, noSuchHost, requireUsableHost } from "./hosts.ts";
import { newJobId } from "./ids.ts";
import { afterJobEnded } from "./job-lifecycle.ts";

export async function createJob(
  ctx: ServerContext,
  hostId: string,
  request: CreateJobRequest,
  actor: string,
  /** A rollout's job: the id it chose beforehand (its record names the job before it exists). */
  fromRollout?: { rolloutId: string; jobId: string },
): Promise<Job> {
  const host = requireUsableHost(ctx, hostId);
  const refusal = agentOpRefusal(host, request.op);
  if (refusal) throw conflict(refusal);
  const { ttlSeconds, ...spec } = request;
  const ttlMs = ttlSeconds !== undefined ? ttlSeconds * 1000 : ctx.config.jobTtlMs;
  for (;;) {
    const id = fromRollout?.jobId ?? newJobId();
    const now = Date.now();
    const job: JobRecord = {
      ...spec,
      id,
      hostId,
      state: "queued",
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + ttlMs).toISOString(),
      nextSeq: 0,
      outputBytes: 0,
      outputTruncated: false,
      ...(fromRollout && { rolloutId: fromRollout.rolloutId }),
    };
    const stored = ctx.repo.createJob(job);
    // Woken before the write, the host's held poll marks the job dispatched in this same tick, so
    // one group-committed write of jobs.json carries both changes (half the disk time between the
    // operator and the host); the poll still hands the job out only once that write is durable.
    ctx.coordinator.wake(hostId);
    const outcome = await stored;
    if (outcome.kind === "host_unknown") throw noSuchHost(hostId);
    if (outcome.kind === "host_revoked") throw hostRevoked(outcome.host);
    if (outcome.kind === "id_taken") {
      // A rollout's job id is chosen once: taken, the job was created by an earlier pass.
      if (fromRollout) return jobToWire(outcome.existing);
      continue;
    }
    await recordAudit(ctx, actor, "job.created", id, { hostId, op: job.op });
    return jobToWire(job);
  }
}

export function requireJob(ctx: ServerContext, jobId: string): Readonly<JobRecord> {
  const job = ctx.store.getJob(jobId);
  if (!job) throw notFound(`no job with id "${jobId}"`);
  return job;
}

/**
 * A queued job is cancelled on the spot. A dispatched or running one belongs to the agent now:
 * it is flagged, the host's poll delivers a cancel, and the agent's result ends it (or, for one
 * still only dispatched, the sweeper after cancelUnansweredMs).
 */
export async function cancelJob(ctx: ServerContext, jobId: string, actor: string): Promise<Job> {
  requireJob(ctx, jobId);
  const outcome = await ctx.repo.cancelJob(jobId, CANCELLED_BY_OPERATOR, new Date());
  switch (outcome.kind) {
    case "unknown":
      throw notFound(`no job with id "${jobId}"`);
    case "already_ended":
      throw conflict(`job ${jobId} already ended (${outcome.job.state}); nothing to cancel`);
    case "already_requested":
      return jobToWire(outcome.job);
    case "cancelled": {
      const ending = { state: "cancelled" as const, reason: CANCELLED_BY_OPERATOR };
      await afterJobEnded(ctx, outcome.job, ending, actor, "job.cancelled");
      return jobToWire(outcome.job);
    }
    case "cancel_requested": {
      const { job } = outcome;
      await recordAudit(ctx, actor, "job.cancel_requested", jobId, { hostId: job.hostId, state: job.state });
      ctx.coordinator.wake(job.hostId);
      return jobToWire(job);
    }
  }
}

const CANCELLED_BY_OPERATOR = "cancelled by operator";

export function listJobs(
  ctx: ServerContext,
  query: { hostId?: string; state?: JobState; limit: number },
): Job[] {
  return ctx.store.listJobs(query).map(jobToWire);
}

export function jobDetail(ctx: ServerContext, jobId: string, afterSeq?: number): JobDetail {
  const job = requireJob(ctx, jobId);
  return { job: jobToWire(job), output: ctx.store.readOutput(jobId, afterSeq) };
}
