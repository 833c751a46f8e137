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
  token: z.string(),
  expiresAt: Timestamp,
  installCommand: z.string(),
});
export type EnrollTokenCreated = z.infer<typeof EnrollTokenCreated>;

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
