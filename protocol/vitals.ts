// A host's vitals: load, CPU, memory, swap, disks and uptime, read by the agent from cheap local
// sources (docs/agent.md says which per platform) every vitalsIntervalSeconds and sent as one
// small message. A piece the platform cannot give cheaply is null, never guessed.
import { z } from "zod";
import { Timestamp } from "./common.ts";

/** Far above any real machine (an exabyte), so a byte count that big is a bug, not a disk. */
const MAX_BYTES = 2 ** 60;
const Bytes = z.number().int().nonnegative().max(MAX_BYTES);
const Percent = z.number().nonnegative().max(100);
/** A load average above this is not a measurement. */
const Load = z.number().nonnegative().max(1_000_000);

export const VitalsDisk = z.object({
  /** The path statfs was called on ("/", "/nix", the agent's state dir). */
  path: z.string().min(1).max(1024),
  totalBytes: Bytes,
  /** Free to an unprivileged user (df's "Avail"); used = total - free as root sees it. */
  availableBytes: Bytes,
  usedBytes: Bytes,
});
export type VitalsDisk = z.infer<typeof VitalsDisk>;

export const HostVitals = z.object({
  /** When the agent read it; the sample's identity: the same `at` sent twice is stored once. */
  at: Timestamp,
  /** 1, 5 and 15 minute load averages; null on Windows, which has none. */
  load: z.tuple([Load, Load, Load]).nullable(),
  /** CPU busy over the time since the previous reading, all cores together; null when unknown. */
  cpuPercent: Percent.nullable(),
  memory: z.object({ totalBytes: Bytes, availableBytes: Bytes }).nullable(),
  /** null where it cannot be read cheaply (macOS, Windows); totalBytes 0 when there is no swap. */
  swap: z.object({ totalBytes: Bytes, freeBytes: Bytes }).nullable(),
  disks: z.object({
    root: VitalsDisk.nullable(),
    /** null when the host has no /nix. */
    nix: VitalsDisk.nullable(),
    /** The agent's state dir. */
    state: VitalsDisk.nullable(),
  }),
  uptimeSeconds: z.number().nonnegative().max(1e10).nullable(),
  bootedAt: Timestamp.nullable(),
});
export type HostVitals = z.infer<typeof HostVitals>;

/**
 * One sample of a host's hour as fleetd keeps it (the percentages the board and fleetctl show,
 * derived from the sample by protocol/vitals-math.ts); fleetd keeps the whole sample only for the last.
 */
export const VitalsPoint = z.object({
  at: Timestamp,
  load1: Load.nullable(),
  cpuPercent: Percent.nullable(),
  memoryPercent: Percent.nullable(),
  /** The fullest of the sample's disks. */
  diskPercent: Percent.nullable(),
});
export type VitalsPoint = z.infer<typeof VitalsPoint>;

/** A host's last hour, oldest first: one point per minute at most. */
export const VitalsHistory = z.array(VitalsPoint).max(60);
