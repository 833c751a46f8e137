// How an op ended, in terms fleetd acts on (a rollback, say), beside the human `reason`: a union
// on `op`, each op's outcomes a union on `kind`. A new op adds its own member (deploy: deployed,
// rolled_back, rollback_failed, failed_before_switch, with generations) and changes no other.
import { z } from "zod";
import { CommitSha, Generation } from "./config-state.ts";
import type { Operation } from "./job-ops.ts";

/** What an agent self-update came to. */
export const UpdateOutcome = z.discriminatedUnion("kind", [
  /** The new agent said hello on the target and stayed up for the soak. */
  z.object({ op: z.literal("update"), kind: z.literal("updated"), version: z.string().max(100) }),
  /** The host already ran the target, byte for byte; nothing was changed. */
  z.object({ op: z.literal("update"), kind: z.literal("already_current"), version: z.string().max(100) }),
  /** Refused or failed before the binary was swapped (download, signature, version order): nothing changed. */
  z.object({ op: z.literal("update"), kind: z.literal("failed_before_swap") }),
  /** The new agent was swapped in, judged unhealthy and swapped back out. */
  z.object({
    op: z.literal("update"),
    kind: z.literal("rolled_back"),
    /** Why the new agent was judged unhealthy. */
    reason: z.string().max(2000),
    /** The previous agent said hello again after the rollback. */
    restored: z.boolean(),
  }),
]);
export type UpdateOutcome = z.infer<typeof UpdateOutcome>;

/** Why a deploy went back to the generation it started from. */
export const RollbackCause = z.enum([
  /** The switch command failed part way: the system may be half switched. */
  "switch_failed",
  /** No fresh agent reached fleetd within `confirmSeconds` of the switch. */
  "not_confirmed",
  /** The host's tests failed after the switch. */
  "tests_failed",
]);
export type RollbackCause = z.infer<typeof RollbackCause>;

/** The generations a deploy or rollback saw; null where the agent could not read one. */
const _generations = {
  /** The active generation recorded before the switch (in the job's spool). */
  generationBefore: Generation.nullable(),
  /** The active generation when the job ended. */
  generationAfter: Generation.nullable(),
};

const _deploy = <Kind extends string>(kind: Kind) =>
  z.object({ op: z.literal("deploy"), kind: z.literal(kind), commit: CommitSha, ..._generations });

/** What a config deploy came to; `generationAfter` says where the host is now. */
export const DeployOutcome = z.discriminatedUnion("kind", [
  /** Switched to the commit, confirmed by a fresh agent and (unless turned off) tested. */
  _deploy("deployed"),
  /** Went back to `generationBefore` by itself, checked active again; `cause` says why. */
  _deploy("rolled_back").extend({ cause: RollbackCause }),
  /** Tried to go back and could not, or the active generation is not the recorded one after. */
  _deploy("rollback_failed").extend({ cause: RollbackCause }),
  /** Refused or failed before the switch (no such commit, fetch failed, cannot roll back): nothing changed. */
  _deploy("failed_before_switch"),
]);
export type DeployOutcome = z.infer<typeof DeployOutcome>;

/** What `fleetctl run rollback` came to. */
export const RollbackOutcome = z.discriminatedUnion("kind", [
  z.object({ op: z.literal("rollback"), kind: z.literal("rolled_back"), ..._generations }),
  z.object({ op: z.literal("rollback"), kind: z.literal("rollback_failed"), ..._generations }),
]);
export type RollbackOutcome = z.infer<typeof RollbackOutcome>;

export const JobOutcome = z.discriminatedUnion("op", [UpdateOutcome, DeployOutcome, RollbackOutcome]);
export type JobOutcome = z.infer<typeof JobOutcome>;

/** Why `outcome` cannot be the outcome of a job running `op`, or null when it can. */
export function outcomeProblem(op: Operation, outcome: JobOutcome | undefined): string | null {
  if (!outcome || outcome.op === op) return null;
  return `outcome "${outcome.kind}" is an outcome of ${outcome.op}, not of this ${op} job`;
}
