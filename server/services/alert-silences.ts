// Silences: a host or an alert kind whose alerts are marked silenced until a time. A silenced
// alert is still raised, listed and audited; only what tells people about alerts (notifications)
// skips it. One silence per subject: silencing it again replaces the first.
import {
  AlertKind,
  type AlertSilence,
  parseSilenceDuration,
  type SilenceRequest,
} from "../../protocol/alerts.ts";
import type { ServerContext } from "../context.ts";
import { badRequest, notFound } from "../errors.ts";
import type { AlertRecord } from "../store/records/alert.ts";
import type { AlertSilenceRecord } from "../store/records/alert-silence.ts";
import { recordAudit } from "./audit.ts";

/** The silences in force at `now`. */
export function silencesNow(ctx: ServerContext, now = Date.now()): readonly Readonly<AlertSilenceRecord>[] {
  return ctx.store.listAlertSilences().filter((s) => Date.parse(s.until) > now);
}

export const isSilenced = (
  silences: readonly Readonly<AlertSilenceRecord>[],
  alert: Pick<AlertRecord, "kind" | "subject">,
): boolean => silences.some((s) => s.subject === alert.subject || s.subject === alert.kind);

export function listSilences(ctx: ServerContext): AlertSilence[] {
  return silencesNow(ctx).map((s) => silenceToWire(ctx, s));
}

export async function addSilence(
  ctx: ServerContext,
  request: SilenceRequest,
  actor: string,
): Promise<AlertSilence> {
  const parsed = parseSilenceDuration(request.for);
  if ("error" in parsed) throw badRequest(parsed.error);
  const target = _subjectOf(ctx, request.subject);
  const now = Date.now();
  const silence: AlertSilenceRecord = {
    ...target,
    until: new Date(now + parsed.seconds * 1000).toISOString(),
    createdAt: new Date(now).toISOString(),
    createdBy: actor,
  };
  await ctx.repo.setAlertSilence(silence, new Date(now));
  await recordAudit(ctx, actor, "alert.silenced", silence.subject, {
    subjectType: silence.subjectType,
    until: silence.until,
  });
  return silenceToWire(ctx, silence);
}

/** `ref`: the host (id or name) or kind a silence was set on. */
export async function removeSilence(ctx: ServerContext, ref: string, actor: string): Promise<AlertSilence> {
  const host = ctx.store.getHost(ref) ?? ctx.store.findHostByName(ref);
  const outcome = await ctx.repo.removeAlertSilence(host ? [ref, host.id] : [ref], new Date());
  if (outcome.kind === "none_in_force")
    throw notFound(`no silence in force on "${ref}" (see fleetctl alerts silences)`);
  const { silence } = outcome;
  await recordAudit(ctx, actor, "alert.unsilenced", silence.subject, { subjectType: silence.subjectType });
  return silenceToWire(ctx, silence);
}

function _subjectOf(ctx: ServerContext, ref: string): Pick<AlertSilenceRecord, "subject" | "subjectType"> {
  if (AlertKind.safeParse(ref).success) return { subject: ref, subjectType: "kind" };
  const host = ctx.store.getHost(ref) ?? ctx.store.findHostByName(ref);
  if (host) return { subject: host.id, subjectType: "host" };
  throw notFound(`"${ref}" is neither a host nor an alert kind (kinds: ${AlertKind.options.join(", ")})`);
}

function silenceToWire(ctx: ServerContext, s: Readonly<AlertSilenceRecord>): AlertSilence {
  const hostName = s.subjectType === "host" ? ctx.store.getHost(s.subject)?.name : undefined;
  return { ...s, ...(hostName ? { hostName } : {}) };
}
