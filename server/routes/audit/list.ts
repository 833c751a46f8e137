// GET /api/v1/audit?limit=&action=: the audit log, newest first.
import { z } from "zod";
import { parseQuery } from "../../middleware/body/index.ts";
import { listAudit } from "../../services/audit.ts";
import type { RouteHandler } from "../define.ts";

export const DEFAULT_AUDIT_LIMIT = 100;
export const MAX_AUDIT_LIMIT = 1000;

/** Exported for docs/protocol.md, which is generated from the schemas. */
export const ListAuditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_AUDIT_LIMIT).default(DEFAULT_AUDIT_LIMIT),
  action: z
    .string()
    .regex(/^[a-z_.]{1,64}$/, "actions look like host.enrolled")
    .optional(),
});

export const listAuditRoute: RouteHandler = (c) => {
  const query = parseQuery(c, ListAuditQuery);
  return c.json({ entries: listAudit(c.var.fleet, query) });
};
