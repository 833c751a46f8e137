// What config-state reports cost a server (issue 17): with every host holding its poll, each host
// says hello once without state, once with its first state (one stored change each), once with
// that same state again, named by its hash as a restarted agent does (nothing changes), then
// sends its one agentState report of a change (it pulled the next commit). Each pass is timed per request and for the server's
// CPU and bytes written; then a second quiet window, now with every host's state stored, gives
// the steady-state writes and poll lateness to set beside the first window's (no state at all).
// Hellos and reports go on side connections, as a real agent's fetch would open them, so that
// no held poll is disturbed.
import type { StateStepName, StepResult } from "../generator/messages.ts";
import type { GeneratorPool } from "../generators.ts";
import { cpuMs, writeBytes } from "../proc.ts";
import { type LatencySummary, percentile } from "../stats.ts";
import type { Target } from "../targets.ts";
import { measureSteady, type SteadyWindow, slowest } from "./drive.ts";

export interface StatePass {
  wallMs: number;
  failed: number;
  firstError: string | null;
  latencies: LatencySummary;
  /** The server's CPU time over the pass, s. */
  cpuSeconds: number;
  /** What the server wrote to storage over the pass (/proc/<pid>/io write_bytes). */
  writeBytes: number;
}

export interface StateResult {
  passes: Record<StateStepName, StatePass>;
  /** The quiet window after every host reported. */
  steady: SteadyWindow;
  /** fleetd only: how many hosts GET /api/v1/hosts shows on the reported commit afterwards... */
  storedStates: number | null;
  /** ...and the config states fleetd derived for them (all "pulled": at the target, not switched). */
  derivedStates: Record<string, number> | null;
  /** Where fleetd's target came from ("repo": it read bench/config-repo.ts's repo). */
  targetSource: string | null;
  /** fleetd only: an admin GET of the whole fleet before any state and after every report, ms (median of 3). */
  listMs: { boardBefore: number; boardAfter: number; hostsBefore: number; hostsAfter: number } | null;
}

// The first pass opens the side connections; it is done twice so that the figure is the second.
const _PASSES: StateStepName[] = [
  "helloNoState",
  "helloNoState",
  "helloFirstState",
  "helloSameState",
  "reportState",
];

export async function measureStateReports(
  target: Target,
  pool: GeneratorPool,
  opts: { agents: number; steadyMs: number; boardCacheMs: number; targetCommit: string },
  log: (line: string) => void,
): Promise<StateResult> {
  const pid = target.proc.pid;
  const isFleetd = target.name === "fleetd";
  const listBefore = isFleetd ? await _timeLists(target, opts.boardCacheMs) : null;
  const passes = {} as Record<StateStepName, StatePass>;
  for (const step of _PASSES) {
    const cpu0 = cpuMs(pid);
    const io0 = writeBytes(pid);
    const step0 = slowest(await pool.all<StepResult>({ op: "stateStep", step }));
    const pass: StatePass = {
      wallMs: step0.ms,
      failed: step0.failed,
      firstError: step0.firstError,
      latencies: step0.latencies,
      cpuSeconds: (cpuMs(pid) - cpu0) / 1000,
      writeBytes: writeBytes(pid) - io0,
    };
    passes[step] = pass;
    log(
      `${target.name}: ${step} from ${opts.agents} hosts in ${(pass.wallMs / 1000).toFixed(1)} s, ` +
        `p50 ${pass.latencies.p50.toFixed(1)} ms, p99 ${pass.latencies.p99.toFixed(1)} ms, ` +
        `CPU ${pass.cpuSeconds.toFixed(2)} s, wrote ${(pass.writeBytes / 1024 / 1024).toFixed(1)} MB` +
        (pass.failed ? `, ${pass.failed} FAILED: ${pass.firstError}` : ""),
    );
  }
  const listAfter = isFleetd ? await _timeLists(target, opts.boardCacheMs) : null;
  const stored = isFleetd ? await _hostsOnCommit(target, opts.targetCommit) : null;

  // As after the first ramp: the reports' aftermath (garbage, journal folding) settles first.
  await Bun.sleep(Math.min(10_000, opts.steadyMs / 4));
  log(`${target.name}: steady state with every host's state stored, ${opts.steadyMs / 1000} s`);
  const steady = await measureSteady(pid, pool, opts.steadyMs);
  log(
    `${target.name}: CPU ${steady.usage.cpuPercent.toFixed(1)} %, wrote ${(steady.usage.writeBytes / 1024).toFixed(1)} KB, ` +
      `polls late p50 ${steady.pollLate.p50.toFixed(1)} ms, p99 ${steady.pollLate.p99.toFixed(1)} ms`,
  );
  return {
    passes,
    steady,
    storedStates: stored?.onCommit ?? null,
    derivedStates: stored?.states ?? null,
    targetSource: stored?.targetSource ?? null,
    listMs:
      listBefore && listAfter
        ? {
            boardBefore: listBefore.board,
            boardAfter: listAfter.board,
            hostsBefore: listBefore.hosts,
            hostsAfter: listAfter.hosts,
          }
        : null,
  };
}

function _admin(target: Target, path: string): Promise<Response> {
  return fetch(`${target.url}${path}`, { headers: { authorization: `Bearer ${target.adminToken}` } });
}

/** The board and the hosts list, each fetched 3 times with the board's cache expired in between. */
async function _timeLists(target: Target, boardCacheMs: number): Promise<{ board: number; hosts: number }> {
  const time = async (path: string) => {
    const samples: number[] = [];
    for (let i = 0; i < 3; i++) {
      await Bun.sleep(boardCacheMs + 50);
      const t0 = performance.now();
      const res = await _admin(target, path);
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
      samples.push(performance.now() - t0);
    }
    return percentile(
      samples.sort((a, b) => a - b),
      50,
    );
  };
  return { board: await time("/api/v1/board"), hosts: await time("/api/v1/hosts") };
}

async function _hostsOnCommit(
  target: Target,
  commit: string,
): Promise<{ onCommit: number; states: Record<string, number>; targetSource: string | null }> {
  const res = await _admin(target, "/api/v1/hosts");
  if (!res.ok) throw new Error(`GET /api/v1/hosts: ${res.status}`);
  const list = (await res.json()) as {
    hosts: { config: { commit: string | null; state: string } }[];
    target: { source: string } | null;
  };
  const hosts = list.hosts;
  const states: Record<string, number> = {};
  for (const h of hosts) states[h.config.state] = (states[h.config.state] ?? 0) + 1;
  const onCommit = hosts.filter((h) => h.config.commit === commit).length;
  return { onCommit, states, targetSource: list.target?.source ?? null };
}
