// The audit log for the operator.
import type { RouteHandlers } from "../define.ts";
import { listAuditRoute } from "./list.ts";

export const auditRoutes = { listAudit: listAuditRoute } satisfies RouteHandlers;
