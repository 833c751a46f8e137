// Hosts as fleetd sees them: identity from hello, presence from polls.
import { z } from "zod";
import { Arch, HostName, Id, Platform, Timestamp } from "./common.ts";
import { ConfigTarget, HostConfig, HostState, HostSystem, HostTags } from "./config-state.ts";
import { Job, JobSummary } from "./jobs.ts";
import { HostVitals, VitalsHistory } from "./vitals.ts";

/** What a host shows before it reported any config state, or when there is no target to compare with. */
export const UNKNOWN_HOST_CONFIG: HostConfig = {
  commit: null,
  state: "unknown",
  behindBy: null,
  dirty: null,
  lockHash: null,
  builtFrom: null,
  switchedAt: null,
};

export const OsInfo = z.object({
  name: z.string().max(100),
  release: z.string().max(200),
  /** e.g. "nixos", "darwin", "debian"; free text from the agent. */
  distro: z.string().max(100).optional(),
});

/** What the host has been doing: shown alike by the status board and `fleetctl hosts`. */
export const HostActivity = z.object({
  /** The latest finished job of each operation, or null when it never ran. */
  last: z.object({ pull: JobSummary.nullable(), switch: JobSummary.nullable(), test: JobSummary.nullable() }),
  /** The job dispatched to or running on the host now. */
  running: JobSummary.nullable(),
  /** Jobs waiting behind it. */
  queued: z.number().int().nonnegative(),
  /** A last pull/switch/test that failed, timed out or was lost, or an open alert about the host. */
  failing: z.boolean(),
});
export type HostActivity = z.infer<typeof HostActivity>;

export const Host = z
  .object({
    id: Id,
    name: HostName,
    enrolledAt: Timestamp,
    online: z.boolean(),
    lastSeen: Timestamp.nullable(),
    version: z.string().nullable(),
    sha256: z.string().nullable(),
    platform: Platform.nullable(),
    arch: Arch.nullable(),
    hostname: z.string().nullable(),
    os: OsInfo.nullable(),
    pid: z.number().int().nullable(),
    bootId: z.string().nullable(),
    /** Agent version or binary hash differs from the artifact fleetd serves for its platform. */
    outdated: z.boolean(),
    runningJobId: Id.nullable(),
    /** Set when the operator revoked the host's token; the host can no longer call fleetd. */
    revokedAt: Timestamp.optional(),
    /** Reported by the agent in hello; [] until it reports any. */
    tags: HostTags.default([]),
    /** What fleetd derives from the host's reported state and the target (server/services/config/derive.ts). */
    config: HostConfig.default(UNKNOWN_HOST_CONFIG),
    /** The active system profile as the host reported it; null until it reports one. */
    system: HostSystem.nullable().default(null),
    /** The host's last vitals sample (docs/agent.md), or null when it sent none since fleetd knew it. */
    vitals: HostVitals.nullable().default(null),
  })
  .extend(HostActivity.shape);
export type Host = z.infer<typeof Host>;

/** `target`: what every host's config.state was compared with; null when fleetd knows none. */
export const HostList = z.object({ hosts: z.array(Host), target: ConfigTarget.nullable().default(null) });
/** `state`: the host's last report as it sent it (checkout, lock inputs, generations), or null. */
export const HostDetail = z.object({
  host: Host,
  recentJobs: z.array(Job),
  state: HostState.nullable().default(null),
  /** The last hour of the host's vitals, oldest first (one point per minute at most). */
  vitals: VitalsHistory.default([]),
});
export const HostResponse = z.object({ host: Host });
