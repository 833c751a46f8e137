// A simulated host's vitals sample: the shape and size of a real agent's on Linux (all three
// disks, swap, load), its numbers moving with the round so fleetd's hour ring and board see change.
import type { HostVitals } from "../../protocol/vitals.ts";

const GIB = 1024 ** 3;

export function simVitals(name: string, round: number): HostVitals {
  const seed = [...name].reduce((n, c) => (n * 31 + c.charCodeAt(0)) >>> 0, 7);
  const cpu = (seed + round * 13) % 100;
  const disk = (path: string, usedGiB: number) => ({
    path,
    totalBytes: 200 * GIB,
    usedBytes: usedGiB * GIB,
    availableBytes: (190 - usedGiB) * GIB,
  });
  const now = Date.now();
  return {
    at: new Date(now).toISOString(),
    load: [cpu / 25, cpu / 30, cpu / 35],
    cpuPercent: cpu,
    memory: { totalBytes: 32 * GIB, availableBytes: ((seed % 24) + 4) * GIB },
    swap: { totalBytes: 4 * GIB, freeBytes: 4 * GIB },
    // Under bench's 90 % disk_full limit, so the phase measures samples, not alerts.
    disks: {
      root: disk("/", 40 + (seed % 40)),
      nix: disk("/nix", 40 + (seed % 40)),
      state: disk("/var/lib/fleet-agent", 40 + (seed % 40)),
    },
    uptimeSeconds: 86_400 + round * 60,
    bootedAt: new Date(now - 86_400_000).toISOString(),
  };
}
