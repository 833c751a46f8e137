// The open alert of a kind and subject, found in the store's alerts: one is open per kind and
// subject. The index is built once per alerts array: the store replaces the array on every change,
// so a sweep asking about every offline host each second does not scan it each time.
import type { AlertKind } from "../../protocol/alerts.ts";
import type { AlertRecord } from "./records/alert.ts";

const _openIndex = new WeakMap<readonly Readonly<AlertRecord>[], Map<string, Readonly<AlertRecord>>>();
const _key = (kind: AlertKind, subject: string) => `${kind}\u0000${subject}`;

export function findOpenAlert(
  alerts: readonly Readonly<AlertRecord>[],
  kind: AlertKind,
  subject: string,
): Readonly<AlertRecord> | undefined {
  let index = _openIndex.get(alerts);
  if (!index) {
    index = new Map();
    for (const alert of alerts) if (!alert.resolvedAt) index.set(_key(alert.kind, alert.subject), alert);
    _openIndex.set(alerts, index);
  }
  return index.get(_key(kind, subject));
}
