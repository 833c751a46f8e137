// One vitals sample: the platform's reading (proc.ts on Linux, portable.ts elsewhere), disks by
// statfs, and CPU use as the busy share of the CPU time since the previous reading.
import type { HostVitals } from "../../protocol/vitals.ts";
import { readDisks } from "./disks.ts";
import { readPortable } from "./portable.ts";
import { type CpuTimes, type ProcReading, readProc } from "./proc.ts";

export type ReadPlatform = () => ProcReading;

export class VitalsReader {
  /** CPU times at the previous reading; the first sample's CPU use is over the time since start. */
  private previousCpu: CpuTimes | null;

  constructor(
    private readonly stateDir: string,
    private readonly readPlatform: ReadPlatform = process.platform === "linux"
      ? () => readProc()
      : () => readPortable(),
    private readonly now: () => number = Date.now,
  ) {
    this.previousCpu = readPlatform().cpu;
  }

  read(): HostVitals {
    const reading = this.readPlatform();
    const cpuPercent = cpuPercentBetween(this.previousCpu, reading.cpu);
    this.previousCpu = reading.cpu;
    return {
      at: new Date(this.now()).toISOString(),
      load: reading.load,
      cpuPercent,
      memory: reading.memory,
      swap: reading.swap,
      disks: readDisks(this.stateDir),
      uptimeSeconds: reading.uptimeSeconds,
      bootedAt: reading.bootedAtMs === null ? null : new Date(reading.bootedAtMs).toISOString(),
    };
  }
}

/** null when either reading is missing or no CPU time passed (two reads in the same tick). */
export function cpuPercentBetween(before: CpuTimes | null, after: CpuTimes | null): number | null {
  if (!before || !after) return null;
  const total = after.total - before.total;
  const busy = after.busy - before.busy;
  if (!(total > 0) || busy < 0) return null;
  return Math.min(100, (busy / total) * 100);
}
