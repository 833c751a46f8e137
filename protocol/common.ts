// Shared building blocks of the wire contract: ids, timestamps, the error envelope.
import { z } from "zod";

export { PROTOCOL_VERSION } from "./protocol-version.ts";

export const API_PREFIX = "/api/v1";

/** Upper bound on any JSON request body, enforced by fleetd before parsing. */
export const MAX_BODY_BYTES = 1024 * 1024;

export const Id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, "ids are letters, digits, '-' and '_'");

export const HostName = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "host names are letters, digits, '.', '-' and '_'");

/** ISO-8601 timestamp in UTC. */
export const Timestamp = z.string().datetime();

export const Platform = z.enum(["linux", "darwin", "win32"]);
export type Platform = z.infer<typeof Platform>;

export const Arch = z.enum(["x64", "arm64"]);
export type Arch = z.infer<typeof Arch>;

export const ErrorCode = z.enum([
  "bad_request",
  "invalid_json",
  "validation_failed",
  "payload_too_large",
  "unauthorized",
  "forbidden",
  "not_found",
  "conflict",
  "gone",
  "rate_limited",
  "protocol_mismatch",
  "internal",
  /** 507: fleetd's data disk is full; the request changed nothing, retry once there is space. */
  "disk_full",
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** The one error envelope every 4xx/5xx response carries. */
export const ErrorBody = z.object({
  error: z.object({
    code: ErrorCode,
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export const Ok = z.object({ ok: z.literal(true) });

/**
 * Something wrong with fleetd itself, not with a host: disk_full while its data disk refuses
 * writes (every change is answered 507 and changes nothing until there is space again);
 * config_repo_unreachable while `git ls-remote` of --config-repo fails (the last known target stays).
 */
export const ServerCondition = z.object({
  code: z.enum(["disk_full", "config_repo_unreachable"]),
  message: z.string(),
  since: Timestamp,
});
export type ServerCondition = z.infer<typeof ServerCondition>;

/**
 * GET /api/v1/health: liveness and fleetd's build version, for install.sh and `fleetctl doctor`.
 * Still 200 under a condition: fleetd is up and answers reads, so a load balancer keeps it.
 */
export const HealthResponse = z.object({
  ok: z.literal(true),
  version: z.string(),
  /** Left out by fleetd builds from before conditions. */
  conditions: z.array(ServerCondition).optional(),
});
export type HealthResponse = z.infer<typeof HealthResponse>;
