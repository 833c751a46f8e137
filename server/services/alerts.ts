// Raising, resolving and acknowledging alerts. One open alert per kind and subject: raising again
// updates its message instead of piling up duplicates; the condition ending resolves it.
// raiseAlert and resolveAlert are the only places an alert is opened or closed (alert-conditions.ts
// and alert-jobs.ts decide when), so whatever follows an alert opening or closing hooks in here.
import type { Alert, AlertKind } from "../../protocol/alerts.ts";
import type { ServerContext } from "../context.ts";
import { conflict, notFound } from "../errors.ts";
import { type AlertRecord, alertToWire } from "../store/records/alert.ts";
import { isSilenced, silencesNow } from "./alert-silences.ts";
import { recordAudit, SYSTEM_ACTOR } from "./audit.ts";
import { newAlertId } from "./ids.ts";
import { notifyAlert } from "./notify/outbox.ts";

/**
 * Open alerts by kind and subject, built once per alerts array: the store replaces the array on
 * every change, so a sweep asking about every offline host each second does not scan it each time.
 */
const _openIndex = new WeakMap<readonly Readonly<AlertRecord>[], Map<string, Readonly<AlertRecord>>>();
const _key = (kind: AlertKind, subject: string) => `${kind}\u0000${subject}`;

export function openAlert(
  ctx: ServerContext,
  kind: AlertKind,
  subject: string,
): Readonly<AlertRecord> | undefined {
  const all = ctx.store.listAlerts();
  let index = _openIndex.get(all);
  if (!index) {
    index = new Map();
    for (const alert of all) if (!alert.resolvedAt) index.set(_key(alert.kind, alert.subject), alert);
    _openIndex.set(all, index);
  }
  return index.get(_key(kind, subject));
}

export async function raiseAlert(ctx: ServerContext, kind: AlertKind, subject: string, message: string) {
  const existing = openAlert(ctx, kind, subject);
  if (existing?.message === message) return;
  // Raised again, the alert keeps its id, its raisedAt (when the condition began) and its ack.
  const alert: AlertRecord = existing
    ? { ...existing, message }
    : { id: newAlertId(), kind, subject, message, raisedAt: new Date().toISOString() };
  ctx.log.warn(`alert ${kind} (${subject}): ${message}`);
  await ctx.store.putAlert(alert);
  if (!existing) await recordAudit(ctx, SYSTEM_ACTOR, "alert.raised", alert.id, { kind, subject, message });
  await notifyAlert(ctx, alert, existing ? "updated" : "raised");
}

export async function resolveAlert(ctx: ServerContext, kind: AlertKind, subject: string, resolution: string) {
  const existing = openAlert(ctx, kind, subject);
  if (!existing) return;
  ctx.log.info(`alert ${kind} (${subject}) resolved: ${resolution}`);
  const resolved = { ...existing, resolvedAt: new Date().toISOString(), resolution };
  await ctx.store.putAlert(resolved);
  await recordAudit(ctx, SYSTEM_ACTOR, "alert.resolved", existing.id, { kind, subject, resolution });
  await notifyAlert(ctx, resolved, "resolved");
}

/** Every open alert about `subject` (a deleted or revoked host), resolved with `resolution`. */
export async function resolveAlertsAbout(ctx: ServerContext, subject: string, resolution: string) {
  const open = ctx.store.listAlerts().filter((a) => a.subject === subject && !a.resolvedAt);
  for (const alert of open) await resolveAlert(ctx, alert.kind, subject, resolution);
}

/** The operator has seen it: marked, audited, and still open until its condition is over. */
export async function ackAlert(ctx: ServerContext, id: string, actor: string): Promise<Alert> {
  const alert = ctx.store.listAlerts().find((a) => a.id === id);
  if (!alert) throw notFound(`no alert with id "${id}"`);
  if (alert.resolvedAt)
    throw conflict(`alert ${id} is already resolved (${alert.resolution ?? "no reason given"})`);
  if (alert.ackedAt) return toWire(ctx, alert);
  const acked = { ...alert, ackedAt: new Date().toISOString(), ackedBy: actor };
  await ctx.store.putAlert(acked);
  await recordAudit(ctx, actor, "alert.acked", id, { kind: alert.kind, subject: alert.subject });
  return toWire(ctx, acked);
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
