// What each route of protocol/routes.ts takes and returns, by schema name, for docs/protocol.md.
// Typed as a record over RouteName, so a route added to the table without an entry here does
// not compile; names are looked up among the exported schemas, so a wrong one fails the render.
import type { RouteName } from "../../protocol/routes.ts";

export interface RouteDoc {
  /** Query parameters: a schema name. */
  query?: string;
  /** JSON request body: a schema name. */
  request?: string;
  /** JSON response: a schema name, or a description for a non-JSON body. */
  response: string;
  /** Success status when it is not 200. */
  status?: number;
}

/** Non-JSON bodies are described in words, marked by a leading "(". */
export const ROUTE_DOCS: Record<RouteName, RouteDoc> = {
  enroll: { request: "EnrollRequest", response: "EnrollResponse", status: 201 },
  agentHello: { request: "Hello", response: "HelloResponse" },
  agentPoll: { query: "PollQuery", response: "PollResponse" },
  agentJobEvents: { request: "JobEvents", response: "JobEventsAck" },
  agentJobResult: { request: "JobResult", response: "Ok" },
  listHosts: { response: "HostList" },
  getHost: { response: "HostDetail" },
  deleteHost: { response: "Ok" },
  revokeHost: { response: "HostResponse" },
  createJob: { request: "CreateJobRequest", response: "JobResponse", status: 201 },
  updateHost: { request: "UpdateRequest", response: "JobResponse", status: 201 },
  listJobs: { query: "ListJobsQuery", response: "JobList" },
  getJob: { query: "GetJobQuery", response: "JobDetail" },
  cancelJob: { response: "JobResponse" },
  createEnrollToken: { request: "CreateEnrollTokenRequest", response: "EnrollTokenCreated", status: 201 },
  listEnrollTokens: { response: "EnrollTokenList" },
  revokeEnrollToken: { response: "EnrollTokenResponse" },
  listAudit: { query: "ListAuditQuery", response: "AuditList" },
  listAlerts: { query: "ListAlertsQuery", response: "AlertList" },
  startRollout: { request: "StartRolloutRequest", response: "RolloutResponse", status: 201 },
  listRollouts: { response: "RolloutList" },
  getRollout: { response: "RolloutResponse" },
  pauseRollout: { response: "RolloutResponse" },
  resumeRollout: { response: "RolloutResponse" },
  cancelRollout: { response: "RolloutResponse" },
  boardPage: { response: "(the board's HTML page)" },
  boardAsset: { response: "(board.css, board.js)" },
  board: { response: "Board" },
  boardHost: { response: "BoardHostDetail" },
  boardBadge: { response: "(an SVG badge: the worst of failing, offline, outdated, else all healthy)" },
  artifact: { response: "Manifest for manifest.json, else the binary's bytes" },
  installScript: { response: "(scripts/install.sh as text, with this fleetd's URL filled in)" },
  health: { response: "HealthResponse" },
};
