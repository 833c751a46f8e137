// The counting proxy, and a sick fleetd for backoff tests: a loopback server between a real agent
// and a real fleetd that passes requests through (and only that, in its "pass" mode), answers 500,
// hands out a command no agent can parse, or stops listening, and records every request by route
// so a test can count them or measure how hard the agent retries.
import type { Server } from "bun";

/**
 * pass: everything reaches fleetd. fail: every request gets 500. fail-polls: hello passes, polls
 * get 500. bad-command: hello passes, every poll is answered at once with an unparseable command.
 * down: nothing listens on the port (connection refused).
 */
export type FlakyMode = "pass" | "fail" | "fail-polls" | "bad-command" | "down";

export interface SeenRequest {
  /** When the request arrived. */
  at: number;
  /** hello, poll, events, result, or the path for anything else. */
  route: string;
  /** 0 while it is still held upstream (a long poll). */
  status: number;
}

const SICK = JSON.stringify({ error: { code: "internal", message: "fleetd is sick (test)" } });
/** A run command with an op no agent knows: the agent's schema refuses the whole poll response. */
const UNPARSEABLE = JSON.stringify({
  command: { type: "run", jobId: "j_unparseable", op: "frobnicate", args: {} },
});

export class FlakyFleetd {
  readonly seen: SeenRequest[] = [];
  private mode: FlakyMode = "pass";
  private server: Server<undefined> | null = null;
  /** Requests held upstream (long polls): cut when the mode changes, so the change is immediate. */
  private readonly inflight = new Set<AbortController>();

  private port = 0;

  private constructor(private readonly upstream: string) {}

  static start(upstream: string): FlakyFleetd {
    const flaky = new FlakyFleetd(upstream);
    flaky._listen(0);
    // Later listens (after "down") take the same port, as a restarted fleetd would.
    flaky.port = flaky.server!.port!;
    return flaky;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  set(mode: FlakyMode): void {
    if (mode === this.mode) return;
    this.mode = mode;
    for (const held of this.inflight) held.abort();
    if (mode === "down") {
      this.server?.stop(true);
      this.server = null;
    } else if (!this.server) this._listen(this.port);
  }

  /** Requests to `route` at or after `since` (ms epoch), and before `until`. */
  requests(route: string, since = 0, until = Number.POSITIVE_INFINITY): SeenRequest[] {
    return this.seen.filter((s) => s.route === route && s.at >= since && s.at < until);
  }

  stop(): void {
    for (const held of this.inflight) held.abort();
    this.server?.stop(true);
    this.server = null;
  }

  private _listen(port: number): void {
    this.server = Bun.serve({
      port,
      hostname: "127.0.0.1",
      idleTimeout: 120,
      fetch: (req) => this._handle(req),
    });
  }

  private async _handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const route = _routeOf(url.pathname);
    const seen: SeenRequest = { at: Date.now(), route, status: 0 };
    this.seen.push(seen);
    const answer = (status: number, body: string) => {
      seen.status = status;
      return new Response(body, { status, headers: { "content-type": "application/json" } });
    };
    const agentPath = route === "poll" || route === "events" || route === "result" || route === "hello";
    if (agentPath && this.mode === "fail") return answer(500, SICK);
    if (route === "poll" && this.mode === "fail-polls") return answer(500, SICK);
    if (route === "poll" && this.mode === "bad-command") return answer(200, UNPARSEABLE);
    const held = new AbortController();
    this.inflight.add(held);
    try {
      const upstream = await fetch(`${this.upstream}${url.pathname}${url.search}`, {
        method: req.method,
        headers: req.headers,
        body: req.method === "GET" ? undefined : await req.arrayBuffer(),
        signal: AbortSignal.any([held.signal, req.signal]),
      });
      const body = await upstream.text();
      return answer(upstream.status, body);
    } catch {
      // Cut by a mode change: answer as the new mode would have.
      return answer(500, SICK);
    } finally {
      this.inflight.delete(held);
    }
  }
}

function _routeOf(path: string): string {
  const m = path.match(/^\/api\/v1\/agent\/(hello|poll|jobs\/[^/]+\/(events|result))$/);
  if (!m) return path;
  return m[2] ?? m[1]!;
}

/** Gaps in seconds between consecutive requests, rounded to 0.01 s for readable logs. */
export function gapsOf(requests: SeenRequest[]): number[] {
  const gaps: number[] = [];
  for (let i = 1; i < requests.length; i++)
    gaps.push(Math.round((requests[i]!.at - requests[i - 1]!.at) / 10) / 100);
  return gaps;
}
