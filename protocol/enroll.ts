// Enrollment: a single-use, expiring enroll token buys a host id and a per-host token.
import { z } from "zod";
import { HostName, Id, Timestamp } from "./common.ts";

export const CreateEnrollTokenRequest = z.object({
  /** Lifetime in seconds; default 1 h. */
  ttlSeconds: z
    .number()
    .int()
    .positive()
    .max(30 * 24 * 3600)
    .optional(),
  note: z.string().max(200).optional(),
});

export const EnrollTokenCreated = z.object({
  /** Names the token in `GET /api/v1/enroll-tokens` and for revoking it; not a secret. */
  id: Id,
  token: z.string(),
  expiresAt: Timestamp,
  installCommand: z.string(),
});
export type EnrollTokenCreated = z.infer<typeof EnrollTokenCreated>;

export const EnrollTokenState = z.enum(["unused", "used", "expired", "revoked"]);
export type EnrollTokenState = z.infer<typeof EnrollTokenState>;

/** An enroll token as the operator may see it: never the token itself, nor its hash. */
export const EnrollTokenInfo = z.object({
  id: Id,
  createdAt: Timestamp,
  expiresAt: Timestamp,
  note: z.string().optional(),
  state: EnrollTokenState,
  usedAt: Timestamp.optional(),
  usedByHostId: Id.optional(),
  revokedAt: Timestamp.optional(),
});
export type EnrollTokenInfo = z.infer<typeof EnrollTokenInfo>;

/** Newest first. Used and expired tokens are listed until fleetd forgets them (a week after expiry). */
export const EnrollTokenList = z.object({ tokens: z.array(EnrollTokenInfo) });
export const EnrollTokenResponse = z.object({ token: EnrollTokenInfo });

export const EnrollRequest = z.object({
  token: z.string().min(1).max(200),
  name: HostName,
});
export type EnrollRequest = z.infer<typeof EnrollRequest>;

export const EnrollResponse = z.object({
  hostId: Id,
  hostToken: z.string(),
  name: HostName,
});
export type EnrollResponse = z.infer<typeof EnrollResponse>;
