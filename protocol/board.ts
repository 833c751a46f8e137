// The status board's one read-only document (GET /api/v1/board) and a host's detail
// (GET /api/v1/board/hosts/:id). The board page, `fleetctl board export` and any other tool
// read these; they carry no secrets, only what an operator glancing at the fleet needs.
import { z } from "zod";
import { Alert } from "./alerts.ts";
import { AuditEntry } from "./audit.ts";
import { Arch, HostName, Id, Platform, ServerCondition, Timestamp } from "./common.ts";
import {
  ConfigStateName,
  ConfigTarget,
  HostConfig,
  HostSystem,
  HostTags,
  LockedInput,
} from "./config-state.ts";
import { ConfigTargetResponse } from "./config-target.ts";
import { OsInfo, UNKNOWN_HOST_CONFIG } from "./hosts.ts";
import { JobFields, JobSummary, OutputLine } from "./jobs.ts";
import { Rollout } from "./rollouts.ts";

/** A job as the board shows it: the same fields as the summary `fleetctl hosts` shows. */
export const BoardJob = JobSummary.extend({});
export type BoardJob = z.infer<typeof BoardJob>;

/**
 * `redacted: true` marks the document a reader without a token gets from a fleetd started with
 * --public-board: no job output, and path-like text (absolute paths, ~/..., C:\..., URLs) in
 * reasons, alert messages and audit details replaced by "[path]" (not in installCommand: install.sh
 * is public anyway). With a token it is absent.
 */
export const Redacted = z.literal(true);

/**
 * What the host's last test says about the system it runs now: passed or failed since its last
 * switch, or stale (run before it). The same rule config.state counts tests by.
 */
export const TestVerdict = z.enum(["passed", "failed", "stale"]);
export type TestVerdict = z.infer<typeof TestVerdict>;

export const BOARD_SPARK_POINTS = 12;

/**
 * What the board draws of a host's vitals: the last percentages and a short CPU series. Not part
 * of the board document (BoardHostVitals is): at 10,000 hosts a sample lands every few ms, and the
 * board's ETag must change only with what an operator acts on.
 */
export const BoardVitals = z.object({
  at: Timestamp,
  cpuPercent: z.number().int().min(0).max(100).nullable(),
  memoryPercent: z.number().int().min(0).max(100).nullable(),
  /** The fullest of its disks. */
  diskPercent: z.number().int().min(0).max(100).nullable(),
  /** CPU % over the last hour, averaged into at most BOARD_SPARK_POINTS buckets, oldest first. */
  cpu: z.array(z.number().int().min(0).max(100)).max(BOARD_SPARK_POINTS),
});
export type BoardVitals = z.infer<typeof BoardVitals>;

// The config fields default, so a document from a fleetd before them still parses.
export const BoardHost = z.object({
  id: Id,
  name: HostName,
  platform: Platform.nullable(),
  arch: Arch.nullable(),
  os: OsInfo.nullable(),
  version: z.string().nullable(),
  /** Agent version or hash differs from what fleetd serves for its platform. */
  outdated: z.boolean(),
  online: z.boolean(),
  lastSeen: Timestamp.nullable(),
  /** The latest finished job of each operation, or null when it never ran. */
  last: z.object({ pull: BoardJob.nullable(), switch: BoardJob.nullable(), test: BoardJob.nullable() }),
  /** The job dispatched to or running on the host now. */
  running: BoardJob.nullable(),
  /** Jobs waiting behind it. */
  queued: z.number().int().nonnegative(),
  /** A last pull/switch/test that failed, timed out or was lost, or an open alert about the host. */
  failing: z.boolean(),
  /** Open alerts about this host. */
  alerts: z.array(Alert),
  /** From the host's config.json, as `GET /api/v1/hosts` carries them. */
  tags: HostTags.default([]),
  /** Derived from the host's report and the target, as `GET /api/v1/hosts` carries it. */
  config: HostConfig.default(UNKNOWN_HOST_CONFIG),
  system: HostSystem.nullable().default(null),
  /** flake.lock's root input locked longest ago (oldest lastModified); null when none says. */
  oldestLockInput: LockedInput.nullable().default(null),
  /** The agent's last test against its last switch, and when it ran; null when it never tested. */
  tests: z.object({ verdict: TestVerdict, at: Timestamp }).nullable().default(null),
});
export type BoardHost = z.infer<typeof BoardHost>;

