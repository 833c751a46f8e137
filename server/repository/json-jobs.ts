// Jobs over the JSON store: each change decided and made in memory in the same tick, except an
// append, which waits for the output file before the counters move and so takes a turn per job.
import { isTerminal } from "../../protocol/jobs.ts";
import { isClaimable, isInFlight } from "../services/job-in-flight.ts";
import { KeyedLock } from "../services/keyed-lock.ts";
import type { JobRecord } from "../store/records/job.ts";
import type { Store } from "../store/types.ts";
import type {
  AppendOutcome,
  CancelOutcome,
  ClaimOutcome,
  CreateJobOutcome,
  FinishOutcome,
  JobEnding,
  OutputAppend,
  RequeueOutcome,
  SettleUnheldOutcome,
} from "./types.ts";

export class JsonJobs {
  private readonly appends = new KeyedLock();

  constructor(private readonly store: Store) {}

  async createJob(job: JobRecord): Promise<CreateJobOutcome> {
    const host = this.store.getHost(job.hostId);
    if (!host) return { kind: "host_unknown" };
    if (host.revokedAt) return { kind: "host_revoked", host };
    const existing = this.store.getJob(job.id);
    if (existing) return { kind: "id_taken", existing };
    await this.store.putJob(job);
    return { kind: "created", job };
  }

  async claimNextJob(hostId: string, now: Date): Promise<ClaimOutcome> {
    const active = this.store.activeJobs(hostId);
    const inFlight = active.find(isInFlight);
    if (inFlight) return { kind: "busy", inFlight };
    const queued = active.find((job) => isClaimable(job, now.getTime()));
    if (!queued) return { kind: "nothing_queued" };
    const job: JobRecord = { ...queued, state: "dispatched", dispatchedAt: now.toISOString() };
    await this.store.putJob(job);
    return { kind: "claimed", job };
  }

  async requeueDispatched(job: Readonly<JobRecord>): Promise<RequeueOutcome> {
    const current = this.store.getJob(job.id);
    if (current?.state !== "dispatched" || current.dispatchedAt !== job.dispatchedAt)
      return { kind: "moved_on", job: current };
    const { dispatchedAt: _, ...rest } = current;
    const queued: JobRecord = { ...rest, state: "queued" };
    await this.store.putJob(queued);
    return { kind: "requeued", job: queued };
  }

  async settleUnheldJob(
    jobId: string,
    reasons: { cancelled: string; lost: string },
    at: Date,
  ): Promise<SettleUnheldOutcome> {
    const job = this.store.getJob(jobId);
    if (!job || !isInFlight(job)) return { kind: "not_in_flight" };
    if (job.state === "dispatched" && !job.cancelRequested) {
      const requeued = await this.requeueDispatched(job);
      return requeued.kind === "requeued" ? requeued : { kind: "not_in_flight" };
    }
    // Queued again, a job the operator cancelled would run after all.
    const ending =
      job.state === "dispatched"
        ? { state: "cancelled" as const, reason: reasons.cancelled }
        : { state: "lost" as const, reason: reasons.lost };
    const ended = await this.finishJob(jobId, ending, at);
    return ended.kind === "finished" ? { kind: "ended", job: ended.job } : { kind: "not_in_flight" };
  }

  async finishJob(jobId: string, ending: JobEnding, at: Date): Promise<FinishOutcome> {
    const current = this.store.getJob(jobId);
    if (!current) return { kind: "unknown" };
    if (isTerminal(current.state)) return { kind: "already_ended", job: current };
    const job: JobRecord = { ...current, ...ending, finishedAt: at.toISOString() };
    await this.store.putJob(job);
    return { kind: "finished", job };
  }

  async cancelJob(jobId: string, reason: string, at: Date): Promise<CancelOutcome> {
    const current = this.store.getJob(jobId);
    if (!current) return { kind: "unknown" };
    if (isTerminal(current.state)) return { kind: "already_ended", job: current };
    if (current.state === "queued") {
      const ended = await this.finishJob(jobId, { state: "cancelled", reason }, at);
      return ended.kind === "finished" ? { kind: "cancelled", job: ended.job } : ended;
    }
    if (current.cancelRequested) return { kind: "already_requested", job: current };
    const job: JobRecord = { ...current, cancelRequested: true, cancelRequestedAt: at.toISOString() };
    await this.store.putJob(job);
    return { kind: "cancel_requested", job };
  }

  appendOutput(jobId: string, append: OutputAppend): Promise<AppendOutcome> {
    return this.appends.run(jobId, () => this._append(jobId, append));
  }

  private async _append(jobId: string, append: OutputAppend): Promise<AppendOutcome> {
    const job = this.store.getJob(jobId);
    if (!job) return { kind: "unknown" };
    if (isTerminal(job.state)) return { kind: "ended", job };
    if (job.nextSeq !== append.expectedSeq) return { kind: "seq_moved", job };
    // The output file decides nextSeq after a crash, so it is written before the job record.
    await this.store.appendOutput(jobId, append.lines);
    // Re-read: a cancel or the sweeper may have changed the job while the output was written.
    const before = this.store.getJob(jobId) ?? job;
    let next: JobRecord = {
      ...before,
      nextSeq: append.nextSeq,
      outputBytes: append.outputBytes,
      outputTruncated: append.outputTruncated,
      ...(append.progress ? { progress: append.progress } : {}),
    };
    const starts = append.started && (before.state === "dispatched" || before.state === "queued");
    if (starts) next = { ...next, state: "running", startedAt: append.at.toISOString() };
    // Progress alone is harmless to lose in a crash: it goes with the next batch.
    if (starts || append.outputTruncated !== before.outputTruncated) await this.store.putJob(next);
    else this.store.putJobLazy(next);
    return { kind: "appended", job: next, before };
  }
}
