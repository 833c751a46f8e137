// A host as fleetd stores it, and the one mapping to the API's Host. The record names the wire
// fields it keeps (identity from enrollment and the last hello); the API adds what is computed
// when asked (presence, whether the agent is outdated, the jobs in flight, the config state derived
// from the host's report and the target), which is never stored. The report itself is kept apart
// (records/host-report.ts), so the fleet's reports are not rewritten with every hosts.json write.
import { z } from "zod";
import { HostTags } from "../../../protocol/config-state.ts";
import { Host } from "../../../protocol/hosts.ts";
import { keepFields } from "./fields.ts";

/** Named one by one: a field the API grows is stored only once it is added here, on purpose. */
const _StoredHostFields = Host.pick({
  id: true,
  name: true,
  enrolledAt: true,
  lastSeen: true,
  version: true,
  sha256: true,
  platform: true,
  arch: true,
  hostname: true,
  os: true,
  pid: true,
  bootId: true,
  revokedAt: true,
});

export const HostRecord = _StoredHostFields.extend({
  /** SHA-256 of the host's token: what the token is checked against, never shown. */
  tokenHash: z.string().regex(/^[0-9a-f]{64}$/),
  /** From hello; absent in records written before hosts had tags. */
  tags: HostTags.optional(),
  /** The ops the agent runs, from its last hello; absent: an agent from before `deploy` (LEGACY_AGENT_OPS). */
  ops: z.array(z.string().max(40)).max(50).optional(),
});
export type HostRecord = z.infer<typeof HostRecord>;

/**
 * hosts.json as fleetd read it before reports moved to host-states.jsonl (host-reports.ts): each
 * record may carry the host's report, which opening the store moves over (json-store.ts).
 */
export const HostRecordAsRead = HostRecord.extend({ configState: z.unknown().optional() });
export type HostRecordAsRead = z.infer<typeof HostRecordAsRead>;

/** What the API shows of a host beyond its record, computed live. */
export type HostLive = Omit<Host, keyof z.infer<typeof _StoredHostFields> | "tags">;

/** A host just enrolled: it has not said hello yet, so nothing is known of its agent. */
export function newHostRecord(id: string, name: string, tokenHash: string, enrolledAt: string): HostRecord {
  return {
    id,
    name,
    enrolledAt,
    tokenHash,
    lastSeen: null,
    version: null,
    sha256: null,
    platform: null,
    arch: null,
    hostname: null,
    os: null,
    pid: null,
    bootId: null,
    tags: [],
  };
}

/** Exactly the record's fields: whatever else an object handed to the store carries stays off disk. */
export const hostRecordFrom = (host: HostRecord): HostRecord => keepFields(HostRecord, host);

export function hostToWire(record: Readonly<HostRecord>, live: HostLive): Host {
  return { ...keepFields(_StoredHostFields, record), tags: record.tags ?? [], ...live };
}
