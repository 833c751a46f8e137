// fleetd's configuration, resolved once at start from flags, environment and defaults and
// then passed in; nothing reads the environment at request time.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** Every timeout and limit fleetd applies, with its default. Tests and operators override them. */
export const DEFAULT_LIMITS = {
  /** How long a long-poll is held before it returns `{command: null}`. */
  pollWindowMs: 25_000,
  /** After a held poll's connection drops, the host counts as online only this much longer. */
  offlineGraceMs: 10_000,
  /** A dispatched/running job whose host stays offline longer than this becomes `lost`. */
  jobLostAfterMs: 90_000,
  /** High-frequency host fields (lastSeen) are written in one batch this often, never per poll. */
  lastSeenFlushMs: 5_000,
  /** How often presence expiry, lost jobs and queued-job expiry are checked. */
  sweepIntervalMs: 1_000,
  /** How long a queued job waits for its host by default. */
  jobTtlMs: 3_600_000,
  /** Default lifetime of an enroll token. */
  enrollTokenTtlMs: 3_600_000,
  /** Output kept per job; later lines are dropped and the job is marked outputTruncated. */
  maxOutputBytesPerJob: 1024 * 1024,
  /** audit.jsonl is rotated to audit.1.jsonl beyond this size. */
  auditMaxBytes: 10 * 1024 * 1024,
  /** Finished jobs kept per host; older ones are pruned with their output. */
  terminalJobsKeptPerHost: 200,
  /** Idle time Bun allows an ordinary request's connection; held polls raise their own. */
  httpIdleTimeoutSeconds: 30,
  /** How long shutdown waits for in-flight requests before cutting their connections. */
  shutdownGraceMs: 10_000,
};
export type Limits = typeof DEFAULT_LIMITS;

/** Bun's idle timeout tops out at 255 s; the poll window has to fit under it with a margin. */
export const MAX_POLL_WINDOW_MS = 240_000;

export interface ServerConfig extends Limits {
  host: string;
  port: number;
  dataDir: string;
  /** Directory with manifest.json and the compiled artifacts, or null when fleetd serves none. */
  artifactsDir: string | null;
  /** Base URL agents and install commands use; null means "the URL fleetd listens on". */
  publicUrl: string | null;
}

export interface ConfigInput {
  host?: string;
  port?: string | number;
  data?: string;
  artifacts?: string;
  publicUrl?: string;
  jobLostAfter?: string | number;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Flags win over environment, environment over defaults. */
export function resolveConfig(flags: ConfigInput, env: Record<string, string | undefined>): ServerConfig {
  const host = flags.host ?? env.FLEET_HOST ?? "127.0.0.1";
  const port = parsePort(flags.port ?? env.FLEET_PORT ?? 8080);
  const dataDir = resolve(flags.data ?? env.FLEET_DATA ?? "./data");
  const artifactsFlag = flags.artifacts ?? env.FLEET_ARTIFACTS;
  const artifactsDir = artifactsFlag ? resolve(artifactsFlag) : defaultArtifactsDir();
  const publicUrl = normalizeUrl(flags.publicUrl ?? env.FLEET_PUBLIC_URL ?? null);
  const lostAfter = flags.jobLostAfter ?? env.FLEET_JOB_LOST_AFTER;
  const jobLostAfterMs =
    lostAfter === undefined
      ? DEFAULT_LIMITS.jobLostAfterMs
      : parseSeconds("job-lost-after", lostAfter) * 1000;
  return { ...DEFAULT_LIMITS, host, port, dataDir, artifactsDir, publicUrl, jobLostAfterMs };
}

/** A compiled fleetd ships next to its artifacts; running from source has none. */
function defaultArtifactsDir(): string | null {
  const dir = dirname(process.execPath);
  return existsSync(join(dir, "manifest.json")) ? dir : null;
}

function parsePort(value: string | number): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`port must be an integer 0-65535, got "${value}"`);
  }
  return port;
}

function parseSeconds(name: string, value: string | number): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new ConfigError(`${name} must be a positive number of seconds, got "${value}"`);
  }
  return seconds;
}

function normalizeUrl(url: string | null): string | null {
  if (url === null || url === "") return null;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error("not http(s)");
  } catch {
    throw new ConfigError(`public URL must be an http(s) URL, got "${url}"`);
  }
  return url.replace(/\/+$/, "");
}

/** The URL fleetd is reachable at when no public URL was configured. */
export function listenUrl(host: string, port: number): string {
  const shown = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  return `http://${shown.includes(":") ? `[${shown}]` : shown}:${port}`;
}
