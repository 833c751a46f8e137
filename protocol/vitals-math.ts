// Percentages derived from a vitals sample, alike for fleetd's disk_full alert, fleetctl and the
// board. zod-free: the board bundle imports it.
import type { HostVitals, VitalsDisk, VitalsPoint } from "./vitals.ts";

/** Used share of the disk as df counts it: used / (used + available), so root's reserve is left out. */
export function diskPercent(disk: VitalsDisk): number {
  const usable = disk.usedBytes + disk.availableBytes;
  return usable > 0 ? (disk.usedBytes / usable) * 100 : 0;
}

/** The fullest of the sample's disks, or null when none was read. */
export function fullestDisk(vitals: HostVitals): { disk: VitalsDisk; percent: number } | null {
  let fullest: { disk: VitalsDisk; percent: number } | null = null;
  for (const disk of [vitals.disks.root, vitals.disks.nix, vitals.disks.state]) {
    if (!disk) continue;
    const percent = diskPercent(disk);
    if (!fullest || percent > fullest.percent) fullest = { disk, percent };
  }
  return fullest;
}

export function memoryPercent(vitals: HostVitals): number | null {
  const memory = vitals.memory;
  if (!memory || memory.totalBytes === 0) return null;
  return ((memory.totalBytes - Math.min(memory.availableBytes, memory.totalBytes)) / memory.totalBytes) * 100;
}

/** What fleetd keeps of a sample for the hour. */
export function vitalsPoint(vitals: HostVitals): VitalsPoint {
  return {
    at: vitals.at,
    load1: vitals.load?.[0] ?? null,
    cpuPercent: vitals.cpuPercent,
    memoryPercent: memoryPercent(vitals),
    diskPercent: fullestDisk(vitals)?.percent ?? null,
  };
}
