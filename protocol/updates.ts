// Agent self-update requests: what the operator asks for, and what the job records.
import { z } from "zod";

export const UpdateRequest = z.object({
  /** Allow moving a host to an older version than it runs. */
  allowDowngrade: z.boolean().optional(),
});
export type UpdateRequest = z.infer<typeof UpdateRequest>;

/** The args of an `update` job: the target fleetd chose, checked again by the agent. */
export const UpdateJobArgs = z.object({
  version: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  allowDowngrade: z.boolean().default(false),
  /** Time from dispatch to a healthy hello on the target; fleetd's default when absent. */
  timeoutSeconds: z.number().int().positive().optional(),
});
export type UpdateJobArgs = z.infer<typeof UpdateJobArgs>;

/**
 * The first protocol whose agents know the `update` op (all of them, so far). fleetd claims an
 * agent is too old for an update only when it speaks an older protocol than this.
 */
export const UPDATE_OP_SINCE_PROTOCOL = 1;
