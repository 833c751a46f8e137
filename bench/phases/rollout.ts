// Rollouts over simulated hosts, canary 1, then batches: an agent update (each host gets its
// update command in its held poll, reports it started, and says hello on the manifest's version
// and hash; fleetd counts it done after the soak, FLEET_LIMITS updateSoakMs), and a config deploy
// of the same hosts (each reports the state the deploy leaves, then the `deployed` outcome; fleetd
// counts it done once the state shows the commit and the host stayed online through the soak).
// Wall time is POST to completed; fleetd's CPU is read from /proc over the same span.
import type { GeneratorPool } from "../generators.ts";
import { cpuMs } from "../proc.ts";
import type { Target } from "../targets.ts";

/** Which rollout: the update installs what fleetd serves; the deploy brings hosts to `commit`. */
export type RolloutKind = { kind: "update" } | { kind: "deploy"; commit: string; soakSeconds: number };

export interface RolloutResult {
  hosts: number;
  batch: number;
  wallMs: number;
  /** fleetd's CPU time (user + system) from the POST to the rollout's end, ms. */
  serverCpuMs: number;
  state: string;
  done: number;
  failed: number;
  skipped: number;
}

interface RolloutBody {
  rollout: { id: string; state: string; hosts: { state: string }[] };
}

export async function runRollout(
  target: Target,
  pool: GeneratorPool,
  hostCount: number,
  batch: number,
  timeoutMs: number,
  kind: RolloutKind = { kind: "update" },
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
  const body =
    kind.kind === "update"
      ? { kind: "update", batch, canary: 1, hosts }
      : { kind: "deploy", commit: kind.commit, soakSeconds: kind.soakSeconds, batch, canary: 1, hosts };
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
    wallMs,
    serverCpuMs,
    state: current.state,
    done: count("done"),
    failed: count("failed"),
    skipped: count("skipped"),
  };
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
