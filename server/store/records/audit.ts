// An audit entry as fleetd stores it (audit.jsonl), and the one mapping to the API's AuditEntry.
// Every wire field is stored today, named one by one so that a field the API grows is not stored
// unasked.
import type { z } from "zod";
import { AuditEntry } from "../../../protocol/audit.ts";
import { keepFields } from "./fields.ts";

export const AuditRecord = AuditEntry.pick({
  ts: true,
  actor: true,
  action: true,
  target: true,
  details: true,
});
export type AuditRecord = z.infer<typeof AuditRecord>;

export const auditRecordFrom = (entry: AuditRecord): AuditRecord => keepFields(AuditRecord, entry);

export const auditToWire = (record: Readonly<AuditRecord>): AuditEntry => keepFields(AuditEntry, record);
