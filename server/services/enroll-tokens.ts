// Enroll tokens for the operator: list them and revoke an unused one. A token is named by an id
// derived from its hash (enrollTokenId in ids.ts), so listing never shows the token nor its hash.
import type { EnrollTokenInfo } from "../../protocol/enroll.ts";
import type { ServerContext } from "../context.ts";
import { conflict, notFound } from "../errors.ts";
import { enrollTokenToWire } from "../store/records/enroll-token.ts";
import { recordAudit } from "./audit.ts";
import { enrollTokenId } from "./ids.ts";

/** Newest first. */
export function listEnrollTokens(ctx: ServerContext, now = Date.now()): EnrollTokenInfo[] {
  return ctx.store
    .listEnrollTokens()
    .map((record) => enrollTokenToWire(record, now))
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
  const outcome = await ctx.repo.revokeEnrollToken(record.tokenHash, new Date());
  if (outcome.kind === "unknown") throw notFound(`no enroll token with id "${id}"`);
  if (outcome.kind === "not_unused") {
    const { token } = outcome;
    const when = token.revokedAt ?? token.usedAt ?? token.expiresAt;
    throw conflict(
      `enroll token ${id} is already ${enrollTokenToWire(token).state} (${when}); nothing to revoke`,
    );
  }
  await recordAudit(ctx, actor, "enroll_token.revoked", id, record.note ? { note: record.note } : undefined);
  return enrollTokenToWire(outcome.token);
}
