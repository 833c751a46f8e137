// A load generator process: a few thousand simulated hosts on one event loop, driven over IPC
// by bench/main.ts. Several of these run at once, so that no process needs more sockets than
// its file limit allows and the load is spread over the machine's cores.
import { readFileSync } from "node:fs";
import { HttpConn } from "./http-conn.ts";
import type {
  DispatchSample,
  Envelope,
  GeneratorInit,
  GeneratorReply,
  GeneratorRequest,
  GeneratorStats,
  StateStepName,
  StepResult,
} from "./messages.ts";
import { newSimShared, SimAgent, type SimShared } from "./sim-agent.ts";
import { VitalsSender } from "./vitals.ts";

let init: GeneratorInit | null = null;
let agents: SimAgent[] = [];
const shared: SimShared = newSimShared("", ["", ""]);
const adminPool: HttpConn[] = [];
/** One side connection per setup lane: hellos and state reports while hosts hold their polls. */
const sideConns: HttpConn[] = [];
let vitals: VitalsSender | null = null;

async function handle(req: GeneratorRequest): Promise<unknown> {
  switch (req.op) {
    case "init": {
      init = req.init;
      shared.adminToken = init.adminToken;
      shared.pollWaitSeconds = init.pollWaitSeconds;
      shared.configCommits = init.configCommits;
      const { hostname, port, prefix } = init;
      agents = Array.from(
        { length: init.count },
        (_, i) => new SimAgent(`${prefix}-${i}`, new HttpConn(hostname, port), shared),
      );
      return null;
    }
    case "enroll":
      return forAll((a) => a.enroll());
    case "hello":
      return forAll((a) => a.hello());
    case "stateStep":
      return forAll(stateStep(req.step), init!.stateConcurrency);
    case "drainPollLate": {
      const samples = shared.pollLateMs;
      shared.pollLateMs = [];
      return samples;
    }
    case "burst": {
      shared.burstRoundTrips = 0;
      shared.burstUntil = Date.now() + req.durationMs;
      const started = performance.now();
      for (const a of agents) a.start();
      await Bun.sleep(req.durationMs);
      // Round trips still in flight at the deadline finish after it; count only those before.
      return { roundTrips: shared.burstRoundTrips, ms: performance.now() - started };
    }
    case "longPoll":
      for (const a of agents) a.start();
      return null;
    case "stats":
      return stats();
    case "dispatch":
      return dispatch(req.count, req.ratePerSecond, req.timeoutMs);
    case "update":
      shared.updateTarget = { version: req.version, sha256: req.sha256 };
      return null;
    case "hostIds":
      return agents.slice(0, req.count).map((a) => a.hostId);
    case "vitalsStart":
      vitals = new VitalsSender(agents, init!.hostname, init!.port, req.intervalMs);
      return null;
    case "vitalsStop": {
      const tally = await vitals?.stop();
      vitals = null;
      return tally ?? { sent: 0, failed: 0, firstError: null, latenciesMs: [] };
    }
    case "stop":
      shared.stopped = true;
      for (const a of agents) a.conn.close();
      for (const c of adminPool) c.close();
      for (const c of sideConns) c.close();
      setTimeout(() => process.exit(0), 50);
      return null;
  }
}

function stateStep(step: StateStepName): (a: SimAgent, side: HttpConn) => Promise<void> {
  switch (step) {
    case "helloNoState":
      return (a, side) => a.hello(side, "none");
    case "helloFirstState":
      return (a, side) => a.hello(side, "first");
    case "helloSameState":
      return (a, side) => a.hello(side, "keep");
    case "reportState":
      return (a, side) => a.reportState(side);
  }
}

/**
 * Runs `fn` for every host, `lanes` (setupConcurrency) at a time, each lane with its own side connection;
 * answers how long it took, what failed, and each call's latency.
 */
async function forAll(
  fn: (a: SimAgent, side: HttpConn) => Promise<void>,
  lanes = init!.setupConcurrency,
): Promise<StepResult> {
  const started = performance.now();
  let next = 0;
  let failed = 0;
  let firstError: string | null = null;
  const latenciesMs: number[] = [];
  while (sideConns.length < lanes) sideConns.push(new HttpConn(init!.hostname, init!.port));
  const lane = async (side: HttpConn) => {
    while (next < agents.length) {
      const agent = agents[next++]!;
      const t0 = performance.now();
      try {
        await fn(agent, side);
        latenciesMs.push(performance.now() - t0);
      } catch (err) {
        failed++;
        firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(sideConns.slice(0, lanes).map(lane));
  return { ms: performance.now() - started, failed, firstError, latenciesMs };
}

function stats(): GeneratorStats {
  const proc = readFileSync("/proc/self/stat", "utf8");
  const fields = proc.slice(proc.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return {
    agents: agents.length,
    holding: shared.holding,
    polls: shared.polls,
    agentsWithErrors: agents.filter((a) => a.hadError).length,
    errors: { ...shared.errors },
    idleCloses: agents.reduce((n, a) => n + a.conn.idleCloses, 0),
    rssBytes: process.memoryUsage.rss(),
    cpuMs: ticks * 10,
  };
}

async function adminRequest(path: string, json: unknown) {
  const conn = adminPool.pop() ?? new HttpConn(init!.hostname, init!.port);
  try {
    return await conn.request("POST", path, { token: shared.adminToken, json, timeoutMs: 30_000 });
  } finally {
    adminPool.push(conn);
  }
}

/**
 * Sends `count` commands at a steady rate (open loop: a slow answer does not delay the next send),
 * each to a different host, and measures each from the admin POST to the host having it.
 */
async function dispatch(count: number, ratePerSecond: number, timeoutMs: number) {
  const sent: { t0: number; accepted: number; jobId: string }[] = [];
  let failed = 0;
  const interval = 1000 / ratePerSecond;
  const start = performance.now();
  const posts: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const due = start + i * interval;
    const delay = due - performance.now();
    if (delay > 1) await Bun.sleep(delay);
    const agent = agents[(i * 7919) % agents.length]!;
    const t0 = performance.now();
    posts.push(
      adminRequest(`/api/v1/hosts/${agent.hostId}/jobs`, { op: "pull" })
        .then((reply) => {
          if (reply.status !== 201) throw new Error(`status ${reply.status}: ${reply.body.slice(0, 200)}`);
          const jobId = (JSON.parse(reply.body) as { job: { id: string } }).job.id;
          sent.push({ t0, accepted: performance.now(), jobId });
        })
        .catch(() => {
          failed++;
        }),
    );
  }
  await Promise.all(posts);
  const deadline = performance.now() + timeoutMs;
  while (sent.some((s) => !shared.received.has(s.jobId)) && performance.now() < deadline) await Bun.sleep(20);
  const samples: DispatchSample[] = [];
  let missing = 0;
  for (const s of sent) {
    const at = shared.received.get(s.jobId);
    if (at === undefined) missing++;
    else samples.push({ latencyMs: at - s.t0, acceptMs: s.accepted - s.t0 });
  }
  return { samples, failed, missing };
}

process.on("message", (message: Envelope<GeneratorRequest>) => {
  handle(message.body).then(
    (result) =>
      process.send!({ id: message.id, body: { ok: true, result } } satisfies Envelope<GeneratorReply>),
    (err: Error) =>
      process.send!({
        id: message.id,
        body: { ok: false, error: err.stack ?? String(err) },
      } satisfies Envelope<GeneratorReply>),
  );
});
