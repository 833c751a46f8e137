// Reading who is calling, shared by the route handlers.
import type { Context } from "hono";
import type { AppEnv } from "../context.ts";
import { auditActor } from "../context.ts";
import { forbidden } from "../errors.ts";

export function callingHostId(c: Context<AppEnv>): string {
  const principal = c.get("principal");
  if (principal.kind !== "host") throw forbidden("this route needs a host token");
  return principal.hostId;
}

export const actorOf = (c: Context<AppEnv>): string => auditActor(c.get("principal"));
