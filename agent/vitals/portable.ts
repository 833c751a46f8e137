// macOS and Windows: what Node's os module gives, which reads sysctl / Win32 calls in-process (no
// child process). No swap on either (it needs a sysctl or WMI call os does not make); no load
// average on Windows (os.loadavg() is always zeros there).
import { cpus, freemem, loadavg, totalmem, uptime } from "node:os";
import type { CpuTimes, ProcReading } from "./proc.ts";

export function readPortable(platform: NodeJS.Platform = process.platform): ProcReading {
  const seconds = uptime();
  const upKnown = Number.isFinite(seconds) && seconds > 0;
  const [one, five, fifteen] = loadavg();
  return {
    load: platform === "win32" ? null : [one ?? 0, five ?? 0, fifteen ?? 0],
    cpu: osCpuTimes(),
    // macOS: freemem() is free pages only (no inactive or purgeable), so use reads higher than
    // Activity Monitor's; Windows: it is the available physical memory.
    memory: { totalBytes: totalmem(), availableBytes: Math.min(freemem(), totalmem()) },
    swap: null,
    uptimeSeconds: upKnown ? seconds : null,
    bootedAtMs: upKnown ? Date.now() - seconds * 1000 : null,
  };
}

/** All cores' times (ms) summed; os.cpus() is one in-process call. */
export function osCpuTimes(): CpuTimes | null {
  const list = cpus();
  if (list.length === 0) return null;
  let busy = 0;
  let total = 0;
  for (const { times } of list) {
    const all = times.user + times.nice + times.sys + times.idle + times.irq;
    total += all;
    busy += all - times.idle;
  }
  return { busy, total };
}
