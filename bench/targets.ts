// The servers under test: the compiled fleetd (what ships) on a fresh data dir, and the bare
// baseline. Both log to files in the run directory, never to a pipe nobody reads.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { freePort } from "../lib/free-port.ts";
import { DEFAULT_LIMITS } from "../server/config.ts";
import { track } from "./children.ts";

export interface Target {
  name: "fleetd" | "baseline";
  proc: Subprocess;
  hostname: string;
  port: number;
  url: string;
  adminToken: string;
}

export async function waitHealthy(url: string, timeoutMs = 30_000): Promise<number> {
  const started = performance.now();
  for (;;) {
    try {
      if ((await fetch(url)).ok) return performance.now() - started;
    } catch {
      // not listening yet
    }
    if (performance.now() - started > timeoutMs) throw new Error(`${url} not healthy after ${timeoutMs} ms`);
    await Bun.sleep(5);
  }
}

export interface FleetdOptions {
  binary: string;
  dataDir: string;
  artifactsDir: string;
  logFile: string;
  limits: Record<string, number>;
  port?: number;
  /** More `fleetd serve` flags (e.g. --config-repo). */
  extraArgs?: string[];
}

/**
 * Every simulated host enrolls from 127.0.0.1, which fleetd's per-address enroll limit would
 * (rightly) throttle; enrolling is setup, not a measured figure, so the limit is opened for it.
 */
export function enrollLimits(agents: number): Record<string, number> {
  const limits: Record<string, number> = DEFAULT_LIMITS;
  const out: Record<string, number> = {};
  if ("enrollBurst" in limits) out.enrollBurst = agents * 2;
  if ("enrollPerMinute" in limits) out.enrollPerMinute = agents * 60;
  return out;
}

export async function startFleetd(opts: FleetdOptions): Promise<Target & { readyMs: number }> {
  const port = opts.port ?? (await freePort());
  const proc = track(
    Bun.spawn(
      [
        opts.binary,
        "serve",
        "--port",
        String(port),
        "--data",
        opts.dataDir,
        "--artifacts",
        opts.artifactsDir,
        ...(opts.extraArgs ?? []),
      ],
      {
        env: { ...process.env, NO_COLOR: "1", FLEET_LIMITS: JSON.stringify(opts.limits) },
        stdout: Bun.file(opts.logFile),
        stderr: "inherit",
      },
    ),
  );
  const url = `http://127.0.0.1:${port}`;
  const readyMs = await waitHealthy(`${url}/api/v1/health`);
  const adminToken = readFileSync(join(opts.dataDir, "admin-token"), "utf8").trim();
  return { name: "fleetd", proc, hostname: "127.0.0.1", port, url, adminToken, readyMs };
}

export async function startBaseline(pollWindowMs: number, logFile: string): Promise<Target> {
  const port = await freePort();
  const adminToken = `fa_${crypto.randomUUID().replaceAll("-", "")}`;
  const script = join(import.meta.dir, "baseline", "server.ts");
  const proc = track(
    Bun.spawn(
      [
        process.execPath,
        script,
        "--port",
        String(port),
        "--admin-token",
        adminToken,
        "--poll-window-ms",
        String(pollWindowMs),
      ],
      { stdout: Bun.file(logFile), stderr: "inherit" },
    ),
  );
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(`${url}/stats`);
  return { name: "baseline", proc, hostname: "127.0.0.1", port, url, adminToken };
}

/** SIGTERM and wait; answers how long the exit took. */
export async function stopTarget(target: Target, timeoutMs = 30_000): Promise<number> {
  const started = performance.now();
  target.proc.kill("SIGTERM");
  const exited = await Promise.race([
    target.proc.exited.then(() => true),
    Bun.sleep(timeoutMs).then(() => false),
  ]);
  if (!exited) {
    target.proc.kill("SIGKILL");
    await target.proc.exited;
    throw new Error(`${target.name} did not exit within ${timeoutMs} ms of SIGTERM`);
  }
  return performance.now() - started;
}
