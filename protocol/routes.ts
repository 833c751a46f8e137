// The route table: every API path, its method and who may call it. fleetd registers
// routes from it, fleetctl and the agent build URLs from it, and tests walk it.
/**
 * "board": the board token (--board-token) or the admin token, as Bearer header (or the board
 * token as ?token=, for <img> badges and wall displays). With --public-board also no token at all,
 * for a redacted document (no job output, no paths).
 */
export type Auth = "public" | "enroll" | "host" | "admin" | "board";

export interface RouteSpec {
  method: "GET" | "POST" | "DELETE";
  path: string;
  auth: Auth;
}

export const ROUTES = {
  enroll: { method: "POST", path: "/api/v1/enroll", auth: "enroll" },

  agentHello: { method: "POST", path: "/api/v1/agent/hello", auth: "host" },
  agentPoll: { method: "GET", path: "/api/v1/agent/poll", auth: "host" },
  agentJobEvents: { method: "POST", path: "/api/v1/agent/jobs/:id/events", auth: "host" },
  agentJobResult: { method: "POST", path: "/api/v1/agent/jobs/:id/result", auth: "host" },

  listHosts: { method: "GET", path: "/api/v1/hosts", auth: "admin" },
  getHost: { method: "GET", path: "/api/v1/hosts/:id", auth: "admin" },
  deleteHost: { method: "DELETE", path: "/api/v1/hosts/:id", auth: "admin" },
  /** Invalidates the host's token for good; the record stays, marked revoked. */
  revokeHost: { method: "POST", path: "/api/v1/hosts/:id/revoke", auth: "admin" },
  createJob: { method: "POST", path: "/api/v1/hosts/:id/jobs", auth: "admin" },
  updateHost: { method: "POST", path: "/api/v1/hosts/:id/update", auth: "admin" },
  listJobs: { method: "GET", path: "/api/v1/jobs", auth: "admin" },
  getJob: { method: "GET", path: "/api/v1/jobs/:id", auth: "admin" },
  cancelJob: { method: "POST", path: "/api/v1/jobs/:id/cancel", auth: "admin" },
  createEnrollToken: { method: "POST", path: "/api/v1/enroll-tokens", auth: "admin" },
  listEnrollTokens: { method: "GET", path: "/api/v1/enroll-tokens", auth: "admin" },
  /** An unused token can no longer enroll anything; the record stays, marked revoked. */
  revokeEnrollToken: { method: "POST", path: "/api/v1/enroll-tokens/:id/revoke", auth: "admin" },
  listAudit: { method: "GET", path: "/api/v1/audit", auth: "admin" },
  listAlerts: { method: "GET", path: "/api/v1/alerts", auth: "admin" },
  startRollout: { method: "POST", path: "/api/v1/rollouts", auth: "admin" },
  listRollouts: { method: "GET", path: "/api/v1/rollouts", auth: "admin" },
  getRollout: { method: "GET", path: "/api/v1/rollouts/:id", auth: "admin" },
  pauseRollout: { method: "POST", path: "/api/v1/rollouts/:id/pause", auth: "admin" },
  resumeRollout: { method: "POST", path: "/api/v1/rollouts/:id/resume", auth: "admin" },
  cancelRollout: { method: "POST", path: "/api/v1/rollouts/:id/cancel", auth: "admin" },

  /** The status board: its page and assets hold no data; the data needs board access. */
  boardPage: { method: "GET", path: "/", auth: "public" },
  boardAsset: { method: "GET", path: "/assets/:file", auth: "public" },
  board: { method: "GET", path: "/api/v1/board", auth: "board" },
  boardHost: { method: "GET", path: "/api/v1/board/hosts/:id", auth: "board" },
  boardBadge: { method: "GET", path: "/api/v1/board/badge.svg", auth: "board" },

  /** The build manifest (file "manifest.json") and the binaries it lists; not secret. */
  artifact: { method: "GET", path: "/api/v1/artifacts/:file", auth: "public" },

  /** The agent installer (scripts/install.sh) with this fleetd's URL filled in; outside /api/v1. */
  installScript: { method: "GET", path: "/install.sh", auth: "public" },

  health: { method: "GET", path: "/api/v1/health", auth: "public" },
} as const satisfies Record<string, RouteSpec>;

export type RouteName = keyof typeof ROUTES;

/** Fills `:param` segments, URL-encoding each value. */
export function routePath(name: RouteName, params: Record<string, string> = {}): string {
  return ROUTES[name].path.replace(/:([a-z]+)/g, (_, key: string) => {
    const value = params[key];
    if (value === undefined) throw new Error(`routePath(${name}): missing :${key}`);
    return encodeURIComponent(value);
  });
}
