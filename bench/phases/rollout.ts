// Rollouts over simulated hosts, canary 1, then fleetd's growing batches (or a fixed --batch): an
// agent update (each host gets its update command in its held poll, reports it started, and says
// hello on the manifest's version and hash; fleetd counts it done after the soak, FLEET_LIMITS
// updateSoakMs), and a config deploy of the same hosts (each reports the state the deploy leaves,
// then the `deployed` outcome; fleetd counts it done once the state shows the commit and the host
// stayed online through the soak). Wall time is POST to completed; fleetd's CPU is read from /proc
// over the same span; each group's span comes from the hosts' own times in the finished rollout.
import type { GeneratorPool } from "../generators.ts";
import type { BenchOptions } from "../options.ts";
import { cpuMs } from "../proc.ts";
import type { Target } from "../targets.ts";

/**
 * Which rollout: the update installs what fleetd serves (its soak is fleetd's updateSoakMs, inside
 * each host's job, given here for the record); the deploy brings hosts to `commit` and soaks in
 * the rollout for `soakSeconds`.
 */
export type RolloutKind =
  | { kind: "update"; soakSeconds: number }
  | { kind: "deploy"; commit: string; soakSeconds: number };

export interface RolloutResult {
  hosts: number;
  /** null: growing batches. */
  batch: number | null;
  /** Soak per host, s (an update's is fleetd's updateSoakMs, inside its job). */
  soakSeconds: number;
  wallMs: number;
  /** Per group (canary, batch 1, ...): where the wall time went. */
  groups: GroupSpan[];
  /** fleetd's CPU time (user + system) from the POST to the rollout's end, ms. */
  serverCpuMs: number;
  state: string;
  done: number;
  failed: number;
  skipped: number;
}

/** One group of the finished rollout, in ms from the rollout's creation. */
export interface GroupSpan {
  group: number;
  hosts: number;
  /** Its first host dispatched... */
  firstStartMs: number;
  /** ...its last host's job succeeded (the soak of a deploy starts there)... */
  lastJobDoneMs: number;
  /** ...and its last host done. */
  lastDoneMs: number;
}

interface WireHost {
  state: string;
  group: number;
  phase: string;
  startedAt?: string;
  soakingSince?: string;
  finishedAt?: string;
}

interface RolloutBody {
  rollout: { id: string; state: string; createdAt: string; hosts: WireHost[] };
}

/** The phase: the update of `rolloutHosts` hosts, then a deploy of the same hosts to `commit`. */
export async function measureRollouts(
  target: Target,
  pool: GeneratorPool,
  opts: BenchOptions,
  commit: string,
  log: (line: string) => void,
): Promise<{ rollout: RolloutResult; deploy: RolloutResult }> {
  const batches = opts.rolloutBatch === null ? "growing batches" : `batch ${opts.rolloutBatch}`;
  // The deploy soaks as long as the update, so the two compare step for step.
  const soakSeconds = Math.max(1, Math.round(opts.updateSoakMs / 1000));
  const results: RolloutResult[] = [];
  for (const kind of [
    { kind: "update", soakSeconds },
    { kind: "deploy", commit, soakSeconds },
  ] satisfies RolloutKind[]) {
    log(`${kind.kind}: ${opts.rolloutHosts} hosts, canary 1, ${batches}, soak ${soakSeconds} s`);
    const result = await runRollout(target, pool, opts.rolloutHosts, opts.rolloutBatch, 300_000, kind);
    log(`${kind.kind}: ${result.state} in ${(result.wallMs / 1000).toFixed(1)} s (${result.done} done)`);
    log(`${kind.kind}: ${describeSpans(result.groups)}`);
    results.push(result);
  }
  return { rollout: results[0]!, deploy: results[1]! };
}

