// What host vitals cost fleetd (issue 19): a quiet window with every host holding its poll, then
// the same window with every host also sending a vitals sample once per interval at the real
// agent's rate, spread evenly (10,000 hosts every 60 s: ~167 samples a second). fleetd's CPU and
// data-dir writes of the two windows are set side by side, in the same run on the same fleet.
// vitals.json is written every vitalsSnapshotMs (10 min), usually outside both windows: its size
// after shutdown is reported beside them (bench/report.ts), so its share is not left out.
import type { VitalsTally } from "../generator/vitals.ts";
import type { GeneratorPool } from "../generators.ts";
import { type LatencySummary, summarize } from "../stats.ts";
import type { Target } from "../targets.ts";
import { measureSteady, type SteadyWindow } from "./drive.ts";

export interface VitalsResult {
  intervalMs: number;
  without: SteadyWindow;
  with: SteadyWindow;
  sent: number;
  failed: number;
  firstError: string | null;
  latencies: LatencySummary;
  /** Hosts GET /api/v1/hosts shows with vitals afterwards. */
  storedHosts: number;
}

export async function measureVitals(
  target: Target,
  pool: GeneratorPool,
  opts: { agents: number; windowMs: number; intervalMs: number },
  log: (line: string) => void,
): Promise<VitalsResult> {
  const pid = target.proc.pid;
  log(`${target.name}: ${opts.windowMs / 1000} s without vitals`);
  const without = await measureSteady(pid, pool, opts.windowMs);
  log(
    `${target.name}: every host sends vitals every ${opts.intervalMs / 1000} s; one interval to spread, ` +
      `then ${opts.windowMs / 1000} s measured`,
  );
  await pool.all({ op: "vitalsStart", intervalMs: opts.intervalMs });
  await Bun.sleep(opts.intervalMs);
  const withVitals = await measureSteady(pid, pool, opts.windowMs);
  const tallies = await pool.all<VitalsTally>({ op: "vitalsStop" });
  const result: VitalsResult = {
    intervalMs: opts.intervalMs,
    without,
    with: withVitals,
    sent: tallies.reduce((n, t) => n + t.sent, 0),
    failed: tallies.reduce((n, t) => n + t.failed, 0),
    firstError: tallies.find((t) => t.firstError)?.firstError ?? null,
    latencies: summarize(tallies.flatMap((t) => t.latenciesMs)),
    storedHosts: await _hostsWithVitals(target),
  };
  log(
    `${target.name}: CPU ${without.usage.cpuPercent.toFixed(1)} → ${withVitals.usage.cpuPercent.toFixed(1)} %, ` +
      `wrote ${(without.usage.writeBytes / 1024).toFixed(1)} → ${(withVitals.usage.writeBytes / 1024).toFixed(1)} KB, ` +
      `${result.sent} samples (p50 ${result.latencies.p50.toFixed(1)} ms, p99 ${result.latencies.p99.toFixed(1)} ms)` +
      (result.failed ? `, ${result.failed} FAILED: ${result.firstError}` : ""),
  );
  return result;
}

async function _hostsWithVitals(target: Target): Promise<number> {
  const res = await fetch(`${target.url}/api/v1/hosts`, {
    headers: { authorization: `Bearer ${target.adminToken}` },
  });
  if (!res.ok) throw new Error(`GET /api/v1/hosts: ${res.status}`);
  const list = (await res.json()) as { hosts: { vitals: unknown }[] };
  return list.hosts.filter((h) => h.vitals !== null).length;
}
