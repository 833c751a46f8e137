// Alerts: conditions an operator must look at, raised by fleetd and resolved automatically
// when a later event shows the condition is over (see docs/operations.md).
import { z } from "zod";
import { Id, Timestamp } from "./common.ts";

export const AlertKind = z.enum(["update_failed", "deploy_failed", "rollout_halted", "notification_failing"]);
export type AlertKind = z.infer<typeof AlertKind>;

export const Alert = z.object({
  id: Id,
  kind: AlertKind,
  /**
   * What the alert is about: a host id for update_failed and deploy_failed, a rollout id for
   * rollout_halted, a notification channel id for notification_failing.
   */
  subject: Id,
  message: z.string(),
  raisedAt: Timestamp,
  resolvedAt: Timestamp.optional(),
  resolution: z.string().optional(),
});
export type Alert = z.infer<typeof Alert>;

export const AlertList = z.object({ alerts: z.array(Alert) });
