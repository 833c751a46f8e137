// Recording who did what. Entries name hosts and jobs by id and never carry a token or its hash.
import type { AuditAction, AuditEntry } from "../../protocol/audit.ts";
import type { ServerContext } from "../context.ts";
import { auditToWire } from "../store/records/audit.ts";
import type { AuditQuery } from "../store/types.ts";

/** The one list of actions lives in the protocol, where fleetctl and the tests read it too. */
export type { AuditAction };

/** Actor for changes fleetd makes by itself (expiry, lost jobs). */
export const SYSTEM_ACTOR = "fleetd";

export function recordAudit(
  ctx: ServerContext,
  actor: string,
  action: AuditAction,
  target?: string,
  details?: Record<string, unknown>,
): Promise<void> {
  const entry = { ts: new Date().toISOString(), actor, action, target, details };
  // Entries are written after the change they record is durable: failing the request now would
  // answer "refused" for a change that took effect (the retry then doubles it). The entry goes to
  // fleetd's log instead, so the record survives in the journal of the service manager.
  return ctx.store.appendAudit(entry).catch((err: unknown) => {
    ctx.log.error(`audit entry not written (${(err as Error).message}): ${JSON.stringify(entry)}`);
  });
}

export function listAudit(ctx: ServerContext, query: AuditQuery): AuditEntry[] {
  return ctx.store.listAudit(query).map(auditToWire);
}
