// Rollouts: a fleet-wide agent update or config deploy, canary first, then batches, halting at
// the first failure beyond the allowed number. fleetd persists and drives them; one of any kind
// runs at a time. The target is pinned when the rollout starts and every host's job carries it.
import { z } from "zod";
import { HostName, Id, Timestamp } from "./common.ts";
import { CommitSha, HostTag } from "./config-state.ts";
import { MAX_CONFIRM_SECONDS } from "./job-ops.ts";
import { JobOutcome } from "./job-outcomes.ts";

export const RolloutKind = z.enum(["update", "deploy"]);
export type RolloutKind = z.infer<typeof RolloutKind>;

/**
 * An agent update's target: the version and, per target triple ("linux-x64", ...), the SHA-256 of
 * the build fleetd served when the rollout started. A host installs exactly that build or fails.
 */
export const UpdateRolloutTarget = z.object({
  kind: z.literal("update"),
  version: z.string().min(1).max(100),
  sha256: z.record(z.string().max(40), z.string().regex(/^[0-9a-f]{64}$/)),
  allowDowngrade: z.boolean().default(false),
});
export type UpdateRolloutTarget = z.infer<typeof UpdateRolloutTarget>;

/** A config deploy's target: the commit every host is brought to, and how each host's deploy job runs. */
export const DeployRolloutTarget = z.object({
  kind: z.literal("deploy"),
  commit: CommitSha,
  /** The commit's subject line when fleetd knew it (from its mirror of the config repo). */
  subject: z.string().max(500).nullable(),
  confirmSeconds: z.number().int().positive().max(MAX_CONFIRM_SECONDS).default(90),
  test: z.boolean().default(true),
  rollback: z.boolean().default(true),
});
export type DeployRolloutTarget = z.infer<typeof DeployRolloutTarget>;

export const RolloutTarget = z.discriminatedUnion("kind", [UpdateRolloutTarget, DeployRolloutTarget]);
export type RolloutTarget = z.infer<typeof RolloutTarget>;

export const RolloutState = z.enum(["running", "paused", "completed", "halted", "cancelled"]);
export type RolloutState = z.infer<typeof RolloutState>;

/**
 * A host's place in a rollout: `in_progress` from dispatch to the job's end, then `soaking` while
 * it must stay online and healthy for `soakSeconds`, then done (or failed).
 */
export const RolloutHostState = z.enum(["pending", "in_progress", "soaking", "done", "skipped", "failed"]);
export type RolloutHostState = z.infer<typeof RolloutHostState>;

/** Each option as a start request may give it; RolloutOptions adds the defaults of a stored one. */
const _optionFields = {
  canary: z.number().int().nonnegative(),
  /**
   * Hosts per batch after the canary. Absent: growing batches, 1 %, 5 % and 25 % of the hosts
   * left after the canary, then the rest (GROWING_BATCH_PERCENTS), so a large fleet is done in a few
   * soaks while each step still halts on the first failure.
   */
  batch: z.number().int().positive(),
  /** Failures tolerated before the rollout halts; 0 halts on the first. */
  maxFailures: z.number().int().nonnegative(),
  /**
   * Per-host time from dispatch to the job's end (an update: to a healthy hello on the target).
   * Default 90 for an update, 900 for a deploy (a switch can build for a while).
   */
  timeoutSeconds: z.number().int().positive().max(3600),
  /**
   * After its job succeeded, how long a host must stay online and healthy before it counts as
   * done. Default 0 for an update (the agent soaks itself), fleetd's deploySoakMs (30 s) for a deploy.
   */
  soakSeconds: z.number().int().nonnegative().max(3600),
  /** Offline hosts: skipped and listed, or waited for. */
  includeOffline: z.enum(["wait", "skip"]),
};

export const RolloutOptions = z.object({
  canary: _optionFields.canary.default(1),
  batch: _optionFields.batch.optional(),
  maxFailures: _optionFields.maxFailures.default(0),
  timeoutSeconds: _optionFields.timeoutSeconds.default(90),
  soakSeconds: _optionFields.soakSeconds.default(0),
  includeOffline: _optionFields.includeOffline.default("skip"),
});
export type RolloutOptions = z.infer<typeof RolloutOptions>;

/** The growing batches' sizes, in % of the hosts after the canary; the last batch takes the rest. */
export const GROWING_BATCH_PERCENTS = [1, 5, 25] as const;

export const RolloutHost = z.object({
  hostId: Id,
  name: HostName,
  /** "none": not in the order, skipped when the rollout was planned (already on the target). */
  phase: z.enum(["canary", "batch", "none"]),
  /** 0 for the canary group (and for "none"), then 1, 2, ... per batch. */
  group: z.number().int().nonnegative(),
  state: RolloutHostState,
  jobId: Id.optional(),
  startedAt: Timestamp.optional(),
  /** When its job succeeded and the soak began (state `soaking`, and kept after). */
  soakingSince: Timestamp.optional(),
  finishedAt: Timestamp.optional(),
  reason: z.string().optional(),
  /** The host's job's typed outcome (a deploy's carries the generations before and after). */
  outcome: JobOutcome.optional(),
});
export type RolloutHost = z.infer<typeof RolloutHost>;

export const Rollout = z.object({
  id: Id,
  state: RolloutState,
  target: RolloutTarget,
  options: RolloutOptions,
  hosts: z.array(RolloutHost),
  createdAt: Timestamp,
  createdBy: z.string(),
  finishedAt: Timestamp.optional(),
  /** Why it halted or was cancelled, naming the host; or that it had nothing to do. */
  reason: z.string().optional(),
});
export type Rollout = z.infer<typeof Rollout>;

const _startCommon = z
  .object(_optionFields)
  .partial()
  .extend({
    /** Host ids to take; omitted (and no tag) means every enrolled host. */
    hosts: z.array(Id).max(10_000).optional(),
    /** Only hosts with this tag (with `hosts`, those of them that have it). */
    tag: HostTag.optional(),
    /** Hosts to take as canaries, in this order; otherwise the first by name that need the change. */
    canaryHosts: z.array(Id).max(100).optional(),
  });

/** An agent update rollout: the version is whatever fleetd serves now, pinned at the start. */
export const StartUpdateRollout = _startCommon.extend({
  kind: z.literal("update").default("update"),
  allowDowngrade: z.boolean().optional(),
});

/** A config deploy: `commit` defaults to the current config target. */
export const StartDeployRollout = _startCommon.extend({
  kind: z.literal("deploy"),
  commit: CommitSha.optional(),
  confirmSeconds: z.number().int().positive().max(MAX_CONFIRM_SECONDS).optional(),
  test: z.boolean().optional(),
  rollback: z.boolean().optional(),
  /** Only the hosts that failed in the last deploy rollout (with `hosts`/`tag`, those of them). */
  retryFailed: z.boolean().optional(),
});

/** Without `kind`, an update (what fleetctl before deploys sent). */
export const StartRolloutRequest = z.union([StartDeployRollout, StartUpdateRollout]);
export type StartRolloutRequest = z.infer<typeof StartRolloutRequest>;

export const RolloutResponse = z.object({ rollout: Rollout });
export const RolloutList = z.object({ rollouts: z.array(Rollout) });
