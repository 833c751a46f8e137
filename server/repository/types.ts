// The repository: fleetd's changes that check before they change, each one whole intent. Two
// replicas on one database may ask for the same change at once (two hosts enrolling with one
// token, two polls of one host), so the check and the change must be one atomic step where the
// data lives, not a read in the service and a write after it.
//
// Each intent is async and answers a named outcome, never a boolean; a refused write (a full disk,
// a lost connection) rejects instead. An intent takes only values, never a callback into service
// code, so a database implementation can run each as one transaction. What follows a change
// (audit, metrics, wakes, notifications) stays in the services: the outcome (outcomes.ts) says
// what happened.
//
// Reads still go through the Store (store/types.ts).
import type { AlertKind } from "../../protocol/alerts.ts";
import type { OutputLine } from "../../protocol/jobs.ts";
import type { AlertRecord } from "../store/records/alert.ts";
import type { AlertSilenceRecord } from "../store/records/alert-silence.ts";
import type { ChannelRecord } from "../store/records/channel.ts";
import type { DeliveryRecord } from "../store/records/delivery.ts";
import type { HostRecord } from "../store/records/host.ts";
import type { JobRecord } from "../store/records/job.ts";
import type { RolloutRecord } from "../store/records/rollout.ts";
import type {
  AckAlertOutcome,
  AddChannelOutcome,
  AppendOutcome,
  CancelOutcome,
  ChannelAttemptOutcome,
  ClaimOutcome,
  CreateJobOutcome,
  EnqueueOutcome,
  EnrollOutcome,
  FinishOutcome,
  RaiseAlertOutcome,
  RemoveSilenceOutcome,
  RequeueOutcome,
  ResolveAlertOutcome,
  RevokeEnrollTokenOutcome,
  SetSilenceOutcome,
  SettleUnheldOutcome,
  StartRolloutOutcome,
  UpdateDeliveryOutcome,
  UpdateHostOutcome,
  UpdateRolloutOutcome,
} from "./outcomes.ts";

export type * from "./outcomes.ts";

export interface EnrollIntent {
  tokenHash: string;
  /** The host to create: a fresh id, the name asked for, its token's hash, enrolledAt = `at`. */
  host: HostRecord;
  /** When the token is used; it has expired when its expiresAt is not after this. */
  at: Date;
}

export interface JobEnding {
  state: JobRecord["state"];
  exitCode?: number | null;
  reason?: string;
  outcome?: JobRecord["outcome"];
  tests?: JobRecord["tests"];
}

/** What an agent's report adds to a job, worked out by the service from the job at expectedSeq. */
export interface OutputAppend {
  /** The job's nextSeq the lines were chosen against; the append happens only there. */
  expectedSeq: number;
  /** In seq order, each at or after expectedSeq; may be empty (a report of progress only). */
  lines: readonly OutputLine[];
  nextSeq: number;
  outputBytes: number;
  outputTruncated: boolean;
  progress?: JobRecord["progress"];
  /** The agent started the job: a queued or dispatched one becomes running at `at`. */
  started: boolean;
  at: Date;
}

/** A delivery attempt as a channel remembers it: its last error, and since when it fails. */
export type ChannelAttempt = { ok: true } | { ok: false; error: string };

export interface Repository {
  /** Uses the enroll token and creates the host, both or neither. */
  enroll(intent: EnrollIntent): Promise<EnrollOutcome>;
  /** Only an unused token is revoked, so it cannot race an enrollment with it. */
  revokeEnrollToken(tokenHash: string, at: Date): Promise<RevokeEnrollTokenOutcome>;
  /**
   * Replaces the host with `next` only if it is still the record `expected` (as read from the
   * store: the JSON store's very object; a database's row unchanged since), so a hello written
   * from an older read cannot undo a revoke.
   */
  updateHost(expected: Readonly<HostRecord>, next: HostRecord): Promise<UpdateHostOutcome>;

  /** Stores a new job, only for a host that exists and is not revoked, under an id not yet used. */
  createJob(job: JobRecord): Promise<CreateJobOutcome>;
  /** When the host has nothing in flight, its oldest queued job not expired at `now` is dispatched. */
  claimNextJob(hostId: string, now: Date): Promise<ClaimOutcome>;
  /** Back to queued, only if still dispatched with the same dispatchedAt as `job`. */
  requeueDispatched(job: Readonly<JobRecord>): Promise<RequeueOutcome>;
  /**
   * A job in flight that its agent says it does not hold: a dispatched one goes back to the queue,
   * or ends cancelled with `reasons.cancelled` if a cancel was asked for; a running one ends lost
   * with `reasons.lost`.
   */
  settleUnheldJob(
    jobId: string,
    reasons: { cancelled: string; lost: string },
    at: Date,
  ): Promise<SettleUnheldOutcome>;
  /** Ends the job at `at` unless it already ended. */
  finishJob(jobId: string, ending: JobEnding, at: Date): Promise<FinishOutcome>;
  /** A queued job ends cancelled; a dispatched or running one is flagged for its agent. */
  cancelJob(jobId: string, reason: string, at: Date): Promise<CancelOutcome>;
  /** Appends output at expectedSeq and moves the job's counters, unless it ended or moved on. */
  appendOutput(jobId: string, append: OutputAppend): Promise<AppendOutcome>;

  /** At most one alert of a kind and subject is open: `alert` (a fresh one) is stored only if none is. */
  raiseAlert(alert: AlertRecord): Promise<RaiseAlertOutcome>;
  resolveAlert(kind: AlertKind, subject: string, resolution: string, at: Date): Promise<ResolveAlertOutcome>;
  /** Only an open alert is acked, once. */
  ackAlert(id: string, actor: string, at: Date): Promise<AckAlertOutcome>;

  /** Puts the silence in place of any on its subject; silences expired at `now` go with it. */
  setAlertSilence(silence: AlertSilenceRecord, now: Date): Promise<SetSilenceOutcome>;
  /** Removes the silence in force at `now` on any of `subjects` (one subject has at most one). */
  removeAlertSilence(subjects: readonly string[], now: Date): Promise<RemoveSilenceOutcome>;

  /** Stores a new channel unless its name is taken or `maxChannels` exist. */
  addChannel(channel: ChannelRecord, maxChannels: number): Promise<AddChannelOutcome>;
  /** Counts an attempt on the channel, unless it was removed meanwhile (it is not put back). */
  recordChannelAttempt(channelId: string, attempt: ChannelAttempt, at: Date): Promise<ChannelAttemptOutcome>;

  /** Puts a delivery in the outbox unless its idempotency key is there, or its channel is gone. */
  enqueueDelivery(delivery: DeliveryRecord): Promise<EnqueueOutcome>;
  /** Replaces the delivery only if it is still the record `expected`, as read (see updateHost). */
  updateDelivery(expected: Readonly<DeliveryRecord>, next: DeliveryRecord): Promise<UpdateDeliveryOutcome>;

  /** Stores the rollout unless one is active (running or paused). */
  startRollout(rollout: RolloutRecord): Promise<StartRolloutOutcome>;
  /**
   * Replaces the rollout with `next` only if it is still the record `expected` (as read from the
   * store: the JSON store's very object; a database's row unchanged since).
   */
  updateRollout(expected: Readonly<RolloutRecord>, next: RolloutRecord): Promise<UpdateRolloutOutcome>;
}
