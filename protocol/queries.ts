// Query parameters of the routes that take them (protocol/routes.ts). Values arrive as strings,
// so numbers are coerced; a bad value is a 400 naming the parameter.
import { z } from "zod";
import { Id } from "./common.ts";
import { HostTag } from "./config-state.ts";
import { JobState } from "./jobs.ts";

export const DEFAULT_JOB_LIST_LIMIT = 100;
export const MAX_JOB_LIST_LIMIT = 1000;
export const DEFAULT_AUDIT_LIMIT = 100;
export const MAX_AUDIT_LIMIT = 1000;

/** GET /api/v1/agent/poll: how long to hold the poll, in seconds (fleetd caps it at its window). */
export const PollQuery = z.object({
  wait: z.coerce.number().nonnegative().max(3600).optional(),
});

/** GET /api/v1/hosts: every host, or only those carrying one tag. */
export const ListHostsQuery = z.object({ tag: HostTag.optional() });

/** GET /api/v1/jobs: newest first, optionally of one host or in one state. */
export const ListJobsQuery = z.object({
  host: Id.optional(),
  state: JobState.optional(),
  limit: z.coerce.number().int().min(1).max(MAX_JOB_LIST_LIMIT).default(DEFAULT_JOB_LIST_LIMIT),
});

/** GET /api/v1/jobs/:id: `after` lets a follower fetch only the lines after that seq. */
export const GetJobQuery = z.object({ after: z.coerce.number().int().min(-1).optional() });

/** GET /api/v1/audit: newest first, optionally of one action. */
export const ListAuditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_AUDIT_LIMIT).default(DEFAULT_AUDIT_LIMIT),
  action: z
    .string()
    .regex(/^[a-z_.]{1,64}$/, "actions look like host.enrolled")
    .optional(),
});

/** GET /api/v1/alerts: open alerts, and resolved ones too with all=1. */
export const ListAlertsQuery = z.object({ all: z.enum(["0", "1", "true", "false"]).optional() });
