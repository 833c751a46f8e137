// Audit log entries: who did what to which host or job, appended and never rewritten.
import { z } from "zod";
import { Timestamp } from "./common.ts";

export const AuditEntry = z.object({
  ts: Timestamp,
  actor: z.string(),
  action: z.string(),
  target: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditList = z.object({ entries: z.array(AuditEntry) });
