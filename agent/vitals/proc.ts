// Linux: vitals from /proc, a handful of small reads (no child process).
import { readFileSync } from "node:fs";

export interface CpuTimes {
  busy: number;
  total: number;
}

export interface ProcReading {
  load: [number, number, number] | null;
  cpu: CpuTimes | null;
  memory: { totalBytes: number; availableBytes: number } | null;
  swap: { totalBytes: number; freeBytes: number } | null;
  uptimeSeconds: number | null;
  bootedAtMs: number | null;
}

export function readProc(root = "/proc"): ProcReading {
  const stat = _read(`${root}/stat`);
  const meminfo = _read(`${root}/meminfo`);
  return {
    load: parseLoadavg(_read(`${root}/loadavg`)),
    cpu: stat === null ? null : parseCpuTimes(stat),
    ..._memory(meminfo),
    uptimeSeconds: parseUptime(_read(`${root}/uptime`)),
    bootedAtMs: stat === null ? null : parseBootTime(stat),
  };
}

export function parseLoadavg(text: string | null): [number, number, number] | null {
  const [one, five, fifteen] = (text ?? "").trim().split(/\s+/).map(Number);
  if (![one, five, fifteen].every((v) => v !== undefined && Number.isFinite(v) && v >= 0)) return null;
  return [one!, five!, fifteen!];
}

/**
 * The aggregate "cpu" line in clock ticks: user nice system idle iowait irq softirq steal (guest
 * time is already inside user). Idle and iowait are not busy.
 */
export function parseCpuTimes(stat: string): CpuTimes | null {
  const line = stat.split("\n").find((l) => l.startsWith("cpu "));
  if (!line) return null;
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (ticks.length < 4 || !ticks.every(Number.isFinite)) return null;
  const total = ticks.reduce((sum, t) => sum + t, 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return { busy: total - idle, total };
}

/** `btime`: the boot time in seconds since the epoch, exact (uptime minus now drifts by rounding). */
export function parseBootTime(stat: string): number | null {
  const match = /^btime (\d+)$/m.exec(stat);
  return match ? Number(match[1]) * 1000 : null;
}

export function parseUptime(text: string | null): number | null {
  const seconds = Number((text ?? "").trim().split(/\s+/)[0]);
  return text !== null && Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
}

/** kB fields of /proc/meminfo, as bytes. */
export function parseMeminfo(text: string): Map<string, number> {
  const fields = new Map<string, number>();
  for (const match of text.matchAll(/^(\w+):\s+(\d+) kB$/gm)) fields.set(match[1]!, Number(match[2]) * 1024);
  return fields;
}

function _memory(meminfo: string | null): Pick<ProcReading, "memory" | "swap"> {
  const fields = parseMeminfo(meminfo ?? "");
  const total = fields.get("MemTotal");
  const available = fields.get("MemAvailable");
  const swapTotal = fields.get("SwapTotal");
  const swapFree = fields.get("SwapFree");
  return {
    memory:
      total !== undefined && available !== undefined
        ? { totalBytes: total, availableBytes: available }
        : null,
    swap:
      swapTotal !== undefined && swapFree !== undefined
        ? { totalBytes: swapTotal, freeBytes: swapFree }
        : null,
  };
}

function _read(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}
