// Rollouts: a fleet-wide agent update, canary first, then batches, halting at the first
// failure beyond the allowed number. fleetd persists and drives them; one runs at a time.
import { z } from "zod";
import { HostName, Id, Timestamp } from "./common.ts";

export const RolloutState = z.enum(["running", "paused", "completed", "halted", "cancelled"]);
export type RolloutState = z.infer<typeof RolloutState>;

export const RolloutHostState = z.enum(["pending", "updating", "done", "skipped", "failed"]);
export type RolloutHostState = z.infer<typeof RolloutHostState>;

export const RolloutOptions = z.object({
  canary: z.number().int().nonnegative().default(1),
  batch: z.number().int().positive().default(1),
  /** Failures tolerated before the rollout halts; 0 halts on the first. */
  maxFailures: z.number().int().nonnegative().default(0),
  /** Per-host time from dispatch to a healthy hello on the target. */
  timeoutSeconds: z.number().int().positive().max(3600).default(90),
  /** Offline hosts: skipped and listed, or waited for. */
  includeOffline: z.enum(["wait", "skip"]).default("skip"),
  allowDowngrade: z.boolean().default(false),
});
export type RolloutOptions = z.infer<typeof RolloutOptions>;

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
  finishedAt: Timestamp.optional(),
  reason: z.string().optional(),
});
export type RolloutHost = z.infer<typeof RolloutHost>;

export const Rollout = z.object({
  id: Id,
  state: RolloutState,
  targetVersion: z.string(),
  options: RolloutOptions,
  hosts: z.array(RolloutHost),
  createdAt: Timestamp,
  createdBy: z.string(),
  finishedAt: Timestamp.optional(),
  /** Why it halted or was cancelled, naming the host; or that it had nothing to do. */
  reason: z.string().optional(),
});
export type Rollout = z.infer<typeof Rollout>;

export const StartRolloutRequest = RolloutOptions.partial().extend({
  /** Host ids to update; omitted means every enrolled host. */
  hosts: z.array(Id).max(10_000).optional(),
  /** Hosts to take as canaries, in this order; otherwise the first by name that need the update. */
  canaryHosts: z.array(Id).max(100).optional(),
});
export type StartRolloutRequest = z.infer<typeof StartRolloutRequest>;

export const RolloutResponse = z.object({ rollout: Rollout });
export const RolloutList = z.object({ rollouts: z.array(Rollout) });