export async function runRollout(
  target: Target,
  pool: GeneratorPool,
  hostCount: number,
  batch: number | null,
  timeoutMs: number,
  kind: RolloutKind,
): Promise<RolloutResult> {
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${target.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${target.adminToken}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  };

  if (kind.kind === "update") await _announceUpdateTarget(api, pool);

  const perGenerator = await pool.all<string[]>({ op: "hostIds", count: hostCount });
  const hosts = interleave(perGenerator).slice(0, hostCount);

  const pid = target.proc.pid;
  const cpuBefore = cpuMs(pid);
  const started = performance.now();
  const sizes = { canary: 1, ...(batch === null ? {} : { batch }) };
  const body =
    kind.kind === "update"
      ? { kind: "update", ...sizes, hosts }
      : { kind: "deploy", commit: kind.commit, soakSeconds: kind.soakSeconds, ...sizes, hosts };
  const { rollout } = await api<RolloutBody>("POST", "/api/v1/rollouts", body);
  let current = rollout;
  while (current.state === "running") {
    if (performance.now() - started > timeoutMs)
      throw new Error(`rollout still running after ${timeoutMs} ms`);
    await Bun.sleep(100);
    current = (await api<RolloutBody>("GET", `/api/v1/rollouts/${rollout.id}`)).rollout;
  }
  const wallMs = performance.now() - started;
  const serverCpuMs = cpuMs(pid) - cpuBefore;
  const count = (state: string) => current.hosts.filter((h) => h.state === state).length;
  return {
    hosts: hosts.length,
    batch,
    soakSeconds: kind.soakSeconds,
    wallMs,
    groups: groupSpans(current),
    serverCpuMs,
    state: current.state,
    done: count("done"),
    failed: count("failed"),
    skipped: count("skipped"),
  };
}

/** Each group's first dispatch, last job success and last host done. */
export function groupSpans(rollout: RolloutBody["rollout"]): GroupSpan[] {
  const t0 = Date.parse(rollout.createdAt);
  const at = (iso: string | undefined) => (iso ? Date.parse(iso) - t0 : Number.NaN);
  const spans = new Map<number, GroupSpan>();
  for (const h of rollout.hosts) {
    if (h.phase === "none") continue;
    const span = spans.get(h.group) ?? {
      group: h.group,
      hosts: 0,
      firstStartMs: Number.POSITIVE_INFINITY,
      lastJobDoneMs: 0,
      lastDoneMs: 0,
    };
    span.hosts++;
    // A host skipped at dispatch (offline, say) was never started and never soaked.
    if (h.startedAt) span.firstStartMs = Math.min(span.firstStartMs, at(h.startedAt));
    if (h.soakingSince) span.lastJobDoneMs = Math.max(span.lastJobDoneMs, at(h.soakingSince));
    if (h.finishedAt) span.lastDoneMs = Math.max(span.lastDoneMs, at(h.finishedAt));
    spans.set(h.group, span);
  }
  return [...spans.values()].sort((a, b) => a.group - b.group);
}

/** "canary 1: 0.0 → 10.4 s · batch 1, 10 hosts: 10.5 → 21.0 s · ..." */
export function describeSpans(spans: GroupSpan[]): string {
  const s = (ms: number) => (ms / 1000).toFixed(1);
  return spans
    .map(
      (g) =>
        `${g.group === 0 ? "canary" : `batch ${g.group}`}, ${g.hosts} host${g.hosts === 1 ? "" : "s"}: ` +
        `${s(g.firstStartMs)} → ${s(g.lastDoneMs)} s`,
    )
    .join(" · ");
}

type Api = <T>(method: string, path: string, body?: unknown) => Promise<T>;

/** Tells every simulated host what "the new agent" reports in its hello: the served build. */
async function _announceUpdateTarget(api: Api, pool: GeneratorPool): Promise<void> {
  const manifest = await api<{ version: string; artifacts: Artifact[] }>(
    "GET",
    "/api/v1/artifacts/manifest.json",
  );
  const agent = manifest.artifacts.find(
    (a) => a.program === "fleet-agent" && a.platform === "linux" && a.arch === "x64",
  );
  if (!agent) throw new Error("the served manifest has no fleet-agent for linux-x64");
  await pool.all({ op: "update", version: manifest.version, sha256: agent.sha256 });
}

interface Artifact {
  program: string;
  platform: string;
  arch: string;
  sha256: string;
}

/** Hosts from every generator in turn, so every process takes its share of the rollout. */
function interleave(lists: string[][]): string[] {
  const out: string[] = [];
  for (let i = 0; lists.some((l) => i < l.length); i++)
    for (const l of lists) if (i < l.length) out.push(l[i]!);
  return out;
}
