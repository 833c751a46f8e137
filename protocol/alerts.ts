// Alerts: conditions an operator must look at, raised by fleetd and resolved automatically
// when a later event shows the condition is over (see docs/operations.md). An operator may
// acknowledge one (it stays open until its condition is over) or silence a host or a kind for a
// while (its alerts are still raised and listed, marked silenced, so notifications can skip them).
import { z } from "zod";
import { Id, Timestamp } from "./common.ts";

export const AlertKind = z.enum([
  "host_offline",
  "job_failed",
  "update_failed",
  "rollout_halted",
  "deploy_failed",
  "rolled_back",
  "config_behind",
  "needs_reboot",
  "notification_failing",
  "disk_full",
]);
export type AlertKind = z.infer<typeof AlertKind>;

export const Alert = z.object({
  id: Id,
  kind: AlertKind,
  /**
   * What the alert is about: a host id; a rollout id for rollout_halted; a notification channel id
   * for notification_failing.
   */
  subject: Id,
  /** What happened and what to do about it. */
  message: z.string(),
  raisedAt: Timestamp,
  resolvedAt: Timestamp.optional(),
  resolution: z.string().optional(),
  /** When and by whom the alert was acknowledged; it stays open until its condition is over. */
  ackedAt: Timestamp.optional(),
  ackedBy: z.string().max(200).optional(),
  /** A silence covers its subject or its kind right now (computed when it is read). */
  silenced: z.boolean(),
});
export type Alert = z.infer<typeof Alert>;

export const AlertList = z.object({ alerts: z.array(Alert) });
export const AlertResponse = z.object({ alert: Alert });

/** The longest silence: a condition silenced for longer has to be fixed or its host deleted. */
export const MAX_SILENCE_SECONDS = 30 * 86_400;

const _UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

/** "90s", "30m", "2h", "7d" in seconds, or the reason it is not a silence's duration. */
export function parseSilenceDuration(text: string): { seconds: number } | { error: string } {
  const match = /^([0-9]{1,7})([smhd])$/.exec(text);
  if (!match)
    return {
      error: `a duration is a positive whole number and a unit s, m, h or d (like 2h), got "${text.slice(0, 40)}"`,
    };
  const seconds = Number(match[1]) * _UNIT_SECONDS[match[2] as keyof typeof _UNIT_SECONDS];
  if (seconds <= 0) return { error: `a silence must last at least 1s, got "${text}"` };
  if (seconds > MAX_SILENCE_SECONDS)
    return { error: `a silence lasts at most ${MAX_SILENCE_SECONDS / 86_400}d, got "${text}"` };
  return { seconds };
}

export const SilenceDuration = z.string().superRefine((text, ctx) => {
  const parsed = parseSilenceDuration(text);
  if ("error" in parsed) ctx.addIssue({ code: "custom", message: parsed.error });
});

/** What a silence is set on, as given: a host id, a host name or an alert kind. */
export const SilenceSubject = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, "a host id, a host name or an alert kind: letters, digits, '.', '-' and '_'");

/** POST /api/v1/alert-silences: `subject` is a host (id or name) or an alert kind. */
export const SilenceRequest = z.strictObject({
  subject: SilenceSubject,
  for: SilenceDuration,
});
export type SilenceRequest = z.infer<typeof SilenceRequest>;

export const AlertSilence = z.object({
  /** A host id, or an alert kind. */
  subject: Id,
  subjectType: z.enum(["host", "kind"]),
  /** The host's name when the subject is a host, for display. */
  hostName: z.string().optional(),
  until: Timestamp,
  createdAt: Timestamp,
  createdBy: z.string().max(200),
});
export type AlertSilence = z.infer<typeof AlertSilence>;

export const SilenceList = z.object({ silences: z.array(AlertSilence) });
export const SilenceResponse = z.object({ silence: AlertSilence });
