// A simulated host: the agent protocol without the agent. It enrolls, says hello, long-polls on
// one keep-alive connection, and answers commands the way a real agent would on the wire: a run
// command is started and finished at once (events {started}, then a result), an update is started
// and then announced by a hello on the target version and hash, as the new agent process would; a
// deploy reports the state it leaves (the commit switched to, the next generation) before its result.
// Once it has a config state (HostState), every hello carries it, as a starting agent's does: whole
// the first time, then named by its hash (stateHash) once fleetd has acknowledged it.

import { hostStateHash } from "../../agent/state/state-hash.ts";
import type { HostState } from "../../protocol/config-state.ts";
import { simDeployedState, simHostState } from "./host-state.ts";
import { simVitals } from "./host-vitals.ts";
import { type HttpConn, HttpTransportError } from "./http-conn.ts";
import type { ErrorCounts } from "./messages.ts";

/** What every simulated host in one generator process shares. */
export interface SimShared {
  adminToken: string;
  pollWaitSeconds: number;
  /** While Date.now() is below this, polls ask for wait=0 and are counted as a burst. */
  burstUntil: number;
  burstRoundTrips: number;
  polls: number;
  holding: number;
  errors: ErrorCounts;
  /**
   * How much later than asked each held poll came back empty (round trip minus its wait), ms:
   * the server's cost per poll as latency, collected by the poll loops and drained by the phases.
   */
  pollLateMs: number[];
  /** jobId → when the command reached its host (performance.now()). */
  received: Map<string, number>;
  /** The config repo's two commits (oldest first) the hosts' states name. */
  configCommits: [string, string];
  /** What an update makes a host report in its next hello. */
  updateTarget: { version: string; sha256: string } | null;
  stopped: boolean;
}

/** Shared counters at zero, before the first host starts. */
export function newSimShared(adminToken: string, configCommits: [string, string]): SimShared {
  return {
    adminToken,
    pollWaitSeconds: 25,
    burstUntil: 0,
    burstRoundTrips: 0,
    polls: 0,
    holding: 0,
    errors: { connect: 0, closed: 0, timeout: 0, status: 0 },
    pollLateMs: [],
    received: new Map(),
    configCommits,
    updateTarget: null,
    stopped: false,
  };
}

const REQUEST_TIMEOUT_MS = 30_000;
/** What a real agent allows past the server's window before it gives up on a poll. */
const POLL_SLACK_MS = 10_000;
/** Pause after a failed request, so a refusing server is not hammered. */
const RETRY_MS = 1_000;

const FAKE_SHA = "0".repeat(64);
/** Every op a current agent runs, as its hello lists them: deploy included. */
const AGENT_OPS = ["pull", "switch", "test", "restart", "update", "deploy", "rollback"];

export class SimAgent {
  hostId = "";
  private hostToken = "";
  private version = "0.0.0-bench";
  private sha256 = FAKE_SHA;
  private activeJobs: string[] = [];
  /** The config state this host last reported; null until it reports one. */
  private state: HostState | null = null;
  /** The hash of the state fleetd acknowledged, which a hello then sends instead of the state. */
  private ackedHash: string | null = null;
  hadError = false;
  private spread = false;
  private loop: Promise<void> | null = null;

  constructor(
    readonly name: string,
    readonly conn: HttpConn,
    private readonly shared: SimShared,
  ) {}

  /** Setup: one enroll token from the admin API, traded for this host's id and token. */
  async enroll(conn = this.conn): Promise<void> {
    const admin = this.shared.adminToken;
    const created = await this._call("POST", "/api/v1/enroll-tokens", admin, {}, { conn });
    const { token } = JSON.parse(created) as { token: string };
    const enrolled = await this._call(
      "POST",
      "/api/v1/enroll",
      undefined,
      { token, name: this.name },
      { conn },
    );
    const body = JSON.parse(enrolled) as { hostId: string; hostToken: string };
    this.hostId = body.hostId;
    this.hostToken = body.hostToken;
  }

  /**
   * `conn`: the host's own connection, or (while its poll is held there) a side connection, as a
   * real agent's fetch opens one. `state`: "keep" sends what it has (none before a report), by
   * hash once acknowledged.
   */
  async hello(conn = this.conn, state: "none" | "keep" | "first" = "keep"): Promise<void> {
    if (state === "first") this.state = simHostState(this.name, 0, this.shared.configCommits);
    const report = state === "none" ? undefined : (this.state ?? undefined);
    const byHash = state === "keep" && this.ackedHash !== null;
    await this.helloWith(conn, byHash ? { stateHash: this.ackedHash! } : report ? { state: report } : {});
    if (report && !byHash) this.ackedHash = hostStateHash(report);
  }

