// GET /api/v1/audit?limit=&action=: the audit log, newest first.
import { listAudit } from "../../services/audit.ts";
import type { RouteHandler } from "../define.ts";

export const listAuditRoute: RouteHandler<"listAudit"> = (c, { query }) => ({
  entries: listAudit(c.get("fleet"), query),
});
