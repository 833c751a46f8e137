// The write-heavy workload the crash test kills fleetd under: operators creating jobs, agents
// (driven over the agent API with their host tokens, no process needed) taking jobs and
// reporting output and results, and an operator starting, pausing, resuming and cancelling
// rollouts. Every write fleetd acknowledges is written down, so the test can demand it back.
import { PROTOCOL_VERSION } from "../../protocol/common.ts";

export interface Ledger {
  /** Jobs whose creation fleetd acknowledged. */
  created: Set<string>;
  /** Job id → output seqs acknowledged (events answered 200). */
  output: Map<string, Set<number>>;
  /** Job id → the result state acknowledged. */
  results: Map<string, string>;
  /** The last rollout change acknowledged, and the one in flight when fleetd died. */
  rollout: { id: string; state: string } | null;
  pendingRollout: { id: string | null; op: RolloutOp } | null;
}

export type RolloutOp = "start" | "pause" | "resume" | "cancel";

export const newLedger = (): Ledger => ({
  created: new Set(),
  output: new Map(),
  results: new Map(),
  rollout: null,
  pendingRollout: null,
});

export interface Api {
  url: string;
  adminToken: string;
}

async function call(api: Api, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** Runs `step` until it throws (fleetd died) or `stop` says so. */
async function until(stop: () => boolean, step: () => Promise<void>): Promise<void> {
  while (!stop()) {
    try {
      await step();
    } catch {
      return;
    }
  }
}

export function operatorWriter(api: Api, hostIds: string[], ledger: Ledger, stop: () => boolean) {
  return until(stop, async () => {
    const host = hostIds[Math.floor(Math.random() * hostIds.length)]!;
    const r = await call(api, api.adminToken, "POST", `/api/v1/hosts/${host}/jobs`, { op: "test" });
    if (r.status === 201) ledger.created.add(r.body.job.id);
    await Bun.sleep(10);
  });
}

export interface VirtualAgent {
  hostId: string;
  token: string;
  /** The job it is working on; named in its hello so a restarted fleetd does not requeue it. */
  current: string | null;
  nextSeq: number;
  /** Like the real agent's spool: once output is sent, only the result is retried. */
  result: "succeeded" | "failed" | null;
}

/** One agent's life between two kills: hello, then poll → events → result, job after job. */
export function agentWorker(api: Api, agent: VirtualAgent, ledger: Ledger, stop: () => boolean) {
  const hello = {
    protocol: PROTOCOL_VERSION,
    version: "0.0.1-old",
    sha256: "0".repeat(64),
    platform: "linux",
    arch: "x64",
    hostname: agent.hostId,
    os: { name: "Linux", release: "6.1" },
    pid: 1,
    bootId: "b",
  };
  let greeted = false;
  return until(stop, async () => {
    if (!greeted) {
      const r = await call(api, agent.token, "POST", "/api/v1/agent/hello", {
        ...hello,
        activeJobs: agent.current ? [agent.current] : [],
      });
      if (r.status !== 200) throw new Error(`hello ${r.status}`);
      greeted = true;
    }
    if (!agent.current) {
      const polled = await call(api, agent.token, "GET", "/api/v1/agent/poll?wait=1");
      const command = polled.body.command;
      if (!command || command.type === "cancel") return;
      agent.current = command.jobId;
      agent.nextSeq = 0;
    }
    const jobId = agent.current!;
    while (agent.result === null && agent.nextSeq < 4) {
      const seqs = [agent.nextSeq, agent.nextSeq + 1];
      const output = seqs.map((seq) => ({
        seq,
        ts: new Date().toISOString(),
        stream: "stdout",
        data: `line ${seq}`,
      }));
      const r = await call(api, agent.token, "POST", `/api/v1/agent/jobs/${jobId}/events`, {
        started: true,
        output,
      });
      if (r.status !== 200) throw new Error(`events ${r.status}`);
      const acked = ledger.output.get(jobId) ?? new Set();
      for (const seq of seqs) acked.add(seq);
      ledger.output.set(jobId, acked);
      agent.nextSeq += 2;
    }
    agent.result ??= Math.random() < 0.8 ? "succeeded" : "failed";
    const r = await call(api, agent.token, "POST", `/api/v1/agent/jobs/${jobId}/result`, {
      state: agent.result,
      exitCode: agent.result === "succeeded" ? 0 : 1,
    });
    if (r.status !== 200) throw new Error(`result ${r.status}`);
    ledger.results.set(jobId, agent.result);
    agent.current = null;
    agent.result = null;
  });
}

/** Starts a rollout when none is active, else pauses, resumes or cancels the current one. */
export function rolloutWriter(api: Api, ledger: Ledger, stop: () => boolean) {
  return until(stop, async () => {
    const current = await call(api, api.adminToken, "GET", "/api/v1/rollouts/current");
    const rollout = current.status === 200 ? current.body.rollout : null;
    const active = rollout && (rollout.state === "running" || rollout.state === "paused");
    const op: RolloutOp = !active
      ? "start"
      : Math.random() < 0.15
        ? "cancel"
        : rollout.state === "running"
          ? "pause"
          : "resume";
    ledger.pendingRollout = { id: active ? rollout.id : null, op };
    const r =
      op === "start"
        ? await call(api, api.adminToken, "POST", "/api/v1/rollouts", { canary: 1, batch: 2 })
        : await call(api, api.adminToken, "POST", `/api/v1/rollouts/${rollout.id}/${op}`);
    if (r.status === 200 || r.status === 201)
      ledger.rollout = { id: r.body.rollout.id, state: r.body.rollout.state };
    ledger.pendingRollout = null;
    await Bun.sleep(30);
  });
}

const AFTER: Record<RolloutOp, string> = {
  start: "running",
  pause: "paused",
  resume: "running",
  cancel: "cancelled",
};

/**
 * States a rollout may be in after a restart, given the last acknowledged change and the one
 * that may or may not have landed. A running one may have moved on by itself.
 */
export function allowedRolloutStates(ledger: Ledger): Set<string> {
  const allowed = new Set<string>();
  if (ledger.rollout) allowed.add(ledger.rollout.state);
  const pending = ledger.pendingRollout;
  if (pending && pending.id === ledger.rollout?.id) allowed.add(AFTER[pending.op]);
  if (allowed.has("running")) for (const s of ["completed", "halted"]) allowed.add(s);
  return allowed;
}

export { call };
