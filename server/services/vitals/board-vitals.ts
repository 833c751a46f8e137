// What the board draws of a host's vitals: its last percentages, rounded, and its hour of CPU
// averaged into a few buckets, so 10,000 hosts add a few dozen bytes each to the document.
import { BOARD_SPARK_POINTS, type BoardVitals } from "../../../protocol/board.ts";
import type { HostVitals } from "../../../protocol/vitals.ts";
import { fullestDisk, memoryPercent } from "../../../protocol/vitals-math.ts";

export function boardVitals(last: HostVitals | null, cpuHour: readonly number[]): BoardVitals | null {
  if (!last) return null;
  return {
    at: last.at,
    cpuPercent: _percent(last.cpuPercent),
    memoryPercent: _percent(memoryPercent(last)),
    diskPercent: _percent(fullestDisk(last)?.percent ?? null),
    cpu: cpuSeries(cpuHour),
  };
}

/** The hour's CPU readings in at most BOARD_SPARK_POINTS consecutive buckets, each their mean. */
export function cpuSeries(cpu: readonly number[], points = BOARD_SPARK_POINTS): number[] {
  const buckets = Math.min(points, cpu.length);
  const out: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const slice = cpu.slice(
      Math.floor((b * cpu.length) / buckets),
      Math.floor(((b + 1) * cpu.length) / buckets),
    );
    out.push(_percent(slice.reduce((sum, v) => sum + v, 0) / slice.length) ?? 0);
  }
  return out;
}

function _percent(value: number | null): number | null {
  return value === null ? null : Math.min(100, Math.max(0, Math.round(value)));
}
