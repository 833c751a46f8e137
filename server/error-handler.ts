// Turning every failure into the one error envelope: thrown ApiErrors keep their code, Hono's own
// HTTP errors get the closest code, a full data disk is a 507 disk_full, anything else is a 500
// with a generic message (details go to the log, never to the client). Unknown paths and wrong
// methods get the envelope too.
import { relative } from "node:path";
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ErrorBody, ErrorCode } from "../protocol/common.ts";
import { ROUTES } from "../protocol/routes.ts";
import type { AppEnv } from "./context.ts";
import { ApiError, codeForStatus } from "./errors.ts";
import { isDiskFullError } from "./store/disk-status.ts";
import { StoreCorruptError } from "./store/load.ts";

function envelope(
  c: Context<AppEnv>,
  status: ContentfulStatusCode,
  code: ErrorCode,
  message: string,
  details?: unknown,
) {
  const body: ErrorBody = { error: { code, message, ...(details !== undefined ? { details } : {}) } };
  return c.json(body, status);
}

export const onError: ErrorHandler<AppEnv> = (err, c) => {
  if (err instanceof ApiError) {
    // The unread rest of an oversize body would be taken for the next request: drop the connection.
    if (err.status === 413) c.header("Connection", "close");
    for (const [name, value] of Object.entries(err.headers)) c.header(name, value);
    return envelope(c, err.status as ContentfulStatusCode, err.code as ErrorCode, err.message, err.details);
  }
  if (err instanceof HTTPException) {
    return envelope(c, err.status, codeForStatus(err.status), err.message || "request failed");
  }
  if (isDiskFullError(err)) {
    // The store logged the file and put memory back: the request was refused and changed nothing.
    return envelope(
      c,
      507,
      "disk_full",
      "fleetd's data disk is full: nothing was changed; free space on it and retry",
    );
  }
  if (err instanceof StoreCorruptError) {
    // A file read per request (a job's output) is damaged: say which, rather than answer without it.
    const dataDir = c.get("fleet")?.config.dataDir;
    const file = dataDir ? relative(dataDir, err.path) : err.path;
    c.get("fleet")?.log.error(`${c.req.method} ${c.req.path}: ${err.path} is damaged (${err.problem})`);
    return envelope(
      c,
      500,
      "internal",
      `${file} in fleetd's data dir is damaged (${err.problem}), so this answer is refused rather than ` +
        "given with lines missing. Restore the file from a backup, or restart fleetd with --repair, which keeps its intact lines.",
    );
  }
  c.get("fleet")?.log.error(`${c.req.method} ${c.req.path} failed`, err);
  return envelope(c, 500, "internal", "internal server error; see the fleetd log");
};

const routePatterns = Object.values(ROUTES).map((spec) => ({
  method: spec.method as string,
  pattern: new RegExp(`^${spec.path.replace(/:[a-z]+/g, "[^/]+")}/?$`),
}));

/** A known path with the wrong method is a 405 naming the allowed ones; anything else a 404. */
export const onNotFound: NotFoundHandler<AppEnv> = (c) => {
  const allowed = routePatterns.filter((r) => r.pattern.test(c.req.path)).map((r) => r.method);
  if (allowed.length > 0) {
    c.header("Allow", allowed.join(", "));
    return envelope(
      c,
      405,
      "bad_request",
      `${c.req.method} is not allowed on ${c.req.path}; use ${allowed.join(" or ")}`,
    );
  }
  return envelope(c, 404, "not_found", `no route for ${c.req.method} ${c.req.path}`);
};
