// Deciding who a bearer token belongs to. A token is checked against the one stored hash its
// shape points to (the admin hash, its host's hash, or the enroll token's record).
import type { ServerContext } from "../context.ts";
import { hashesEqual, hashToken, parseToken } from "./tokens.ts";

export type Identity = { kind: "admin" } | { kind: "host"; hostId: string } | { kind: "enroll" };

export function identifyToken(ctx: ServerContext, token: string): Identity | null {
  const parsed = parseToken(token);
  if (!parsed) return null;
  const hash = hashToken(token);
  switch (parsed.kind) {
    case "admin": {
      const stored = ctx.store.getAdminTokenHash();
      return stored !== null && hashesEqual(stored, hash) ? { kind: "admin" } : null;
    }
    case "host": {
      const host = ctx.store.getHost(parsed.hostId);
      const valid = host && !host.revokedAt && hashesEqual(host.tokenHash, hash);
      return valid ? { kind: "host", hostId: host.id } : null;
    }
    case "enroll": {
      const record = ctx.store.getEnrollToken(hash);
      const usable = record && !record.usedAt && Date.parse(record.expiresAt) > Date.now();
      return usable && hashesEqual(record.tokenHash, hash) ? { kind: "enroll" } : null;
    }
  }
}

/**
 * Why a token identifyToken refused is no good. Only the holder of a revoked host's real token
 * learns that it was revoked (and what to do); any other token gets the generic answer.
 */
export function refusalReason(ctx: ServerContext, token: string): string {
  const parsed = parseToken(token);
  if (parsed?.kind === "host") {
    const host = ctx.store.getHost(parsed.hostId);
    if (host?.revokedAt && hashesEqual(host.tokenHash, hashToken(token))) {
      return `this host's token was revoked at ${host.revokedAt}; the host must be enrolled again`;
    }
  }
  return "invalid, expired or revoked token";
}
