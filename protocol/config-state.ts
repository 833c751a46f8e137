// What each host runs of its configuration: the agent reports its checkout and active system
// (HostState), fleetd knows the target (ConfigTarget) and derives one ConfigStatus per host from
// the two. Every piece the agent could not read is null, never guessed.
import { z } from "zod";
import { Timestamp } from "./common.ts";

/** A full git object name: 40 hex digits (SHA-1) or 64 (SHA-256 repositories). */
export const CommitSha = z
  .string()
  .regex(/^([0-9a-f]{40}|[0-9a-f]{64})$/, "a commit is 40 or 64 lowercase hex digits");
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);

/**
 * A host tag (config.json `tags`, reported in hello, filtered on with `--tag`): a short lowercase
 * name, so `--tag web` matches what the host's config repo says without case or spacing doubts.
 */
export const HostTag = z
  .string()
  .min(1)
  .max(32)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, "tags are lowercase letters, digits, '.', '-' and '_'");
/** At most this many tags per host. */
export const MAX_HOST_TAGS = 32;
export const HostTags = z
  .array(HostTag)
  .max(MAX_HOST_TAGS)
  .refine((tags) => new Set(tags).size === tags.length, "a tag is listed twice");

/** One root input of flake.lock, as locked. */
export const LockedInput = z.object({
  name: z.string().min(1).max(100),
  /** The locked revision; null for inputs locked by hash only (a path, a tarball). */
  rev: z.string().max(64).nullable(),
  /** When the locked revision was made (flake.lock's lastModified), or null when it has none. */
  lastModified: Timestamp.nullable(),
});
export type LockedInput = z.infer<typeof LockedInput>;

/** The host's checkout of the config repo (`repo.dir`), read after pull, switch, test and on an interval. */
export const CheckoutState = z.object({
  commit: CommitSha,
  /** null on a detached HEAD. */
  branch: z.string().max(255).nullable(),
  subject: z.string().max(500),
  committedAt: Timestamp,
  /** Tracked files differ from HEAD (untracked files do not count). */
  dirty: z.boolean(),
  /** The remote branch's commit as of the last fetch, and when that fetch was. */
  remoteCommit: CommitSha.nullable(),
  fetchedAt: Timestamp.nullable(),
  /** SHA-256 of flake.lock's bytes; null without a flake.lock. */
  lockHash: Sha256.nullable(),
  lockInputs: z.array(LockedInput).max(100),
});
export type CheckoutState = z.infer<typeof CheckoutState>;

/** The active system profile: NixOS / nix-darwin system, home-manager, or a stateCommand's answer. */
/** A profile generation number; an absurd one (above a million) is refused wherever it appears. */
export const Generation = z.number().int().nonnegative().max(1_000_000);

export const SystemState = z.object({
  /** The profile generation number; an absurd one (above a million) is refused. */
  generation: Generation.nullable(),
  /** The store path the profile points at. */
  path: z.string().max(1000).nullable(),
  /** The booted kernel or initrd differs from the current system's (NixOS only; else null). */
  needsReboot: z.boolean().nullable(),
});
export type SystemState = z.infer<typeof SystemState>;

/** What the last successful switch was built from, recorded by the runner at switch time. */
export const SwitchRecord = z.object({
  commit: CommitSha.nullable(),
  dirty: z.boolean(),
  generation: Generation.nullable(),
  at: Timestamp,
});
export type SwitchRecord = z.infer<typeof SwitchRecord>;

/** The last test run's verdict, recorded by the runner. */
export const TestRecord = z.object({ passed: z.boolean(), at: Timestamp });
export type TestRecord = z.infer<typeof TestRecord>;

/** Everything the agent reports about its configuration; sent only when its hash changed. */
export const HostState = z.object({
  checkout: CheckoutState.nullable(),
  system: SystemState.nullable(),
  lastSwitch: SwitchRecord.nullable(),
  /** Whether the last switch or test failed after the last success; from the runner's records. */
  lastSwitchFailed: z.boolean(),
  lastTest: TestRecord.nullable(),
  /** Earlier generations with the commit each was built from, newest first (for `fleetctl host`). */
  generations: z
    .array(z.object({ generation: Generation, commit: CommitSha.nullable(), at: Timestamp }))
    .max(20),
});
export type HostState = z.infer<typeof HostState>;

/** Where fleetd's target comes from: the config repo, a pin, or the newest commit a host fetched. */
export const TargetSource = z.enum(["repo", "pin", "hosts"]);

export const ConfigTarget = z.object({
  commit: CommitSha,
  source: TargetSource,
  /** The target commit's subject and time, when fleetd has the mirror. */
  subject: z.string().max(500).nullable(),
  committedAt: Timestamp.nullable(),
  /** When fleetd last read it (ls-remote or a host's report). */
  checkedAt: Timestamp,
});
export type ConfigTarget = z.infer<typeof ConfigTarget>;

export const ConfigStateName = z.enum([
  "current",
  "untested",
  "pulled",
  "behind",
  "dirty",
  "failed",
  "unknown",
]);
export type ConfigStateName = z.infer<typeof ConfigStateName>;

/** A host's config as `GET /api/v1/hosts` carries it: derived by fleetd, displayed as is. */
export const HostConfig = z.object({
  commit: CommitSha.nullable(),
  state: ConfigStateName,
  /** Commits between the checkout and the target, when fleetd has the mirror; else null. */
  behindBy: z.number().int().nonnegative().nullable(),
  dirty: z.boolean().nullable(),
  lockHash: z.string().nullable(),
  builtFrom: CommitSha.nullable(),
  switchedAt: Timestamp.nullable(),
});
export type HostConfig = z.infer<typeof HostConfig>;

export const HostSystem = SystemState;
export type HostSystem = z.infer<typeof HostSystem>;
