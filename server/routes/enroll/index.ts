// Enrollment: enroll tokens for the operator (mint, list, revoke), and the enroll call a new host makes with one.
import type { RouteHandlers } from "../define.ts";
import { createEnrollTokenRoute } from "./create-token.ts";
import { enrollRoute } from "./enroll.ts";
import { listEnrollTokensRoute, revokeEnrollTokenRoute } from "./tokens.ts";

export const enrollRoutes = {
  createEnrollToken: createEnrollTokenRoute,
  listEnrollTokens: listEnrollTokensRoute,
  revokeEnrollToken: revokeEnrollTokenRoute,
  enroll: enrollRoute,
} satisfies RouteHandlers;
