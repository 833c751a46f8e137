// The route table: every API path with its method, who may call it, and the schemas of its
// path params, query, body and response. fleetd registers and validates routes from it
// (server/routes/define.ts), the one client calls them from it (protocol/client.ts), the
// protocol doc is rendered from it, and tests walk it.
import { z } from "zod";
import { Hello, HelloResponse, JobEvents, JobEventsAck, JobResult, PollResponse } from "./agent.ts";
import {
  AlertList,
  AlertResponse,
  SilenceList,
  SilenceRequest,
  SilenceResponse,
  SilenceSubject,
} from "./alerts.ts";
import { Manifest } from "./artifacts.ts";
import { AuditList } from "./audit.ts";
import { Board, BoardHostDetail, BoardHostVitals } from "./board.ts";
import { HealthResponse, Id, Ok } from "./common.ts";
import { HostState } from "./config-state.ts";
import { ConfigTargetResponse, PinTargetRequest } from "./config-target.ts";
import {
  CreateEnrollTokenRequest,
  EnrollRequest,
  EnrollResponse,
  EnrollTokenCreated,
  EnrollTokenList,
  EnrollTokenResponse,
} from "./enroll.ts";
import { HostDetail, HostList, HostResponse } from "./hosts.ts";
import { CreateJobRequest, JobDetail, JobList, JobResponse } from "./jobs.ts";
import { ChannelCreated, ChannelList, CreateChannelRequest, DeliveryResponse } from "./notify.ts";
import { fillPath } from "./paths.ts";
import {
  GetJobQuery,
  ListAlertsQuery,
  ListAuditQuery,
  ListHostsQuery,
  ListJobsQuery,
  PollQuery,
} from "./queries.ts";
import { RolloutList, RolloutResponse, StartRolloutRequest } from "./rollouts.ts";
import { UpdateRequest } from "./updates.ts";
import { HostVitals } from "./vitals.ts";

/**
 * "board": the board token (--board-token) or the admin token, as Bearer header (or the board
 * token as ?token=, for <img> badges and wall displays). With --public-board also no token at all,
 * for a redacted document (no job output, no paths).
 * "webhook": the admin token as Bearer header, or the config webhook secret
 * (--config-webhook-secret) in the X-Fleet-Webhook-Secret header, so a forge's push hook can
 * call the route without holding the admin token.
 * "metrics": the admin token, or the read-only metrics token (--metrics-token-file), as Bearer
 * header, so a Prometheus server can scrape without holding the admin token.
 */
export type Auth = "public" | "enroll" | "host" | "admin" | "board" | "webhook" | "metrics";

/** The header a forge's push hook sends the config webhook secret in. */
export const WEBHOOK_SECRET_HEADER = "x-fleet-webhook-secret";

/** A response that is not JSON (a page, an SVG, a binary): described in words for the docs. */
export interface RawBody {
  raw: string;
}

export interface RouteSpec {
  method: "GET" | "POST" | "DELETE";
  path: string;
  auth: Auth;
  /** The `:name` path segments. A value that fails is answered 404, like an unknown id. */
  params?: z.ZodObject;
  query?: z.ZodObject;
  /** The JSON request body. */
  body?: z.ZodType;
  response: z.ZodType | RawBody;
  /** The success status when it is not 200. */
  status?: 201;
}

/** A `:id` naming one `what`; the description is the 404's wording ("no host with id …"). */
const idOf = (what: string) => z.object({ id: Id.describe(what) });
const fileParam = z.object({ file: z.string() });

