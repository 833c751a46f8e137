// What each repository intent (types.ts) answers: one named outcome per way it can end, never a
// boolean, each carrying what the caller needs next (the record as it is, the one in the way).
import type { AlertRecord } from "../store/records/alert.ts";
import type { AlertSilenceRecord } from "../store/records/alert-silence.ts";
import type { ChannelRecord } from "../store/records/channel.ts";
import type { DeliveryRecord } from "../store/records/delivery.ts";
import type { EnrollTokenRecord } from "../store/records/enroll-token.ts";
import type { HostRecord } from "../store/records/host.ts";
import type { JobRecord } from "../store/records/job.ts";
import type { RolloutRecord } from "../store/records/rollout.ts";

export type EnrollOutcome =
  | { kind: "enrolled"; host: Readonly<HostRecord> }
  | { kind: "token_unknown" }
  | { kind: "token_used" }
  | { kind: "token_revoked" }
  | { kind: "token_expired" }
  | { kind: "name_taken"; hostId: string }
  /** The random id collided with an existing host's; ask again with another. */
  | { kind: "host_id_taken" };

export type UpdateHostOutcome =
  | { kind: "updated"; host: Readonly<HostRecord> }
  /** Changed (revoked, heard from, deleted) since `expected` was read: decide again from `current`. */
  | { kind: "changed_meanwhile"; current: Readonly<HostRecord> | undefined };

export type RevokeEnrollTokenOutcome =
  | { kind: "revoked"; token: Readonly<EnrollTokenRecord> }
  | { kind: "unknown" }
  /** Used, revoked or expired: nothing to revoke. */
  | { kind: "not_unused"; token: Readonly<EnrollTokenRecord> };

export type CreateJobOutcome =
  | { kind: "created"; job: Readonly<JobRecord> }
  | { kind: "host_unknown" }
  /** A revoked host is given no more work. */
  | { kind: "host_revoked"; host: Readonly<HostRecord> }
  | { kind: "id_taken"; existing: Readonly<JobRecord> };

export type ClaimOutcome =
  | { kind: "claimed"; job: Readonly<JobRecord> }
  /** A job of the host is dispatched or running: it gets the next only once that one ended. */
  | { kind: "busy"; inFlight: Readonly<JobRecord> }
  | { kind: "nothing_queued" };

export type RequeueOutcome =
  | { kind: "requeued"; job: Readonly<JobRecord> }
  /** It started, ended, went back already or was dispatched again since (another dispatchedAt). */
  | { kind: "moved_on"; job: Readonly<JobRecord> | undefined };

export type SettleUnheldOutcome =
  /** It was dispatched and never reached the agent: queued again. */
  | { kind: "requeued"; job: Readonly<JobRecord> }
  /** Ended: cancelled (dispatched, and the operator asked to cancel it) or lost (it was running). */
  | { kind: "ended"; job: Readonly<JobRecord> }
  /** Queued, ended or unknown: nothing for the agent to have held. */
  | { kind: "not_in_flight" };

export type FinishOutcome =
  | { kind: "finished"; job: Readonly<JobRecord> }
  | { kind: "already_ended"; job: Readonly<JobRecord> }
  | { kind: "unknown" };

export type CancelOutcome =
  /** It was still queued: it ended, cancelled. */
  | { kind: "cancelled"; job: Readonly<JobRecord> }
  /** It is the agent's: flagged, so the host's poll delivers a cancel. */
  | { kind: "cancel_requested"; job: Readonly<JobRecord> }
  | { kind: "already_requested"; job: Readonly<JobRecord> }
  | { kind: "already_ended"; job: Readonly<JobRecord> }
  | { kind: "unknown" };

export type AppendOutcome =
  /** `before` is the job as the report found it, `job` as the report left it. */
  | { kind: "appended"; job: Readonly<JobRecord>; before: Readonly<JobRecord> }
  /** Another report moved nextSeq first: choose the lines again against `job`. */
  | { kind: "seq_moved"; job: Readonly<JobRecord> }
  | { kind: "ended"; job: Readonly<JobRecord> }
  | { kind: "unknown" };

export type StartRolloutOutcome =
  | { kind: "started"; rollout: Readonly<RolloutRecord> }
  | { kind: "already_active"; active: Readonly<RolloutRecord> };

export type UpdateRolloutOutcome =
  | { kind: "updated"; rollout: Readonly<RolloutRecord> }
  /** Someone else changed (or removed) it since `expected` was read: decide again from `current`. */
  | { kind: "changed_meanwhile"; current: Readonly<RolloutRecord> | undefined };

export type RaiseAlertOutcome =
  | { kind: "raised"; alert: Readonly<AlertRecord> }
  /** It was open with another message: it keeps its id, raisedAt and ack, with the new message. */
  | { kind: "updated"; alert: Readonly<AlertRecord> }
  | { kind: "unchanged"; alert: Readonly<AlertRecord> };

export type ResolveAlertOutcome = { kind: "resolved"; alert: Readonly<AlertRecord> } | { kind: "not_open" };

export type AckAlertOutcome =
  | { kind: "acked"; alert: Readonly<AlertRecord> }
  | { kind: "already_acked"; alert: Readonly<AlertRecord> }
  | { kind: "resolved"; alert: Readonly<AlertRecord> }
  | { kind: "unknown" };

/** Setting a silence always succeeds; `replaced` is the one in force on its subject before. */
export type SetSilenceOutcome = {
  kind: "set";
  silence: Readonly<AlertSilenceRecord>;
  replaced: Readonly<AlertSilenceRecord> | undefined;
};

export type RemoveSilenceOutcome =
  | { kind: "removed"; silence: Readonly<AlertSilenceRecord> }
  | { kind: "none_in_force" };

export type AddChannelOutcome =
  | { kind: "added"; channel: Readonly<ChannelRecord> }
  | { kind: "name_taken" }
  | { kind: "limit_reached" };

export type ChannelAttemptOutcome =
  | { kind: "recorded"; channel: Readonly<ChannelRecord> }
  | { kind: "unknown" };

export type EnqueueOutcome =
  | { kind: "enqueued"; delivery: Readonly<DeliveryRecord> }
  /** A delivery with its idempotency key exists: the event is told once per channel. */
  | { kind: "already_enqueued"; existing: Readonly<DeliveryRecord> }
  | { kind: "channel_unknown" };

export type UpdateDeliveryOutcome =
  | { kind: "updated"; delivery: Readonly<DeliveryRecord> }
  /** Removed with its channel, or changed, since `expected` was read. */
  | { kind: "changed_meanwhile"; current: Readonly<DeliveryRecord> | undefined };
