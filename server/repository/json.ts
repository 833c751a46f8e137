// The repository over the Store's in-memory working set (the JSON files of one fleetd). Each
// intent decides and changes memory in one synchronous step before its first await, so no other
// request can come between the check and the change; the promise settles once the change is on
// disk (appendOutput, which must see the output file written before the job's counters move, takes
// a turn per job instead: json-jobs.ts). That holds only while this process is the one writer of
// its data directory.
import type { AlertKind } from "../../protocol/alerts.ts";
import type { AlertRecord } from "../store/records/alert.ts";
import type { AlertSilenceRecord } from "../store/records/alert-silence.ts";
import type { ChannelRecord } from "../store/records/channel.ts";
import type { DeliveryRecord } from "../store/records/delivery.ts";
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
import {
  addChannelInStore,
  enqueueInStore,
  recordAttemptInStore,
  updateDeliveryInStore,
} from "./json-channels.ts";
import { enrollInStore } from "./json-enroll.ts";
import { JsonJobs } from "./json-jobs.ts";
import type {
  AckAlertOutcome,
  AddChannelOutcome,
  AppendOutcome,
  CancelOutcome,
  ChannelAttempt,
  ChannelAttemptOutcome,
  ClaimOutcome,
  CreateJobOutcome,
  EnqueueOutcome,
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
  SetSilenceOutcome,
  SettleUnheldOutcome,
  StartRolloutOutcome,
  UpdateDeliveryOutcome,
  UpdateHostOutcome,
  UpdateRolloutOutcome,
} from "./types.ts";

export class JsonRepository implements Repository {
  private readonly jobs: JsonJobs;

  constructor(
    private readonly store: Store,
    private readonly log: { error(...args: unknown[]): void },
  ) {
    this.jobs = new JsonJobs(store);
  }

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

  createJob(job: JobRecord): Promise<CreateJobOutcome> {
    return this.jobs.createJob(job);
  }

  claimNextJob(hostId: string, now: Date): Promise<ClaimOutcome> {
    return this.jobs.claimNextJob(hostId, now);
  }

  requeueDispatched(job: Readonly<JobRecord>): Promise<RequeueOutcome> {
    return this.jobs.requeueDispatched(job);
  }

  settleUnheldJob(
    jobId: string,
    reasons: { cancelled: string; lost: string },
    at: Date,
  ): Promise<SettleUnheldOutcome> {
    return this.jobs.settleUnheldJob(jobId, reasons, at);
  }

  finishJob(jobId: string, ending: JobEnding, at: Date): Promise<FinishOutcome> {
    return this.jobs.finishJob(jobId, ending, at);
  }

  cancelJob(jobId: string, reason: string, at: Date): Promise<CancelOutcome> {
    return this.jobs.cancelJob(jobId, reason, at);
  }

  appendOutput(jobId: string, append: OutputAppend): Promise<AppendOutcome> {
    return this.jobs.appendOutput(jobId, append);
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

  setAlertSilence(silence: AlertSilenceRecord, now: Date): Promise<SetSilenceOutcome> {
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

  enqueueDelivery(delivery: DeliveryRecord): Promise<EnqueueOutcome> {
    return enqueueInStore(this.store, delivery);
  }

  updateDelivery(expected: Readonly<DeliveryRecord>, next: DeliveryRecord): Promise<UpdateDeliveryOutcome> {
    return updateDeliveryInStore(this.store, expected, next);
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
