// Alerts: conditions an operator must look at, raised by fleetd and resolved automatically
// when a later event shows the condition is over (see docs/operations.md).
import { z } from "zod";
import { Id, Timestamp } from "./common.ts";

export const AlertKind = z.enum(["update_failed", "deploy_failed", "rollout_halted", "disk_full"]);
export type AlertKind = z.infer<typeof AlertKind>;

export const Alert = z.object({
  id: Id,
  kind: AlertKind,
  /** What the alert is about: a host id for update_failed, deploy_failed and disk_full, a rollout id for rollout_halted. */
  subject: Id,
  message: z.string(),
  raisedAt: Timestamp,
  resolvedAt: Timestamp.optional(),
  resolution: z.string().optional(),
});
export type Alert = z.infer<typeof Alert>;

export const AlertList = z.object({ alerts: z.array(Alert) });
