// The agent's side of the wire: its calls to fleetd's agent routes, by name, on the one client
// (protocol/client.ts), which checks every answer and turns every failure into an ApiError.
import { type Client, createClient } from "../protocol/client.ts";
import type { HostState } from "../protocol/config-state.ts";
import { type Hello, type JobEvents, type JobResult, ROUTES } from "../protocol/index.ts";
import type { HostVitals } from "../protocol/vitals.ts";

/** Time allowed for a non-poll request. */
export const REQUEST_TIMEOUT_MS = 15_000;
/** Extra time past the server's poll window before the agent gives up on a held poll. */
export const POLL_SLACK_MS = 10_000;

/** A refused token will not fix itself quickly: wait at least this long between tries. */
export const AUTH_RETRY_MS = 60_000;

export class AgentClient {
  private readonly client: Client;

  constructor(server: string, token: string | null) {
    this.client = createClient({ server, routes: ROUTES, token, timeoutMs: REQUEST_TIMEOUT_MS });
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
