// Enrollment: the operator mints a single-use, expiring enroll token; a host trades it once for
// its own id and host token. The token is consumed durably before the host learns its credentials.
import type { EnrollRequest, EnrollResponse, EnrollTokenCreated } from "../../protocol/enroll.ts";
import type { ServerContext } from "../context.ts";
import { conflict, unauthorized } from "../errors.ts";
import type { EnrollOutcome } from "../repository/types.ts";
import { newHostRecord } from "../store/records/host.ts";
import { recordAudit } from "./audit.ts";
import { enrollTokenId, newHostId } from "./ids.ts";
import { hashToken, newEnrollToken, newHostToken, parseToken } from "./tokens.ts";

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
  if (parseToken(request.token)?.kind !== "enroll") throw unauthorized("enroll token unknown");
  const tokenHash = hashToken(request.token);
  for (;;) {
    const hostId = newHostId();
    const hostToken = newHostToken(hostId);
    const at = new Date();
    const host = newHostRecord(hostId, request.name, hashToken(hostToken), at.toISOString());
    const outcome = await ctx.repo.enroll({ tokenHash, host, at });
    if (outcome.kind === "host_id_taken") continue;
    if (outcome.kind !== "enrolled") throw _refusal(outcome, request.name);
    await recordAudit(ctx, `host:${hostId}`, "host.enrolled", hostId, { name: request.name });
    ctx.log.info(`host ${request.name} enrolled as ${hostId}`);
    return { hostId, hostToken, name: request.name };
  }
}

function _refusal(outcome: Exclude<EnrollOutcome, { kind: "enrolled" | "host_id_taken" }>, name: string) {
  switch (outcome.kind) {
    case "token_unknown":
      return unauthorized("enroll token unknown");
    case "token_used":
      return unauthorized("enroll token already used");
    case "token_revoked":
      return unauthorized("enroll token revoked");
    case "token_expired":
      return unauthorized("enroll token expired");
    case "name_taken":
      return conflict(
        `a host named "${name}" is already enrolled as ${outcome.hostId}; delete it first or pick another name`,
        { hostId: outcome.hostId },
      );
  }
}
