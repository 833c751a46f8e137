// The checks behind `fleetctl doctor`: can fleetd be reached, is the token the admin token,
// do the clocks agree, is fleetctl from fleetd's build, does fleetd's data disk take writes. Each failure carries the fix, because
// the operator running doctor is the one who has to make it.
import { ApiError } from "../protocol/errors.ts";
import {
  type HealthResponse,
  routePath,
  type ServerCondition,
  targetOf,
  VERSION,
} from "../protocol/index.ts";
import { type ApiClient, createApiClient } from "./api.ts";
import { TOKEN_HINT } from "./errors.ts";

/** Beyond this the board's "seen 3 s ago" and job durations mislead; Date has 1 s resolution. */
export const MAX_CLOCK_SKEW_SECONDS = 5;
export const DOCTOR_TIMEOUT_MS = 10_000;

export type CheckName = "server" | "token" | "clock" | "version" | "disk";
export interface Check {
  name: CheckName;
  status: "ok" | "fail" | "skipped";
  detail: string;
  fix?: string;
}

interface Health {
  version: string;
  conditions: ServerCondition[];
  serverDate: number | null;
  /** Local time halfway through the request, to compare with the server's Date header. */
  localMid: number;
  ms: number;
}

const _ok = (name: CheckName, detail: string): Check => ({ name, status: "ok", detail });
const _fail = (name: CheckName, detail: string, fix: string): Check => ({
  name,
  status: "fail",
  detail,
  fix,
});
const _skip = (name: CheckName, why: string): Check => ({ name, status: "skipped", detail: why });

export async function runDoctor(server: string, token: string | undefined): Promise<Check[]> {
  let health: Health;
  try {
    health = await _health(server);
  } catch (err) {
    const skipped = "not checked: fleetd did not answer";
    return [
      _fail(
        "server",
        (err as Error).message,
        `start fleetd (fleetd serve, or systemctl start fleetd), or point fleetctl at it: --server URL or FLEET_SERVER (now ${server})`,
      ),
      ...(["token", "clock", "version", "disk"] as const).map((n) => _skip(n, skipped)),
    ];
  }
  return [
    _ok("server", `fleetd ${health.version} at ${server} answered in ${health.ms} ms`),
    await _checkToken(server, token),
    checkClock(health.serverDate, health.localMid),
    await checkVersion(server, health.version),
    checkDisk(health.conditions),
  ];
}

/** fleetd says so in its health while its data disk refuses writes (see docs/operations.md). */
export function checkDisk(conditions: readonly ServerCondition[]): Check {
  const full = conditions.find((c) => c.code === "disk_full");
  if (!full) return _ok("disk", "fleetd's data disk takes writes");
  return _fail(
    "disk",
    `disk_full since ${full.since}: ${full.message}`,
    "free space on the disk of fleetd's data directory (see 'Disk full' in docs/operations.md); fleetd recovers by itself, no restart needed",
  );
}

async function _health(server: string): Promise<Health> {
  const client = createApiClient({ server, timeoutMs: DOCTOR_TIMEOUT_MS });
  const started = Date.now();
  let health: HealthResponse;
  try {
    health = await client.call("health");
  } catch (err) {
    throw new Error(_unhealthy(server, err));
  }
  const ms = Date.now() - started;
  return {
    version: health.version,
    conditions: health.conditions ?? [],
    ms,
    ...(await _serverClock(client)),
  };
}

/** Why the health check failed, in doctor's words: no answer at all, or not fleetd's answer. */
function _unhealthy(server: string, err: unknown): string {
  if (!(err instanceof ApiError)) return (err as Error).message;
  if (err.status !== 0) {
    return `${server} answers HTTP ${err.status} to ${routePath("health")}, but not as fleetd does (wrong URL, or a proxy in the way?)`;
  }
  const cause = err.cause as { name?: string; code?: string; message?: string } | undefined;
  const why =
    cause?.name === "TimeoutError"
      ? `no answer within ${DOCTOR_TIMEOUT_MS / 1000} s`
      : (cause?.code ?? cause?.message);
  return `cannot reach fleetd at ${server} (${why})`;
}