export const ROUTES = {
  enroll: {
    method: "POST",
    path: "/api/v1/enroll",
    auth: "enroll",
    body: EnrollRequest,
    response: EnrollResponse,
    status: 201,
  },

  agentHello: {
    method: "POST",
    path: "/api/v1/agent/hello",
    auth: "host",
    body: Hello,
    response: HelloResponse,
  },
  agentPoll: {
    method: "GET",
    path: "/api/v1/agent/poll",
    auth: "host",
    query: PollQuery,
    response: PollResponse,
  },
  agentJobEvents: {
    method: "POST",
    path: "/api/v1/agent/jobs/:id/events",
    auth: "host",
    params: idOf("job"),
    body: JobEvents,
    response: JobEventsAck,
  },
  agentJobResult: {
    method: "POST",
    path: "/api/v1/agent/jobs/:id/result",
    auth: "host",
    params: idOf("job"),
    body: JobResult,
    response: Ok,
  },
  /** The host's config state, sent when its hash changed; the same state again changes nothing. */
  agentState: {
    method: "POST",
    path: "/api/v1/agent/state",
    auth: "host",
    body: HostState,
    response: Ok,
  },
  /**
   * One vitals sample, every vitalsIntervalSeconds. Idempotent: a sample whose `at` fleetd holds
   * already, or older than its newest, changes nothing; one more than 5 minutes ahead of fleetd's
   * clock is refused (400), since it would shadow every later sample.
   */
  agentVitals: {
    method: "POST",
    path: "/api/v1/agent/vitals",
    auth: "host",
    body: HostVitals,
    response: Ok,
  },

  listHosts: {
    method: "GET",
    path: "/api/v1/hosts",
    auth: "admin",
    query: ListHostsQuery,
    response: HostList,
  },
  getHost: {
    method: "GET",
    path: "/api/v1/hosts/:id",
    auth: "admin",
    params: idOf("host"),
    response: HostDetail,
  },
  deleteHost: {
    method: "DELETE",
    path: "/api/v1/hosts/:id",
    auth: "admin",
    params: idOf("host"),
    response: Ok,
  },
  /** Invalidates the host's token for good; the record stays, marked revoked. */
  revokeHost: {
    method: "POST",
    path: "/api/v1/hosts/:id/revoke",
    auth: "admin",
    params: idOf("host"),
    response: HostResponse,
  },
  createJob: {
    method: "POST",
    path: "/api/v1/hosts/:id/jobs",
    auth: "admin",
    params: idOf("host"),
    body: CreateJobRequest,
    response: JobResponse,
    status: 201,
  },
  updateHost: {
    method: "POST",
    path: "/api/v1/hosts/:id/update",
    auth: "admin",
    params: idOf("host"),
    body: UpdateRequest,
    response: JobResponse,
    status: 201,
  },
  listJobs: { method: "GET", path: "/api/v1/jobs", auth: "admin", query: ListJobsQuery, response: JobList },
  getJob: {
    method: "GET",
    path: "/api/v1/jobs/:id",
    auth: "admin",
    params: idOf("job"),
    query: GetJobQuery,
    response: JobDetail,
  },
  cancelJob: {
    method: "POST",
    path: "/api/v1/jobs/:id/cancel",
    auth: "admin",
    params: idOf("job"),
    response: JobResponse,
  },
  createEnrollToken: {
    method: "POST",
    path: "/api/v1/enroll-tokens",
    auth: "admin",
    body: CreateEnrollTokenRequest,
    response: EnrollTokenCreated,
    status: 201,
  },
  listEnrollTokens: {
    method: "GET",
    path: "/api/v1/enroll-tokens",
    auth: "admin",
    response: EnrollTokenList,
  },
  /** An unused token can no longer enroll anything; the record stays, marked revoked. */
  revokeEnrollToken: {
    method: "POST",
    path: "/api/v1/enroll-tokens/:id/revoke",
    auth: "admin",
    params: idOf("enroll token"),
    response: EnrollTokenResponse,
  },
  listAudit: {
    method: "GET",
    path: "/api/v1/audit",
    auth: "admin",
    query: ListAuditQuery,
    response: AuditList,
  },
  listAlerts: {
    method: "GET",
    path: "/api/v1/alerts",
    auth: "admin",
    query: ListAlertsQuery,
    response: AlertList,
  },
  listChannels: { method: "GET", path: "/api/v1/notify/channels", auth: "admin", response: ChannelList },
  /** A channel at fleetd's own address, an unknown alert kind or an oversize template: 400, nothing stored. */
  addChannel: {
    method: "POST",
    path: "/api/v1/notify/channels",
    auth: "admin",
    body: CreateChannelRequest,
    response: ChannelCreated,
    status: 201,
  },
  /** `:id` is the channel's id or name. Its deliveries still in the outbox go with it. */
  removeChannel: {
    method: "DELETE",
    path: "/api/v1/notify/channels/:id",
    auth: "admin",
    params: channelParam(),
    response: Ok,
  },
  /** Puts a test notification in the outbox; follow it with getDelivery. */
  testChannel: {
    method: "POST",
    path: "/api/v1/notify/channels/:id/test",
    auth: "admin",
    params: channelParam(),
    response: DeliveryResponse,
    status: 201,
  },
  getDelivery: {
    method: "GET",
    path: "/api/v1/notify/deliveries/:id",
    auth: "admin",
    params: idOf("notification delivery"),
    response: DeliveryResponse,
  },
  /** Marks the alert seen by the caller; it stays open until its condition is over. */
  ackAlert: {
    method: "POST",
    path: "/api/v1/alerts/:id/ack",
    auth: "admin",
    params: idOf("alert"),
    response: AlertResponse,
  },
  /** The silences in force: hosts and alert kinds whose alerts are marked silenced. */
  listSilences: { method: "GET", path: "/api/v1/alert-silences", auth: "admin", response: SilenceList },
  /** Silences a host (id or name) or an alert kind for a while; again on the same subject replaces it. */
  addSilence: {
    method: "POST",
    path: "/api/v1/alert-silences",
    auth: "admin",
    body: SilenceRequest,
    response: SilenceResponse,
  },
  /** `:id` is the silenced host (id or name) or kind. */
  removeSilence: {
    method: "DELETE",
    path: "/api/v1/alert-silences/:id",
    auth: "admin",
    params: z.object({ id: SilenceSubject.describe("silence") }),
    response: SilenceResponse,
  },
  startRollout: {
    method: "POST",
    path: "/api/v1/rollouts",
    auth: "admin",
    body: StartRolloutRequest,
    response: RolloutResponse,
    status: 201,
  },
  listRollouts: { method: "GET", path: "/api/v1/rollouts", auth: "admin", response: RolloutList },
  /** `:id` may be "current": the active rollout, else the latest. */
  getRollout: {
    method: "GET",
    path: "/api/v1/rollouts/:id",
    auth: "admin",
    params: rolloutParam(),
    response: RolloutResponse,
  },
  pauseRollout: {
    method: "POST",
    path: "/api/v1/rollouts/:id/pause",
    auth: "admin",
    params: rolloutParam(),
    response: RolloutResponse,
  },
  resumeRollout: {
    method: "POST",
    path: "/api/v1/rollouts/:id/resume",
    auth: "admin",
    params: rolloutParam(),
    response: RolloutResponse,
  },
  cancelRollout: {
    method: "POST",
    path: "/api/v1/rollouts/:id/cancel",
    auth: "admin",
    params: rolloutParam(),
    response: RolloutResponse,
  },

  /** What every host's config is compared with, and where it comes from (repo, pin or hosts). */
  getConfigTarget: {
    method: "GET",
    path: "/api/v1/config/target",
    auth: "admin",
    response: ConfigTargetResponse,
  },
  /** Reads the config repo's branch head now (a forge's push hook); answered once it is read. */
  refreshConfigTarget: {
    method: "POST",
    path: "/api/v1/config/refresh",
    auth: "webhook",
    response: ConfigTargetResponse,
  },
  /** Holds the target at one commit, over the repo and the hosts, until unpinned; survives a restart. */
  pinConfigTarget: {
    method: "POST",
    path: "/api/v1/config/target/pin",
    auth: "admin",
    body: PinTargetRequest,
    response: ConfigTargetResponse,
  },
  unpinConfigTarget: {
    method: "POST",
    path: "/api/v1/config/target/unpin",
    auth: "admin",
    response: ConfigTargetResponse,
  },

  /** The status board: its page and assets hold no data; the data needs board access. */
  boardPage: { method: "GET", path: "/", auth: "public", response: { raw: "the board's HTML page" } },
  boardAsset: {
    method: "GET",
    path: "/assets/:file",
    auth: "public",
    params: fileParam,
    response: { raw: "board.css, board.js" },
  },
  board: { method: "GET", path: "/api/v1/board", auth: "board", response: Board },
  /** `:id` is a host's id or its name, so a link like #host=db1 works. */
  boardHost: {
    method: "GET",
    path: "/api/v1/board/hosts/:id",
    auth: "board",
    params: z.object({ id: z.string().describe("host") }),
    response: BoardHostDetail,
  },
  /** Every host's last CPU, memory and disk and its hour of CPU: apart from the board, so samples leave its ETag alone. */
  boardVitals: { method: "GET", path: "/api/v1/board/vitals", auth: "board", response: BoardHostVitals },
  boardBadge: {
    method: "GET",
    path: "/api/v1/board/badge.svg",
    auth: "board",
    response: { raw: "an SVG badge: the worst of failing, offline, outdated, else all healthy" },
  },

  /** The build manifest: not secret. Before `artifact`, so its static path wins. */
  manifest: { method: "GET", path: "/api/v1/artifacts/manifest.json", auth: "public", response: Manifest },
  /**
   * The binaries the manifest lists; not secret. zstd or gzip when Accept-Encoding asks for it,
   * byte ranges (206/416), ETag/If-None-Match; revalidated, as the name may serve another build later.
   */
  artifact: {
    method: "GET",
    path: "/api/v1/artifacts/:file",
    auth: "public",
    params: fileParam,
    response: { raw: "the binary's bytes (Content-Encoding as negotiated)" },
  },
  /** The same, pinned to one build: 404 unless the manifest lists `file` with that SHA-256; cacheable for good. */
  artifactBySha256: {
    method: "GET",
    path: "/api/v1/artifacts/sha256/:hash/:file",
    auth: "public",
    params: z.object({
      hash: z
        .string()
        .regex(/^[0-9a-f]{64}$/)
        .describe("artifact"),
      file: z.string(),
    }),
    response: { raw: "the binary's bytes (Content-Encoding as negotiated), Cache-Control immutable" },
  },

  /** The agent installer (scripts/install.sh) with this fleetd's URL filled in; outside /api/v1. */
  installScript: {
    method: "GET",
    path: "/install.sh",
    auth: "public",
    response: { raw: "scripts/install.sh as text, with this fleetd's URL filled in" },
  },

  health: { method: "GET", path: "/api/v1/health", auth: "public", response: HealthResponse },

  /** Prometheus scrapes it; outside /api/v1, where scrapers look by default. */
  metrics: {
    method: "GET",
    path: "/metrics",
    auth: "metrics",
    response: { raw: "the series of docs/metrics.md in Prometheus' text format (0.0.4)" },
  },
} as const satisfies Record<string, RouteSpec>;

