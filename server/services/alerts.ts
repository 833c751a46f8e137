// Raising, resolving and acknowledging alerts. One open alert per kind and subject: raising again
// updates its message instead of piling up duplicates; the condition ending resolves it.
// raiseAlert and resolveAlert are the only places an alert is opened or closed (alert-conditions.ts
// and alert-jobs.ts decide when), so whatever follows an alert opening or closing hooks in here.
import type { Alert, AlertKind } from "../../protocol/alerts.ts";
import type { ServerContext } from "../context.ts";
import { conflict, notFound } from "../errors.ts";
import { findOpenAlert } from "../store/open-alerts.ts";
import { type AlertRecord, alertToWire } from "../store/records/alert.ts";
import { isSilenced, silencesNow } from "./alert-silences.ts";
import { recordAudit, SYSTEM_ACTOR } from "./audit.ts";
import { newAlertId } from "./ids.ts";
import { notifyAlert } from "./notify/outbox.ts";

export const openAlert = (
  ctx: ServerContext,
  kind: AlertKind,
  subject: string,
): Readonly<AlertRecord> | undefined => findOpenAlert(ctx.store.listAlerts(), kind, subject);

export async function raiseAlert(ctx: ServerContext, kind: AlertKind, subject: string, message: string) {
  // Raising what is already open as said costs nothing: conditions are asked every sweep.
  if (openAlert(ctx, kind, subject)?.message === message) return;
  const candidate = { id: newAlertId(), kind, subject, message, raisedAt: new Date().toISOString() };
  const outcome = await ctx.repo.raiseAlert(candidate);
  if (outcome.kind === "unchanged") return;
  const { alert } = outcome;
  ctx.log.warn(`alert ${kind} (${subject}): ${message}`);
  if (outcome.kind === "raised")
    await recordAudit(ctx, SYSTEM_ACTOR, "alert.raised", alert.id, { kind, subject, message });
  await notifyAlert(ctx, alert, outcome.kind);
}

export async function resolveAlert(ctx: ServerContext, kind: AlertKind, subject: string, resolution: string) {
  if (!openAlert(ctx, kind, subject)) return;
  const outcome = await ctx.repo.resolveAlert(kind, subject, resolution, new Date());
  if (outcome.kind === "not_open") return;
  const { alert } = outcome;
  ctx.log.info(`alert ${kind} (${subject}) resolved: ${resolution}`);
  await recordAudit(ctx, SYSTEM_ACTOR, "alert.resolved", alert.id, { kind, subject, resolution });
  await notifyAlert(ctx, alert, "resolved");
}

/** Every open alert about `subject` (a deleted or revoked host), resolved with `resolution`. */
export async function resolveAlertsAbout(ctx: ServerContext, subject: string, resolution: string) {
  const open = ctx.store.listAlerts().filter((a) => a.subject === subject && !a.resolvedAt);
  for (const alert of open) await resolveAlert(ctx, alert.kind, subject, resolution);
}

/** The operator has seen it: marked, audited, and still open until its condition is over. */
export async function ackAlert(ctx: ServerContext, id: string, actor: string): Promise<Alert> {
  const outcome = await ctx.repo.ackAlert(id, actor, new Date());
  if (outcome.kind === "unknown") throw notFound(`no alert with id "${id}"`);
  const { alert } = outcome;
  if (outcome.kind === "resolved")
    throw conflict(`alert ${id} is already resolved (${alert.resolution ?? "no reason given"})`);
  if (outcome.kind === "already_acked") return toWire(ctx, alert);
  await recordAudit(ctx, actor, "alert.acked", id, { kind: alert.kind, subject: alert.subject });
  return toWire(ctx, alert);
}

/** Newest first; open ones only unless `all`. */
export function listAlerts(ctx: ServerContext, all: boolean): Alert[] {
  const silences = silencesNow(ctx);
  return ctx.store
    .listAlerts()
    .filter((a) => all || !a.resolvedAt)
    .map((a) => alertToWire(a, isSilenced(silences, a)))
    .reverse();
}

const toWire = (ctx: ServerContext, alert: Readonly<AlertRecord>): Alert =>
  alertToWire(alert, isSilenced(silencesNow(ctx), alert));
