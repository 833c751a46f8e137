// fleetd's configuration, resolved once at start from flags, environment and defaults and
// then passed in; nothing reads the environment at request time.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { hashToken } from "./services/tokens.ts";

/** Every timeout and limit fleetd applies, with its default. Tests and operators override them. */
export const DEFAULT_LIMITS = {
  /** How long a long-poll is held before it returns `{command: null}`. */
  pollWindowMs: 25_000,
  /** After a held poll's connection drops, the host counts as online only this much longer. */
  offlineGraceMs: 10_000,
  /** A dispatched/running job whose host stays offline longer than this becomes `lost`. */
  jobLostAfterMs: 90_000,
  /**
   * A dispatched job the operator cancelled, that its agent has neither started nor ended this long
   * after the cancel, ends `cancelled` anyway: an agent that cannot start it (or is gone) must not
   * hold the host's queue forever. A live agent answers a cancel within a second.
   */
  cancelUnansweredMs: 10_000,
  /** Batched changes (job progress, hosts first seen or gone offline) are written this often, never per poll. */
  lastSeenFlushMs: 5_000,
  /**
   * lastSeen of hosts that stay online is written at most this often (one whole hosts.json), so a
   * steady fleet costs no disk writes per poll; a crash loses at most this much of it.
   */
  lastSeenCheckpointMs: 600_000,
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
  /** An update job fails when the host has not come back on the target version this long after dispatch. */
  updateTimeoutMs: 90_000,
  /** A host back on the target version must stay online this long before its update counts as done. */
  updateSoakMs: 10_000,
  /** A deploy rollout's default soak: how long a deployed host must stay online before it counts as done. */
  deploySoakMs: 30_000,
  /**
   * After a deploy job ended `deployed`, how long fleetd waits (at least, beside the soak) for the
   * host's report that its active generation is built from the commit before failing it.
   */
  deployReportGraceMs: 30_000,
  /** Finished jobs kept per host; older ones are pruned with their output. */
  terminalJobsKeptPerHost: 200,
  /** Idle time Bun allows an ordinary request's connection; held polls raise their own. */
  httpIdleTimeoutSeconds: 30,
  /** How long shutdown waits for in-flight requests before cutting their connections. */
  shutdownGraceMs: 10_000,
  /** The board document is rebuilt at most this often, however many pages poll it. */
  boardCacheMs: 500,
  /**
   * The board's vitals (GET /api/v1/board/vitals) are rebuilt at most this often: a sample shows
   * on the board within this plus the page's vitals poll (15 s), and its ETag changes no oftener.
   */
  boardVitalsCacheMs: 15_000,
  /** Enroll attempts one client address may make in a burst (a rack of machines installing at once)... */
  enrollBurst: 60,
  /** ...and per minute after that; beyond it, 429 with Retry-After. */
  enrollPerMinute: 30,
  /** Requests with a missing, unknown or revoked token one address may make in a burst... */
  failedAuthBurst: 30,
  /** ...and per minute after that; then every token-bearing request from it gets 429 until it refills. */
  failedAuthPerMinute: 30,
  /** A host offline longer than this raises a host_offline alert; coming back resolves it. */
  offlineAlertSeconds: 300,
  /** A host whose checkout is behind the target longer than this raises config_behind. */
  behindAlertSeconds: 86_400,
  /** How often the conditions of alerts that need a pass over every host (config_behind, needs_reboot) are checked. */
  alertCheckIntervalMs: 5_000,
  /** How often the config repo's branch head is read (`git ls-remote`), besides POST /config/refresh. */
  configRefreshSeconds: 60,
  /** Every git call for the config target (ls-remote, clone, fetch, rev-list) is killed after this. */
  configGitTimeoutMs: 30_000,
  /**
   * Hosts' last vitals samples are written to vitals.json at most this often, never per message;
   * a crash loses at most this much of them (docs/operations.md).
   */
  vitalsSnapshotMs: 600_000,
  /** A host's fullest disk (/, /nix, its state dir) above this percentage raises disk_full. */
  diskFullPercent: 90,
  /** One attempt to deliver a notification (connect, send, answer) is cut off after this. */
  notifyTimeoutMs: 10_000,
  /** A failed delivery is retried after about this long, doubling per failure (with jitter)... */
  notifyBackoffBaseMs: 10_000,
  /** ...up to this between attempts... */
  notifyBackoffCapMs: 3_600_000,
  /** ...for this long after the event; then the delivery is abandoned (and stays listed). */
  notifyRetryForMs: 86_400_000,
  /** A channel whose every attempt has failed this long raises notification_failing. */
  notifyFailingAlertMs: 3_600_000,
  /** Deliveries attempted at once, over all channels. */
  notifyParallelDeliveries: 4,
  /** Delivered and abandoned notifications kept in the outbox for `fleetctl notify list`. */
  notifyDeliveriesKept: 1000,
  /** Notification channels fleetd keeps; adding one more is refused (each has its own /metrics series). */
  notifyMaxChannels: 50,
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
  /** SHA-256 of the board's read token; null or absent means only the admin token reads the board. */
  boardTokenHash?: string | null;
  /**
   * --public-board: anyone may read the board, with job output and path-like text left out (see
   * server/services/board-redact.ts); a token still shows everything. Off by default, so a fleetd
   * listening on 0.0.0.0 shows nothing to a stranger.
   */
  publicBoard?: boolean;
  /**
   * fleetd runs behind a reverse proxy (TLS termination): the client address for rate limits is
   * the last X-Forwarded-For entry, the one the proxy appended, not the proxy's own address.
   */
  trustProxy?: boolean;
  /**
   * FLEET_CHECK_RESPONSES=1: every JSON answer is checked against its route's declared response
   * and a mismatch is a 500 naming the field (server/routes/define.ts). The test suite sets it;
   * in production the types alone hold the handlers to the contract.
   */
  checkResponses?: boolean;
  /** --config-repo: the config repo whose branch head is the target; null: the hosts' fetches are. */
  configRepo?: string | null;
  /** --config-branch, default "main". */
  configBranch?: string;
  /** SHA-256 of --config-webhook-secret, which may call POST /config/refresh; null: only the admin token. */
  configWebhookSecretHash?: string | null;
  /** SHA-256 of the token in --metrics-token-file, which may read GET /metrics; null: only the admin token. */
  metricsTokenHash?: string | null;
}