  /**
   * A hello carrying exactly `extra` besides the host's identity, for bench/hello-state.ts: a
   * given state or a state's hash. What the host keeps as its own state is left as it is.
   */
  async helloWith(conn: HttpConn, extra: { state?: HostState; stateHash?: string }): Promise<void> {
    await this._call(
      "POST",
      "/api/v1/agent/hello",
      this.hostToken,
      {
        protocol: 1,
        version: this.version,
        sha256: this.sha256,
        platform: "linux",
        arch: "x64",
        hostname: this.name,
        os: { name: "Linux", release: "6.1.0-bench", distro: "debian" },
        pid: 1000,
        bootId: "bench-boot",
        activeJobs: this.activeJobs,
        ops: AGENT_OPS,
        ...extra,
      },
      { conn },
    );
  }

  /** The one agentState message of a change: the host pulled the config repo's next commit. */
  async reportState(conn: HttpConn): Promise<void> {
    this.state = simHostState(this.name, 1, this.shared.configCommits);
    await this._call("POST", "/api/v1/agent/state", this.hostToken, this.state, { conn });
    this.ackedHash = hostStateHash(this.state);
  }

  /** One vitals sample, as the agent sends every vitalsIntervalSeconds; `round` varies its numbers. */
  async reportVitals(conn: HttpConn, round: number): Promise<void> {
    await this._call("POST", "/api/v1/agent/vitals", this.hostToken, simVitals(this.name, round), { conn });
  }

  /** Starts the poll loop; it runs until the generator stops. */
  start(): void {
    this.loop ??= this._pollLoop();
  }

  private async _pollLoop(): Promise<void> {
    const s = this.shared;
    while (!s.stopped) {
      const burst = Date.now() < s.burstUntil;
      let wait = burst ? 0 : s.pollWaitSeconds;
      if (!burst && !this.spread) {
        // Real agents' polls are spread over the window; hosts started together would otherwise
        // all re-poll in the same instant every window. One shorter first poll spreads them.
        wait = 1 + Math.floor(Math.random() * s.pollWaitSeconds);
        this.spread = true;
      }
      if (!burst) s.holding++;
      let body: string;
      const sent = performance.now();
      try {
        body = await this._call("GET", `/api/v1/agent/poll?wait=${wait}`, this.hostToken, undefined, {
          timeoutMs: wait * 1000 + POLL_SLACK_MS,
        });
      } catch {
        await Bun.sleep(RETRY_MS);
        continue;
      } finally {
        if (!burst) s.holding--;
      }
      s.polls++;
      if (burst) s.burstRoundTrips++;
      const { command } = JSON.parse(body) as { command: Command | null };
      if (!burst && !command) s.pollLateMs.push(performance.now() - sent - wait * 1000);
      if (command?.type === "run") await this._run(command);
    }
  }

  private async _run(command: Command): Promise<void> {
    this.shared.received.set(command.jobId, performance.now());
    const events = `/api/v1/agent/jobs/${command.jobId}/events`;
    try {
      await this._call("POST", events, this.hostToken, { started: true });
      if (command.op === "update") {
        const target = this.shared.updateTarget;
        if (target) {
          this.version = target.version;
          this.sha256 = target.sha256;
        }
        // The new agent still holds the update job; a hello without it would make it "lost".
        this.activeJobs = [command.jobId];
        await this.hello();
        this.activeJobs = [];
        return;
      }
      const deployed = command.op === "deploy" ? await this._deploy(String(command.args?.commit)) : null;
      await this._call("POST", `/api/v1/agent/jobs/${command.jobId}/result`, this.hostToken, {
        state: "succeeded",
        exitCode: 0,
        outputLines: 0,
        ...(deployed ? { outcome: deployed } : {}),
      });
    } catch {
      // Counted in _call; the server will settle the job (lost or timed out).
    }
  }

  /** A deploy that switched, was confirmed and passed its tests: the state report, then the outcome. */
  private async _deploy(commit: string) {
    const before = this.state ?? simHostState(this.name, 0, this.shared.configCommits);
    this.state = simDeployedState(before, commit);
    await this._call("POST", "/api/v1/agent/state", this.hostToken, this.state);
    this.ackedHash = hostStateHash(this.state);
    return {
      op: "deploy",
      kind: "deployed",
      commit,
      generationBefore: before.system?.generation ?? null,
      generationAfter: this.state.system?.generation ?? null,
    };
  }

  private async _call(
    method: string,
    path: string,
    token: string | undefined,
    json?: unknown,
    opts: { timeoutMs?: number; conn?: HttpConn } = {},
  ): Promise<string> {
    try {
      const reply = await (opts.conn ?? this.conn).request(method, path, {
        token,
        json,
        timeoutMs: opts.timeoutMs ?? REQUEST_TIMEOUT_MS,
      });
      if (reply.status >= 400) {
        this._error("status");
        throw new Error(`${method} ${path}: ${reply.status} ${reply.body.slice(0, 200)}`);
      }
      return reply.body;
    } catch (err) {
      if (err instanceof HttpTransportError) this._error(err.kind);
      throw err;
    }
  }

  private _error(kind: keyof ErrorCounts): void {
    if (this.shared.stopped) return;
    this.shared.errors[kind]++;
    this.hadError = true;
  }
}

interface Command {
  type: "run" | "cancel";
  jobId: string;
  op?: string;
  args?: Record<string, unknown>;
}
