// Alerts and their silences over the JSON store: one alert open per kind and subject, one silence
// per subject, each decided and changed in memory in the same tick, so a second raise of the same
// alert finds the first open.
import type { AlertKind } from "../../protocol/alerts.ts";
import { findOpenAlert } from "../store/open-alerts.ts";
import type { AlertRecord } from "../store/records/alert.ts";
import type { AlertSilenceRecord } from "../store/records/alert-silence.ts";
import type { Store } from "../store/types.ts";
import type {
  AckAlertOutcome,
  RaiseAlertOutcome,
  RemoveSilenceOutcome,
  ResolveAlertOutcome,
  SetSilenceOutcome,
} from "./types.ts";

export async function raiseInStore(store: Store, alert: AlertRecord): Promise<RaiseAlertOutcome> {
  const existing = findOpenAlert(store.listAlerts(), alert.kind, alert.subject);
  if (existing?.message === alert.message) return { kind: "unchanged", alert: existing };
  // Raised again, the alert keeps its id, its raisedAt (when the condition began) and its ack.
  const stored = existing ? { ...existing, message: alert.message } : alert;
  await store.putAlert(stored);
  return { kind: existing ? "updated" : "raised", alert: stored };
}

export async function resolveInStore(
  store: Store,
  kind: AlertKind,
  subject: string,
  resolution: string,
  at: Date,
): Promise<ResolveAlertOutcome> {
  const existing = findOpenAlert(store.listAlerts(), kind, subject);
  if (!existing) return { kind: "not_open" };
  const alert = { ...existing, resolvedAt: at.toISOString(), resolution };
  await store.putAlert(alert);
  return { kind: "resolved", alert };
}

export async function ackInStore(
  store: Store,
  id: string,
  actor: string,
  at: Date,
): Promise<AckAlertOutcome> {
  const existing = store.listAlerts().find((a) => a.id === id);
  if (!existing) return { kind: "unknown" };
  if (existing.resolvedAt) return { kind: "resolved", alert: existing };
  if (existing.ackedAt) return { kind: "already_acked", alert: existing };
  const alert = { ...existing, ackedAt: at.toISOString(), ackedBy: actor };
  await store.putAlert(alert);
  return { kind: "acked", alert };
}

const _inForce = (store: Store, now: Date) =>
  store.listAlertSilences().filter((s) => Date.parse(s.until) > now.getTime());

export async function setSilenceInStore(
  store: Store,
  silence: AlertSilenceRecord,
  now: Date,
): Promise<SetSilenceOutcome> {
  const active = _inForce(store, now);
  const replaced = active.find((s) => s.subject === silence.subject);
  await store.setAlertSilences([...active.filter((s) => s !== replaced), silence]);
  return { kind: "set", silence, replaced };
}

export async function removeSilenceInStore(
  store: Store,
  subjects: readonly string[],
  now: Date,
): Promise<RemoveSilenceOutcome> {
  const active = _inForce(store, now);
  const silence = active.find((s) => subjects.includes(s.subject));
  if (!silence) return { kind: "none_in_force" };
  await store.setAlertSilences(active.filter((s) => s !== silence));
  return { kind: "removed", silence };
}