export interface ConfigInput {
  host?: string;
  port?: string | number;
  data?: string;
  artifacts?: string;
  publicUrl?: string;
  jobLostAfter?: string | number;
  boardToken?: string;
  publicBoard?: boolean;
  trustProxy?: boolean;
  configRepo?: string;
  configBranch?: string;
  configWebhookSecret?: string;
  metricsTokenFile?: string;
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
    lostAfter === undefined ? undefined : parseSeconds("job-lost-after", lostAfter) * 1000;
  const limits = { ...DEFAULT_LIMITS, ...parseLimitOverrides(env.FLEET_LIMITS) };
  const boardToken = flags.boardToken ?? env.FLEET_BOARD_TOKEN;
  const webhookSecret = flags.configWebhookSecret ?? env.FLEET_CONFIG_WEBHOOK_SECRET;
  const metricsTokenFile = flags.metricsTokenFile ?? env.FLEET_METRICS_TOKEN_FILE;
  return {
    ...limits,
    host,
    port,
    dataDir,
    artifactsDir,
    publicUrl,
    jobLostAfterMs: jobLostAfterMs ?? limits.jobLostAfterMs,
    boardTokenHash: boardToken ? hashSecret("board token", boardToken) : null,
    publicBoard: flags.publicBoard || /^(1|true|yes)$/i.test(env.FLEET_PUBLIC_BOARD ?? ""),
    trustProxy: flags.trustProxy || /^(1|true|yes)$/i.test(env.FLEET_TRUST_PROXY ?? ""),
    checkResponses: env.FLEET_CHECK_RESPONSES === "1",
    configRepo: (flags.configRepo ?? env.FLEET_CONFIG_REPO) || null,
    configBranch: parseBranch(flags.configBranch ?? env.FLEET_CONFIG_BRANCH ?? "main"),
    configWebhookSecretHash: webhookSecret ? hashSecret("config webhook secret", webhookSecret) : null,
    metricsTokenHash: metricsTokenFile ? hashSecret("metrics token", readTokenFile(metricsTokenFile)) : null,
  };
}

/** A branch name git itself would take, and never one that reads as an option. */
function parseBranch(branch: string): string {
  if (!/^[A-Za-z0-9._/-]{1,255}$/.test(branch) || branch.startsWith("-") || branch.includes(".."))
    throw new ConfigError(`config branch must be a plain branch name like main, got "${branch}"`);
  return branch;
}

/** Same alphabet as every bearer token fleetd accepts; long enough not to be guessed. Webhook secrets too. */
const BOARD_TOKEN = /^[A-Za-z0-9_-]{16,512}$/;

/** Only the hash is kept, so the token itself never sits in the config or reaches a log. */
function hashSecret(what: string, token: string): string {
  if (!BOARD_TOKEN.test(token)) {
    throw new ConfigError(
      `${what} must be 16-512 letters, digits, '-' or '_' (e.g. the output of: openssl rand -hex 24)`,
    );
  }
  return hashToken(token);
}

/**
 * A token kept in a file (the one Prometheus reads as credentials_file), so it is in neither
 * fleetd's command line nor its environment; surrounding whitespace (a trailing newline) is not part of it.
 */
function readTokenFile(path: string): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch (err) {
    throw new ConfigError(`cannot read the metrics token file ${path}: ${(err as Error).message}`);
  }
}

/**
 * FLEET_LIMITS='{"updateSoakMs": 2000}' overrides any limit by its name in DEFAULT_LIMITS,
 * so every timeout and limit can be changed without a flag of its own.
 */
export function parseLimitOverrides(json: string | undefined): Partial<Limits> {
  if (!json) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new ConfigError('FLEET_LIMITS must be a JSON object, e.g. {"updateSoakMs": 2000}');
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new ConfigError("FLEET_LIMITS must be a JSON object");
  const out: Partial<Limits> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!(key in DEFAULT_LIMITS)) {
      throw new ConfigError(
        `FLEET_LIMITS: unknown limit "${key}"; known: ${Object.keys(DEFAULT_LIMITS).join(", ")}`,
      );
    }
    if (typeof value !== "number" || !(value > 0))
      throw new ConfigError(`FLEET_LIMITS: ${key} must be a positive number`);
    out[key as keyof Limits] = value;
  }
  return out;
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