function channelParam() {
  return z.object({ id: z.string().min(1).max(64).describe("notification channel") });
}

function rolloutParam() {
  return z.object({ id: z.union([z.literal("current"), Id]).describe("rollout") });
}

export type Routes = typeof ROUTES;
export type RouteName = keyof Routes;

/** Fills `:param` segments, URL-encoding each value. */
export function routePath(name: RouteName, params: Readonly<Record<string, string>> = {}): string {
  return fillPath(ROUTES[name].path, params, name);
}

type Spec<N extends RouteName> = Routes[N];
/** Routes that answer JSON, and those that answer anything else (a page, a binary). */
export type JsonRouteName = {
  [N in RouteName]: Spec<N>["response"] extends z.ZodType ? N : never;
}[RouteName];
export type RawRouteName = Exclude<RouteName, JsonRouteName>;

/** What a route answers, as the client reads it. */
export type ResponseOf<N extends RouteName> = Spec<N>["response"] extends z.ZodType
  ? z.output<Spec<N>["response"]>
  : never;
/** What a route's handler may answer with: the response schema's input (defaults optional). */
export type ReplyOf<N extends RouteName> = Spec<N>["response"] extends z.ZodType
  ? z.input<Spec<N>["response"]>
  : never;
export type BodyOf<N extends RouteName> =
  Spec<N> extends { body: z.ZodType } ? z.input<Spec<N>["body"]> : undefined;
export type ParamsOf<N extends RouteName> =
  Spec<N> extends { params: z.ZodObject } ? Record<keyof z.output<Spec<N>["params"]>, string> : undefined;
export type QueryOf<N extends RouteName> =
  Spec<N> extends { query: z.ZodObject }
    ? { [K in keyof z.output<Spec<N>["query"]>]?: string | number | boolean }
    : undefined;

/** The request as the handler gets it: validated and typed. */
export interface RequestOf<N extends RouteName> {
  params: Spec<N> extends { params: z.ZodObject } ? z.output<Spec<N>["params"]> : Record<string, never>;
  query: Spec<N> extends { query: z.ZodObject } ? z.output<Spec<N>["query"]> : Record<string, never>;
  body: Spec<N> extends { body: z.ZodType } ? z.output<Spec<N>["body"]> : undefined;
}
