// The repository over the Store's in-memory working set (the JSON files of one fleetd). Each
// intent decides and changes memory in one synchronous step before its first await, so no other
// request can come between the check and the change; the promise settles once the change is on
// disk. appendOutput, which must see the output file written before the job's counters move, takes
// a turn per job instead. That holds only while this process is the one writer of its data
// directory.
import type { AlertKind } from "../../protocol/alerts.ts";
import { isTerminal } from "../../protocol/jobs.ts";
import { isInFlight } from "../services/job-in-flight.ts";
import { KeyedLock } from "../services/keyed-lock.ts";
import type { AlertRecord } from "../store/records/alert.ts";
import type { AlertSilenceRecord } from "../store/records/alert-silence.ts";
import type { ChannelRecord } from "../store/records/channel.ts";
import { enrollTokenToWire } from "../store/records/enroll-token.ts";
import type { HostRecord } from "../store/records/host.ts";
import type { JobRecord } from "../store/records/job.ts";
import { isActiveRollout, type RolloutRecord } from "../store/records/rollout.ts";
import type { Store } from "../store/types.ts";
import {
  ackInStore,
  raiseInStore,
  removeSilenceInStore,
  resolveInStore,
  setSilenceInStore,
} from "./json-alerts.ts";
import { addChannelInStore, recordAttemptInStore } from "./json-channels.ts";
import { enrollInStore } from "./json-enroll.ts";
import type {
  AckAlertOutcome,
  AddChannelOutcome,
  AppendOutcome,
  CancelOutcome,
  ChannelAttempt,
  ChannelAttemptOutcome,
  ClaimOutcome,
  CreateJobOutcome,
  EnrollIntent,
  EnrollOutcome,
  FinishOutcome,
  JobEnding,
  OutputAppend,
  RaiseAlertOutcome,
  RemoveSilenceOutcome,
  Repository,
  RequeueOutcome,
  ResolveAlertOutcome,
  RevokeEnrollTokenOutcome,
  StartRolloutOutcome,
  UpdateHostOutcome,
  UpdateRolloutOutcome,
} from "./types.ts";

export class JsonRepository implements Repository {
  /** Appending waits for the output file before the job's counters move: one append per job at a time. */
  private readonly appends = new KeyedLock();

  constructor(
    private readonly store: Store,
    private readonly log: { error(...args: unknown[]): void },
  ) {}

  enroll(intent: EnrollIntent): Promise<EnrollOutcome> {
    return enrollInStore(this.store, this.log, intent);
  }

  async revokeEnrollToken(tokenHash: string, at: Date): Promise<RevokeEnrollTokenOutcome> {
    const token = this.store.getEnrollToken(tokenHash);
    if (!token) return { kind: "unknown" };
    if (enrollTokenToWire(token, at.getTime()).state !== "unused") return { kind: "not_unused", token };
    const revoked = { ...token, revokedAt: at.toISOString() };
    await this.store.putEnrollToken(revoked);
    return { kind: "revoked", token: revoked };
  }

  async updateHost(expected: Readonly<HostRecord>, next: HostRecord): Promise<UpdateHostOutcome> {
    // Stored records are values, replaced on every change: the same object is the same version.
    const current = this.store.getHost(expected.id);
    if (current !== expected) return { kind: "changed_meanwhile", current };
    const written = this.store.putHost(next);
    const host = this.store.getHost(next.id) ?? next;
    await written;
    return { kind: "updated", host };
  }

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
    const queued = active.find((job) => job.state === "queued" && Date.parse(job.expiresAt) > now.getTime());
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

  raiseAlert(alert: AlertRecord): Promise<RaiseAlertOutcome> {
    return raiseInStore(this.store, alert);
  }

  resolveAlert(kind: AlertKind, subject: string, resolution: string, at: Date): Promise<ResolveAlertOutcome> {
    return resolveInStore(this.store, kind, subject, resolution, at);
  }

  ackAlert(id: string, actor: string, at: Date): Promise<AckAlertOutcome> {
    return ackInStore(this.store, id, actor, at);
  }

  setAlertSilence(silence: AlertSilenceRecord, now: Date): Promise<void> {
    return setSilenceInStore(this.store, silence, now);
  }

  removeAlertSilence(subjects: readonly string[], now: Date): Promise<RemoveSilenceOutcome> {
    return removeSilenceInStore(this.store, subjects, now);
  }

  addChannel(channel: ChannelRecord, maxChannels: number): Promise<AddChannelOutcome> {
    return addChannelInStore(this.store, channel, maxChannels);
  }

  recordChannelAttempt(channelId: string, attempt: ChannelAttempt, at: Date): Promise<ChannelAttemptOutcome> {
    return recordAttemptInStore(this.store, channelId, attempt, at);
  }

  async startRollout(rollout: RolloutRecord): Promise<StartRolloutOutcome> {
    const active = this.store.listRollouts().find((r) => isActiveRollout(r.state));
    if (active) return { kind: "already_active", active };
    return { kind: "started", rollout: await this._put(rollout) };
  }

  async updateRollout(expected: Readonly<RolloutRecord>, next: RolloutRecord): Promise<UpdateRolloutOutcome> {
    // Stored records are values, replaced on every change: the same object is the same version.
    const current = this.store.getRollout(expected.id);
    if (current !== expected) return { kind: "changed_meanwhile", current };
    return { kind: "updated", rollout: await this._put(next) };
  }

  /** The record as stored (the store keeps its own copy), so it can be the next `expected`. */
  private async _put(rollout: RolloutRecord): Promise<Readonly<RolloutRecord>> {
    const written = this.store.putRollout(rollout);
    const stored = this.store.getRollout(rollout.id) ?? rollout;
    await written;
    return stored;
  }
}
