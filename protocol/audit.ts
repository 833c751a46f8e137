// Audit log entries: who did what to which host or job, appended and never rewritten.
import { z } from "zod";
import { Timestamp } from "./common.ts";
import { RolloutHostState, RolloutState } from "./rollouts.ts";

/**
 * Every action fleetd records, so that `fleetctl audit --json | jq 'select(.action == …)'`
 * and tests can check a name against the list instead of guessing it.
 */
export const AUDIT_ACTIONS = [
  "host.enrolled",
  "host.deleted",
  "host.revoked",
  "host.update_dispatched",
  "host.update_succeeded",
  "host.update_failed",
  "host.update_rolled_back",
  "job.created",
  "job.cancelled",
  "job.cancel_requested",
  "job.finished",
  "job.lost",
  "enroll_token.created",
  "enroll_token.revoked",
  "config.target_pinned",
  "config.target_unpinned",
  "notify.channel_added",
  "notify.channel_removed",
  "notify.test_sent",
  "alert.raised",
  "alert.resolved",
  "alert.acked",
  "alert.silenced",
  "alert.unsilenced",
  "rollout.started",
  "rollout.paused",
  "rollout.resumed",
  ...RolloutState.options.map((state) => `rollout.${state}` as const),
  ...RolloutHostState.options.map((state) => `rollout.host_${state}` as const),
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AuditEntry = z.object({
  ts: Timestamp,
  actor: z.string(),
  action: z.string(),
  target: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditList = z.object({ entries: z.array(AuditEntry) });
