// Enrollment: enroll tokens for the operator, and the enroll call a new host makes with one.
import type { RouteHandlers } from "../define.ts";
import { createEnrollTokenRoute } from "./create-token.ts";
import { enrollRoute } from "./enroll.ts";

export const enrollRoutes = {
  createEnrollToken: createEnrollTokenRoute,
  enroll: enrollRoute,
} satisfies RouteHandlers;
