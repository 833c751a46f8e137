// Enroll tokens for the operator: list them and revoke an unused one. A token is named by an id
// derived from its hash (enrollTokenId in ids.ts), so listing never shows the token itself.
import type { EnrollTokenInfo } from "../../protocol/enroll.ts";
import type { ServerContext } from "../context.ts";
import { conflict, notFound } from "../errors.ts";
import type { EnrollTokenRecord } from "../store/types.ts";
import { recordAudit } from "./audit.ts";
import { enrollTokenId } from "./ids.ts";

export function enrollTokenInfo(record: Readonly<EnrollTokenRecord>, now = Date.now()): EnrollTokenInfo {
  const { tokenHash, ...shown } = record;
  const state = record.revokedAt
    ? "revoked"
    : record.usedAt
      ? "used"
      : Date.parse(record.expiresAt) <= now
        ? "expired"
        : "unused";
  return { id: enrollTokenId(tokenHash), ...shown, state };
}

/** Newest first. */
export function listEnrollTokens(ctx: ServerContext, now = Date.now()): EnrollTokenInfo[] {
  return ctx.store
    .listEnrollTokens()
    .map((record) => enrollTokenInfo(record, now))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id));
}

/** Only an unused token can be revoked: a used one already did its one enrollment. */
export async function revokeEnrollToken(
  ctx: ServerContext,
  id: string,
  actor: string,
): Promise<EnrollTokenInfo> {
  const record = ctx.store.listEnrollTokens().find((t) => enrollTokenId(t.tokenHash) === id);
  if (!record) throw notFound(`no enroll token with id "${id}"`);
  const info = enrollTokenInfo(record);
  if (info.state !== "unused") {
    const when = record.revokedAt ?? record.usedAt ?? record.expiresAt;
    throw conflict(`enroll token ${id} is already ${info.state} (${when}); nothing to revoke`);
  }
  const revoked: EnrollTokenRecord = { ...record, revokedAt: new Date().toISOString() };
  await ctx.store.putEnrollToken(revoked);
  await recordAudit(ctx, actor, "enroll_token.revoked", id, record.note ? { note: record.note } : undefined);
  return enrollTokenInfo(revoked);
}
