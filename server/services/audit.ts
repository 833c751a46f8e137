// Recording who did what. Entries name hosts and jobs by id and never carry a token or its hash.
import type { AuditEntry } from "../../protocol/audit.ts";
import type { ServerContext } from "../context.ts";
import type { AuditQuery } from "../store/types.ts";

export type AuditAction =
  | `rollout.${string}`
  | "host.enrolled"
  | "host.deleted"
  | "host.revoked"
  | "job.created"
  | "job.cancelled"
  | "job.cancel_requested"
  | "job.finished"
  | "job.lost"
  | "enroll_token.created"
  | "host.update_dispatched"
  | "host.update_succeeded"
  | "host.update_failed"
  | "host.update_rolled_back";

/** Actor for changes fleetd makes by itself (expiry, lost jobs). */
export const SYSTEM_ACTOR = "fleetd";

export function recordAudit(
  ctx: ServerContext,
  actor: string,
  action: AuditAction,
  target?: string,
  details?: Record<string, unknown>,
): Promise<void> {
  return ctx.store.appendAudit({ ts: new Date().toISOString(), actor, action, target, details });
}

export function listAudit(ctx: ServerContext, query: AuditQuery): AuditEntry[] {
  return ctx.store.listAudit(query);
}
