// What the benchmark reads about a process from /proc: resident memory, CPU time, bytes it
// caused to be written to storage. Linux only, like the benchmark.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

/** VmRSS in bytes. */
export function rssBytes(pid: number): number {
  return statusKb(pid, "VmRSS") * 1024;
}

/**
 * RssAnon in bytes: the process's private memory. The rest of VmRSS is file-backed, mostly pages
 * of the executable's own code, shared with any other process running it and reclaimable.
 */
export function rssAnonBytes(pid: number): number {
  return statusKb(pid, "RssAnon") * 1024;
}

function statusKb(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
}

/** utime + stime in milliseconds. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/** write_bytes from /proc/<pid>/io: bytes this process sent to the storage layer. */
export function writeBytes(pid: number): number {
  const io = readFileSync(`/proc/${pid}/io`, "utf8");
  return Number(/^write_bytes:\s+(\d+)/m.exec(io)?.[1] ?? 0);
}

export interface Usage {
  seconds: number;
  /** CPU time over wall time, in percent of one core. */
  cpuPercent: number;
  rssEndBytes: number;
  rssPeakBytes: number;
  rssAnonEndBytes: number;
  /** VmHWM: the most the process ever held resident, start-up included. */
  rssHighWaterBytes: number;
  writeBytes: number;
}

/** Watches a process for `ms`, sampling RSS every `sampleMs`. */
export async function measure(pid: number, ms: number, sampleMs = 1000): Promise<Usage> {
  const t0 = performance.now();
  const cpu0 = cpuMs(pid);
  const io0 = writeBytes(pid);
  let peak = rssBytes(pid);
  const end = t0 + ms;
  while (performance.now() < end) {
    await Bun.sleep(Math.min(sampleMs, Math.max(0, end - performance.now())));
    peak = Math.max(peak, rssBytes(pid));
  }
  const seconds = (performance.now() - t0) / 1000;
  const rssEnd = rssBytes(pid);
  return {
    seconds,
    cpuPercent: ((cpuMs(pid) - cpu0) / 1000 / seconds) * 100,
    rssEndBytes: rssEnd,
    rssAnonEndBytes: rssAnonBytes(pid),
    rssHighWaterBytes: statusKb(pid, "VmHWM") * 1024,
    rssPeakBytes: Math.max(peak, rssEnd),
    writeBytes: writeBytes(pid) - io0,
  };
}

/** The machine as the run found it: for the record next to the figures. */
export function machine() {
  const cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "unknown";
  const memKb = Number(/^MemTotal:\s+(\d+)/m.exec(readFileSync("/proc/meminfo", "utf8"))?.[1] ?? 0);
  return {
    cpuModel,
    nproc: Number(execFileSync("nproc", { encoding: "utf8" }).trim()),
    memGiB: Math.round((memKb / 1024 / 1024) * 10) / 10,
    kernel: readFileSync("/proc/sys/kernel/osrelease", "utf8").trim(),
    bun: Bun.version,
    loadAvg: readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).map(Number),
    uptime: execFileSync("uptime", { encoding: "utf8" }).trim(),
    nofile: execFileSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" }).trim(),
  };
}

/** The lines printed under a run's table: the machine, and its load before and after the run. */
export function machineReport(before: ReturnType<typeof machine>, after: ReturnType<typeof machine>): string {
  return [
    `machine: ${after.cpuModel}, ${after.nproc} cores, ${after.memGiB} GiB, Linux ${after.kernel}, Bun ${after.bun}`,
    `load before: ${before.uptime}`,
    `load after:  ${after.uptime}`,
  ].join("\n");
}

/** Samples a process's RSS in the background; stop() answers the highest seen. */
export function watchPeakRss(pid: number, everyMs = 250): { stop(): number } {
  let peak = 0;
  const sample = () => {
    try {
      peak = Math.max(peak, rssBytes(pid));
    } catch {
      // exited
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}
