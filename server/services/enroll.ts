// Enrollment: the operator mints a single-use, expiring enroll token; a host trades it once for
// its own id and host token. The token is consumed durably before the host learns its credentials.
import type { EnrollRequest, EnrollResponse, EnrollTokenCreated } from "../../protocol/enroll.ts";
import type { ServerContext } from "../context.ts";
import { conflict, unauthorized } from "../errors.ts";
import type { EnrollTokenRecord } from "../store/records/enroll-token.ts";
import { newHostRecord } from "../store/records/host.ts";
import { recordAudit } from "./audit.ts";
import { enrollTokenId, newHostId } from "./ids.ts";
import { hashesEqual, hashToken, newEnrollToken, newHostToken, parseToken } from "./tokens.ts";

/** Used and expired enroll tokens are remembered this long, so a late retry hears why it failed. */
export const ENROLL_TOKEN_MEMORY_MS = 7 * 24 * 3600 * 1000;

export function installCommand(publicUrl: string, token: string): string {
  return `curl -fsSL ${publicUrl}/install.sh | sh -s -- --token ${token}`;
}

export async function createEnrollToken(
  ctx: ServerContext,
  request: { ttlSeconds?: number; note?: string },
  actor: string,
): Promise<EnrollTokenCreated> {
  const token = newEnrollToken();
  const now = Date.now();
  const ttlMs = request.ttlSeconds !== undefined ? request.ttlSeconds * 1000 : ctx.config.enrollTokenTtlMs;
  const expiresAt = new Date(now + ttlMs).toISOString();
  const tokenHash = hashToken(token);
  await ctx.store.putEnrollToken({
    tokenHash,
    createdAt: new Date(now).toISOString(),
    expiresAt,
    ...(request.note !== undefined ? { note: request.note } : {}),
  });
  const id = enrollTokenId(tokenHash);
  await recordAudit(ctx, actor, "enroll_token.created", id, {
    expiresAt,
    ...(request.note !== undefined ? { note: request.note } : {}),
  });
  return { id, token, expiresAt, installCommand: installCommand(ctx.publicUrl, token) };
}

export async function enrollHost(ctx: ServerContext, request: EnrollRequest): Promise<EnrollResponse> {
  const tokenHash = hashToken(request.token);
  const record =
    parseToken(request.token)?.kind === "enroll" ? ctx.store.getEnrollToken(tokenHash) : undefined;
  if (!record || !hashesEqual(record.tokenHash, tokenHash)) throw unauthorized("enroll token unknown");
  if (record.usedAt) throw unauthorized("enroll token already used");
  if (record.revokedAt) throw unauthorized("enroll token revoked");
  if (Date.parse(record.expiresAt) <= Date.now()) throw unauthorized("enroll token expired");

  const existing = ctx.store.findHostByName(request.name);
  if (existing) {
    throw conflict(
      `a host named "${request.name}" is already enrolled as ${existing.id}; delete it first or pick another name`,
      { hostId: existing.id },
    );
  }

  let hostId = newHostId();
  while (ctx.store.getHost(hostId)) hostId = newHostId();
  const hostToken = newHostToken(hostId);
  const now = new Date().toISOString();
  const host = newHostRecord(hostId, request.name, hashToken(hostToken), now);
  // Consume the token in the same tick as creating the host: a concurrent second use sees it used.
  const [token, created] = await Promise.allSettled([
    ctx.store.putEnrollToken({ ...record, usedAt: now, usedByHostId: hostId }),
    ctx.store.putHost(host),
  ]);
  if (token.status === "rejected" || created.status === "rejected") {
    await undoHalfEnroll(ctx, record, hostId, token.status === "fulfilled", created.status === "fulfilled");
    throw token.status === "rejected" ? token.reason : (created as PromiseRejectedResult).reason;
  }
  await recordAudit(ctx, `host:${hostId}`, "host.enrolled", hostId, { name: request.name });
  ctx.log.info(`host ${request.name} enrolled as ${hostId}`);
  return { hostId, hostToken, name: request.name };
}

/**
 * The two files are written apart, so on a disk filling up one write can land and the other be
 * refused. The refused enroll must change nothing: a host left behind takes the name (the retry
 * got 409), a token left used refuses the retry. What landed is put back; should that be refused
 * too, it is logged, since the disk then refuses every write anyway.
 */
async function undoHalfEnroll(
  ctx: ServerContext,
  token: EnrollTokenRecord,
  hostId: string,
  tokenUsed: boolean,
  hostCreated: boolean,
): Promise<void> {
  try {
    if (tokenUsed) await ctx.store.putEnrollToken(token);
    if (hostCreated) await ctx.store.deleteHost(hostId);
  } catch (err) {
    ctx.log.error(`undoing half of a refused enroll of ${hostId} failed too`, err);
  }
}
