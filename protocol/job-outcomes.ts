// How an op ended, in terms fleetd acts on (a rollback, say), beside the human `reason`: a union
// on `op`, each op's outcomes a union on `kind`. A new op adds its own member (deploy: deployed,
// rolled_back, rollback_failed, failed_before_switch, with generations) and changes no other.
import { z } from "zod";
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

export const JobOutcome = z.discriminatedUnion("op", [UpdateOutcome]);
export type JobOutcome = z.infer<typeof JobOutcome>;

/** Why `outcome` cannot be the outcome of a job running `op`, or null when it can. */
export function outcomeProblem(op: Operation, outcome: JobOutcome | undefined): string | null {
  if (!outcome || outcome.op === op) return null;
  return `outcome "${outcome.kind}" is an outcome of ${outcome.op}, not of this ${op} job`;
}
