// Raising and resolving alerts. One open alert per kind and subject: raising again updates
// its message instead of piling up duplicates; a later success resolves it.
import type { Alert, AlertKind } from "../../protocol/alerts.ts";
import type { ServerContext } from "../context.ts";
import { type AlertRecord, alertToWire } from "../store/records/alert.ts";
import { newAlertId } from "./ids.ts";
import { notifyAlert } from "./notify/outbox.ts";

export function openAlert(
  ctx: ServerContext,
  kind: AlertKind,
  subject: string,
): Readonly<AlertRecord> | undefined {
  return ctx.store.listAlerts().find((a) => a.kind === kind && a.subject === subject && !a.resolvedAt);
}

export async function raiseAlert(ctx: ServerContext, kind: AlertKind, subject: string, message: string) {
  const existing = openAlert(ctx, kind, subject);
  const alert: AlertRecord = existing
    ? { ...existing, message, raisedAt: new Date().toISOString() }
    : {
        id: newAlertId(),
        kind,
        subject,
        message,
        raisedAt: new Date().toISOString(),
      };
  ctx.log.warn(`alert ${kind} (${subject}): ${message}`);
  await ctx.store.putAlert(alert);
  await notifyAlert(ctx, alert, existing ? "updated" : "raised");
}

export async function resolveAlert(ctx: ServerContext, kind: AlertKind, subject: string, resolution: string) {
  const existing = openAlert(ctx, kind, subject);
  if (!existing) return;
  const resolved = { ...existing, resolvedAt: new Date().toISOString(), resolution };
  await ctx.store.putAlert(resolved);
  await notifyAlert(ctx, resolved, "resolved");
}

/** Newest first; open ones only unless `all`. */
export function listAlerts(ctx: ServerContext, all: boolean): Alert[] {
  return ctx.store
    .listAlerts()
    .filter((a) => all || !a.resolvedAt)
    .map(alertToWire)
    .reverse();
}
