// Reading who is calling and which resource a path names, shared by the route handlers.
import type { Context } from "hono";
import { Id } from "../../protocol/common.ts";
import type { AppEnv } from "../context.ts";
import { auditActor } from "../context.ts";
import { forbidden, notFound } from "../errors.ts";

/** The `:id` path segment. An id that cannot exist is answered like an unknown one. */
export function idParam(c: Context<AppEnv>, what: "host" | "job"): string {
  const id = c.req.param("id") ?? "";
  if (!Id.safeParse(id).success) throw notFound(`no ${what} with id "${id.slice(0, 80)}"`);
  return id;
}

export function callingHostId(c: Context<AppEnv>): string {
  const principal = c.var.principal;
  if (principal.kind !== "host") throw forbidden("this route needs a host token");
  return principal.hostId;
}

export const actorOf = (c: Context<AppEnv>): string => auditActor(c.var.principal);
