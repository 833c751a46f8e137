// What the orchestrator (bench/main.ts) and a generator process say to each other over IPC:
// each request carries an id, and the generator answers it with the same id.

export interface GeneratorInit {
  /** Where the server under test listens (loopback). */
  hostname: string;
  port: number;
  adminToken: string;
  /** Simulated hosts in this process, named `${prefix}-${i}`. */
  count: number;
  prefix: string;
  /** Seconds each long-poll asks to be held (the server's window caps it). */
  pollWaitSeconds: number;
  /** Requests in flight at once while enrolling and connecting. */
  setupConcurrency: number;
  /** ...and in the config-state passes, where each request's latency is the figure. */
  stateConcurrency: number;
  /** The config repo's two commits (oldest first) the hosts' states name. */
  configCommits: [string, string];
}

export type GeneratorRequest =
  | { op: "init"; init: GeneratorInit }
  | { op: "enroll" }
  | { op: "hello" }
  /**
   * Every host once more, on side connections (its own holds its poll): a hello without state,
   * with its first state, or with that same state again; or its one agentState report of a change.
   */
  | { op: "stateStep"; step: StateStepName }
  /** The held polls' lateness samples since the last drain (and forgets them). */
  | { op: "drainPollLate" }
  | { op: "burst"; durationMs: number }
  | { op: "longPoll" }
  | { op: "stats" }
  | { op: "dispatch"; count: number; ratePerSecond: number; timeoutMs: number }
  | { op: "update"; version: string; sha256: string }
  | { op: "hostIds"; count: number }
  /** Every host starts sending vitals once per interval, spread over it (see vitals.ts)... */
  | { op: "vitalsStart"; intervalMs: number }
  /** ...until this, which answers what was sent (VitalsTally). */
  | { op: "vitalsStop" }
  | { op: "stop" };

export type StateStepName = "helloNoState" | "helloFirstState" | "helloSameState" | "reportState";

/** What a setup or state step answers: its wall time, what failed, and each request's latency. */
export interface StepResult {
  ms: number;
  failed: number;
  firstError: string | null;
  latenciesMs: number[];
}

export interface ErrorCounts {
  /** Connections refused or failed to open. */
  connect: number;
  /** Connections the server closed while a request was outstanding. */
  closed: number;
  /** Requests unanswered past their deadline (a held poll: window + 10 s). */
  timeout: number;
  /** Answers with a status >= 400. */
  status: number;
}

export interface GeneratorStats {
  agents: number;
  /** Hosts with a long-poll outstanding right now. */
  holding: number;
  /** Poll round trips completed since start. */
  polls: number;
  /** Hosts that ever saw an error (a dropped host, for the report). */
  agentsWithErrors: number;
  errors: ErrorCounts;
  /** Idle keep-alive connections the server closed (benign; the next request reconnects). */
  idleCloses: number;
  rssBytes: number;
  cpuMs: number;
}

export interface DispatchSample {
  /** Admin POST sent → the simulated agent has parsed the poll answer carrying the command. */
  latencyMs: number;
  /** Admin POST sent → its 201 came back. */
  acceptMs: number;
}

export type GeneratorReply = { ok: true; result?: unknown } | { ok: false; error: string };

export interface Envelope<T> {
  id: number;
  body: T;
}
