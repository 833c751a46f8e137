// Enrolling over the JSON store: the token is used and the host created in the same tick, so a
// concurrent second use of the token sees it used. The two land in two files; a refused write of
// either undoes the other, so a refused enroll changes nothing.
import { hashesEqual } from "../services/tokens.ts";
import type { EnrollTokenRecord } from "../store/records/enroll-token.ts";
import type { Store } from "../store/types.ts";
import type { EnrollIntent, EnrollOutcome } from "./types.ts";

export async function enrollInStore(
  store: Store,
  log: { error(...args: unknown[]): void },
  { tokenHash, host, at }: EnrollIntent,
): Promise<EnrollOutcome> {
  const record = store.getEnrollToken(tokenHash);
  if (!record || !hashesEqual(record.tokenHash, tokenHash)) return { kind: "token_unknown" };
  if (record.usedAt) return { kind: "token_used" };
  if (record.revokedAt) return { kind: "token_revoked" };
  if (Date.parse(record.expiresAt) <= at.getTime()) return { kind: "token_expired" };
  const existing = store.findHostByName(host.name);
  if (existing) return { kind: "name_taken", hostId: existing.id };
  if (store.getHost(host.id)) return { kind: "host_id_taken" };

  const [token, created] = await Promise.allSettled([
    store.putEnrollToken({ ...record, usedAt: at.toISOString(), usedByHostId: host.id }),
    store.putHost(host),
  ]);
  if (token.status === "rejected" || created.status === "rejected") {
    await _undoHalfEnroll(
      store,
      log,
      record,
      host.id,
      token.status === "fulfilled",
      created.status === "fulfilled",
    );
    throw token.status === "rejected" ? token.reason : (created as PromiseRejectedResult).reason;
  }
  return { kind: "enrolled", host };
}

/**
 * On a disk filling up one write can land and the other be refused. A host left behind takes the
 * name (the retry got 409), a token left used refuses the retry. What landed is put back; should
 * that be refused too, it is logged, since the disk then refuses every write anyway.
 */
async function _undoHalfEnroll(
  store: Store,
  log: { error(...args: unknown[]): void },
  token: EnrollTokenRecord,
  hostId: string,
  tokenUsed: boolean,
  hostCreated: boolean,
): Promise<void> {
  try {
    if (tokenUsed) await store.putEnrollToken(token);
    if (hostCreated) await store.deleteHost(hostId);
  } catch (err) {
    log.error(`undoing half of a refused enroll of ${hostId} failed too`, err);
  }
}
