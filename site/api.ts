// The board's only way to fleetd: the protocol's one client (protocol/client.ts), over the route
// table without its schemas. routeTable() runs while the bundle is built (a Bun macro), so only
// each route's method and path reach the page, not zod. The server is "." like the page's own
// links: a board served under a path prefix behind a proxy calls fleetd under the same prefix.
import { createClient } from "../protocol/client.ts";
import { routeTable } from "../protocol/route-table.ts" with { type: "macro" };
import { adminToken, readToken } from "./session.ts";

/** A poll that hangs this long counts as a failure, so the poller backs off and tries again. */
const READ_TIMEOUT_MS = 10_000;

/** Reads the board with its own token, else the admin token (session.ts). */
export const boardApi = _client(readToken, READ_TIMEOUT_MS);

/**
 * Admin actions, always with the admin token: a board token held beside it would be refused,
 * and that refusal must not read as the admin token's (which signs the page out of admin mode).
 */
export const adminApi = _client(adminToken);

// One place calls the macro: the minifier copies its table into every use of a shared constant.
function _client(token: () => string | null, timeoutMs?: number) {
  return createClient({ server: ".", routes: routeTable(), token, timeoutMs });
}
