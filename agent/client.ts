// The agent's side of the wire: its calls to fleetd's agent routes, by name, on the one client
// (protocol/client.ts), which checks every answer and turns every failure into an ApiError.
// The answers are checked with the JSON Schemas of their zod schemas (agent/schema-macro.ts), so
// the idle agent never loads zod; the route table comes without schemas, as the board's does.
import { jsonChecker } from "../lib/json-schema-check.ts";
import type { Hello, JobEvents, JobResult } from "../protocol/agent.ts";
import { type Client, type ClientRoutes, createClient } from "../protocol/client.ts";
import type { HostState } from "../protocol/config-state.ts";
import { routeTable } from "../protocol/route-table.ts" with { type: "macro" };
import type { HostVitals } from "../protocol/vitals.ts";
import { jsonSchema } from "./schema-macro.ts" with { type: "macro" };

/** Time allowed for a non-poll request. */
export const REQUEST_TIMEOUT_MS = 15_000;
/** Extra time past the server's poll window before the agent gives up on a held poll. */
export const POLL_SLACK_MS = 10_000;

/** A refused token will not fix itself quickly: wait at least this long between tries. */
export const AUTH_RETRY_MS = 60_000;

const PATHS = routeTable();
const OK = { response: jsonChecker(() => jsonSchema("Ok")) };
/** Every route's method and path; the agent's own with the check of their answers. */
const AGENT_ROUTES: ClientRoutes = {
  ...PATHS,
  enroll: { ...PATHS.enroll, response: jsonChecker(() => jsonSchema("EnrollResponse")) },
  agentHello: { ...PATHS.agentHello, response: jsonChecker(() => jsonSchema("HelloResponse")) },
  agentPoll: { ...PATHS.agentPoll, response: jsonChecker(() => jsonSchema("PollResponse")) },
  agentJobEvents: { ...PATHS.agentJobEvents, response: jsonChecker(() => jsonSchema("JobEventsAck")) },
  agentJobResult: { ...PATHS.agentJobResult, ...OK },
  agentState: { ...PATHS.agentState, ...OK },
  agentVitals: { ...PATHS.agentVitals, ...OK },
};

export class AgentClient {
  private readonly client: Client;

  constructor(server: string, token: string | null) {
    this.client = createClient({ server, routes: AGENT_ROUTES, token, timeoutMs: REQUEST_TIMEOUT_MS });
  }

  hello(body: Hello) {
    return this.client.call("agentHello", { body });
  }

  /** Held by fleetd up to `waitSeconds`; `signal` ends it early (the agent stopping). */
  poll(waitSeconds: number, signal?: AbortSignal) {
    return this.client.call("agentPoll", {
      query: { wait: waitSeconds },
      signal,
      timeoutMs: waitSeconds * 1000 + POLL_SLACK_MS,
    });
  }

  events(jobId: string, body: JobEvents) {
    return this.client.call("agentJobEvents", { params: { id: jobId }, body });
  }

  result(jobId: string, body: JobResult) {
    return this.client.call("agentJobResult", { params: { id: jobId }, body });
  }

  /** The host's config state; fleetd stores it only when it differs from what it has. */
  state(body: HostState) {
    return this.client.call("agentState", { body });
  }

  /** One vitals sample; the same sample again is stored once. */
  vitals(body: HostVitals) {
    return this.client.call("agentVitals", { body });
  }

  enroll(token: string, name: string) {
    return this.client.call("enroll", { body: { token, name } });
  }
}