/**
 * fleetd's Date header, and this machine's time halfway through the request that brought it.
 * The client answers with bodies only, so the Date comes from a page route: the installer, which
 * every fleetd serves without a token.
 */
async function _serverClock(client: ApiClient): Promise<{ serverDate: number | null; localMid: number }> {
  const started = Date.now();
  try {
    const res = await client.open("installScript");
    const localMid = (started + Date.now()) / 2;
    await res.body?.cancel();
    const date = res.headers.get("date");
    return { serverDate: date ? Date.parse(date) : null, localMid };
  } catch {
    return { serverDate: null, localMid: started };
  }
}

async function _checkToken(server: string, token: string | undefined): Promise<Check> {
  if (!token) return _fail("token", "no admin token given", `pass --token or ${TOKEN_HINT}`);
  const client = createApiClient({ server, token, timeoutMs: DOCTOR_TIMEOUT_MS });
  try {
    const { hosts } = await client.call("listHosts");
    return _ok("token", `the admin token is accepted (${hosts.length} host(s) enrolled)`);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401)
      return _fail("token", "fleetd rejected the token", `use the admin token: ${TOKEN_HINT}`);
    if (err instanceof ApiError && err.status === 403) {
      return _fail(
        "token",
        "the token is valid but not the admin token (a host or board token?)",
        `use the admin token: ${TOKEN_HINT}`,
      );
    }
    return _fail("token", (err as Error).message, "see the message; fleetd's log may say more");
  }
}

/** Compares fleetd's Date header with this machine's clock at the middle of the request. */
export function checkClock(serverDate: number | null, localMid: number): Check {
  if (serverDate === null || Number.isNaN(serverDate))
    return _skip("clock", "fleetd's answer had no Date header (a proxy removed it?)");
  // Date is truncated to the second: the server's true time is up to 1 s later than it says.
  const skew = Math.round((serverDate + 500 - localMid) / 1000);
  if (Math.abs(skew) <= MAX_CLOCK_SKEW_SECONDS)
    return _ok("clock", `fleetd's clock and this machine's agree (within ${Math.max(1, Math.abs(skew))} s)`);
  const ahead =
    skew > 0 ? "fleetd's clock is ahead of this machine's" : "this machine's clock is ahead of fleetd's";
  return _fail(
    "clock",
    `${ahead} by ${Math.abs(skew)} s`,
    "turn on time sync on both machines (timedatectl set-ntp true, or chrony/ntpd); until then job times, " +
      "'last seen' and expiries are off by that much",
  );
}

export async function checkVersion(server: string, serverVersion: string): Promise<Check> {
  if (serverVersion === VERSION) return _ok("version", `fleetctl and fleetd are both ${VERSION}`);
  const detail = `fleetctl is ${VERSION}, fleetd is ${serverVersion}`;
  const download = await _matchingFleetctlUrl(server);
  const fix = download
    ? `use the fleetctl of fleetd's build: curl -fsSLo fleetctl ${download} && chmod +x fleetctl`
    : "use fleetctl from the same build as fleetd (bun scripts/build.ts makes both)";
  return _fail("version", detail, fix);
}

/** fleetd serves its build's fleetctl for this platform, if it was built. */
async function _matchingFleetctlUrl(server: string): Promise<string | null> {
  try {
    const manifest = await createApiClient({ server, timeoutMs: DOCTOR_TIMEOUT_MS }).call("manifest");
    const target = targetOf(process.platform as "linux", process.arch as "x64");
    const entry = manifest.artifacts.find((a) => a.program === "fleetctl" && a.target === target);
    return entry ? server + routePath("artifact", { file: entry.file }) : null;
  } catch {
    return null;
  }
}
