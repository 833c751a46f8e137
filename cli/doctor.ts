// The checks behind `fleetctl doctor`: can fleetd be reached, is the token the admin token,
// do the clocks agree, is fleetctl from fleetd's build, does fleetd's data disk take writes. Each failure carries the fix, because
// the operator running doctor is the one who has to make it.
import {
  HealthResponse,
  HostList,
  Manifest,
  routePath,
  type ServerCondition,
  targetOf,
  VERSION,
} from "../protocol/index.ts";
import { createApiClient } from "./api.ts";
import { ApiError, TOKEN_HINT } from "./errors.ts";

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
  const started = Date.now();
  let res: Response;
  try {
    res = await fetch(server + routePath("health"), { signal: AbortSignal.timeout(DOCTOR_TIMEOUT_MS) });
  } catch (err) {
    const e = err as { name?: string; code?: string; message?: string };
    const why =
      e.name === "TimeoutError" ? `no answer within ${DOCTOR_TIMEOUT_MS / 1000} s` : (e.code ?? e.message);
    throw new Error(`cannot reach fleetd at ${server} (${why})`);
  }
  const ended = Date.now();
  const body = HealthResponse.safeParse(await res.json().catch(() => null));
  if (!res.ok || !body.success) {
    throw new Error(
      `${server} answers HTTP ${res.status} to ${routePath("health")}, but not as fleetd does (wrong URL, or a proxy in the way?)`,
    );
  }
  const date = res.headers.get("date");
  return {
    version: body.data.version,
    conditions: body.data.conditions ?? [],
    serverDate: date ? Date.parse(date) : null,
    localMid: (started + ended) / 2,
    ms: ended - started,
  };
}

async function _checkToken(server: string, token: string | undefined): Promise<Check> {
  if (!token) return _fail("token", "no admin token given", `pass --token or ${TOKEN_HINT}`);
  const client = createApiClient({ server, token, timeoutMs: DOCTOR_TIMEOUT_MS });
  try {
    const { hosts } = await client.request("listHosts", HostList);
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
    const url = server + routePath("artifact", { file: "manifest.json" });
    const res = await fetch(url, { signal: AbortSignal.timeout(DOCTOR_TIMEOUT_MS) });
    const manifest = Manifest.parse(await res.json());
    const target = targetOf(process.platform as "linux", process.arch as "x64");
    const entry = manifest.artifacts.find((a) => a.program === "fleetctl" && a.target === target);
    return entry ? server + routePath("artifact", { file: entry.file }) : null;
  } catch {
    return null;
  }
}