export const BoardSummary = z.object({
  hosts: z.number().int().nonnegative(),
  online: z.number().int().nonnegative(),
  offline: z.number().int().nonnegative(),
  outdated: z.number().int().nonnegative(),
  failing: z.number().int().nonnegative(),
  running: z.number().int().nonnegative(),
  /** Hosts in each config state (HostConfig.state); absent from a fleetd before them. */
  config: z.record(ConfigStateName, z.number().int().nonnegative()).optional(),
});
export type BoardSummary = z.infer<typeof BoardSummary>;

export const RolloutCounts = z.object({
  total: z.number().int().nonnegative(),
  pending: z.number().int().nonnegative(),
  in_progress: z.number().int().nonnegative(),
  soaking: z.number().int().nonnegative(),
  done: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
});
export type RolloutCounts = z.infer<typeof RolloutCounts>;

/** The active rollout, else the latest, with its hosts counted by state. */
export const BoardRollout = Rollout.extend({ counts: RolloutCounts });
export type BoardRollout = z.infer<typeof BoardRollout>;

export const Board = z.object({
  /** When fleetd built this document; left out of its ETag. */
  generatedAt: Timestamp,
  serverVersion: z.string(),
  /** The agent version fleetd serves (what "current" means), or null without artifacts. */
  agentVersion: z.string().nullable(),
  /**
   * The line that installs and enrolls a new host from fleetd's public URL, with "<enroll-token>"
   * for the token `fleetctl enroll-token create` prints; what the empty board shows.
   */
  installCommand: z.string(),
  summary: BoardSummary,
  /**
   * What every host's config.state was compared with (its `source` says where it came from: the
   * config repo, a pin, or the newest commit a host fetched), or null when fleetd knows none.
   */
  target: ConfigTarget.nullable().default(null),
  /** The config repo fleetd reads the target from (credentials left out), or null without one. */
  configRepo: ConfigTargetResponse.shape.repo.default(null),
  /** Sorted by name. */
  hosts: z.array(BoardHost),
  rollout: BoardRollout.nullable(),
  /** Every open alert, newest first. */
  alerts: z.array(Alert),
  /** What is wrong with fleetd itself (a full data disk); left out by older builds. */
  conditions: z.array(ServerCondition).optional(),
  /** The latest audit entries, newest first. */
  audit: z.array(AuditEntry),
  /** See Redacted. */
  redacted: Redacted.optional(),
});
export type Board = z.infer<typeof Board>;

/** A recent job with the tail of its output. */
export const BoardJobDetail = BoardJob.extend({
  tests: JobFields.shape.tests,
  output: z.array(OutputLine),
  /** Earlier output lines were left out. */
  outputClipped: z.boolean(),
});
export type BoardJobDetail = z.infer<typeof BoardJobDetail>;

export const BoardHostDetail = z.object({
  generatedAt: Timestamp,
  host: BoardHost,
  /** Newest first. */
  jobs: z.array(BoardJobDetail),
  /** See Redacted: every job's output is empty here, whatever the job printed. */
  redacted: Redacted.optional(),
});
export type BoardHostDetail = z.infer<typeof BoardHostDetail>;

/**
 * GET /api/v1/board/vitals: every host's BoardVitals, by host id (hosts that sent none are left
 * out). Its own document with its own ETag, rebuilt at most every boardVitalsCacheMs, which the
 * board page polls less often than the board.
 */
export const BoardHostVitals = z.object({
  /** When fleetd built this document; left out of its ETag. */
  generatedAt: Timestamp,
  hosts: z.record(Id, BoardVitals),
});
export type BoardHostVitals = z.infer<typeof BoardHostVitals>;
