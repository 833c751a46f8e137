// What a host's config state costs fleetd's hello (issue 17: "unchanged within noise"), as ratios
// against a hello without state in the same run. One compiled fleetd on loopback, N hosts
// enrolled through the API, each hello'd once with its first state; then rounds of four passes,
// each a hello from every host, interleaved (A B C D, A B C D, ...) so that load from anything else
// on the machine falls on each pass alike:
//   A  no state                     (an agent with nothing to report)
//   B  the stored state, whole      (what an agent sends after a restart today)
//   C  only the stored state's hash (`stateHash`, so an unchanged state costs no upload)
//   D  a changed state              (a real change: one stored write per hello)
// A round of the four is run and thrown away first, to warm fleetd's paths and the connections.
// Standalone, about a minute at 2,000 hosts; not part of `npm run bench`.
//
//   bun bench/hello-state.ts [--hosts 2000] [--rounds 5] [--concurrency 20]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { hostStateHash } from "../agent/state/state-hash.ts";
import type { HostState } from "../protocol/config-state.ts";
import { ensureBinaries } from "../test/harness/binaries.ts";
import { killAll } from "./children.ts";
import { simHostState } from "./generator/host-state.ts";
import { HttpConn } from "./generator/http-conn.ts";
import { newSimShared, SimAgent } from "./generator/sim-agent.ts";
import { cpuMs, machine, machineReport, writeBytes } from "./proc.ts";
import { formatGrid } from "./report.ts";
import { writeResultsFile } from "./results-file.ts";
import { type LatencySummary, summarize } from "./stats.ts";
import { enrollLimits, startFleetd, stopTarget } from "./targets.ts";

const COMMITS: [string, string] = ["1".repeat(40), "2".repeat(40)];
const PASSES = ["noState", "sameStateWhole", "sameStateHash", "changedState"] as const;
type PassName = (typeof PASSES)[number];
const LABELS: Record<PassName, string> = {
  noState: "A no state",
  sameStateWhole: "B same state, whole",
  sameStateHash: "C same state, by hash",
  changedState: "D changed state",
};

interface Options {
  hosts: number;
  rounds: number;
  concurrency: number;
}

interface PassRun {
  wallMs: number;
  latenciesMs: number[];
  failed: number;
  firstError: string | null;
  cpuMs: number;
  writeBytes: number;
}

interface PassFigures {
  hellos: number;
  failed: number;
  latencies: LatencySummary;
  /** Each round's p50, to see the noise between rounds of one pass. */
  roundP50s: number[];
  wallMsMedian: number;
  cpuMsPerHello: number;
  writeBytesPerHello: number;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      hosts: { type: "string", default: "2000" },
      rounds: { type: "string", default: "5" },
      concurrency: { type: "string", default: "20" },
    },
  });
  const whole = (flag: keyof typeof values) => {
    const n = Number(values[flag]);
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`hello-state: --${flag} is a whole number ≥ 1, got "${values[flag]}"`);
    return n;
  };
  return { hosts: whole("hosts"), rounds: whole("rounds"), concurrency: whole("concurrency") };
}

/** `fn` for every host, `lanes.length` at a time on the lanes' keep-alive connections. */
async function forAll(
  agents: SimAgent[],
  lanes: HttpConn[],
  fn: (agent: SimAgent, i: number, conn: HttpConn) => Promise<void>,
): Promise<Omit<PassRun, "cpuMs" | "writeBytes">> {
  const started = performance.now();
  const latenciesMs: number[] = [];
  let next = 0;
  let failed = 0;
  let firstError: string | null = null;
  const lane = async (conn: HttpConn) => {
    while (next < agents.length) {
      const i = next++;
      const t0 = performance.now();
      try {
        await fn(agents[i]!, i, conn);
        latenciesMs.push(performance.now() - t0);
      } catch (err) {
        failed++;
        firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(lanes.map(lane));
  return { wallMs: performance.now() - started, latenciesMs, failed, firstError };
}

function summarizePass(runs: PassRun[]): PassFigures {
  const hellos = runs.reduce((n, r) => n + r.latenciesMs.length + r.failed, 0);
  const walls = runs.map((r) => r.wallMs).sort((a, b) => a - b);
  return {
    hellos,
    failed: runs.reduce((n, r) => n + r.failed, 0),
    latencies: summarize(runs.flatMap((r) => r.latenciesMs)),
    roundP50s: runs.map((r) => summarize(r.latenciesMs).p50),
    wallMsMedian: walls[Math.floor((walls.length - 1) / 2)]!,
    cpuMsPerHello: runs.reduce((n, r) => n + r.cpuMs, 0) / hellos,
    writeBytesPerHello: runs.reduce((n, r) => n + r.writeBytes, 0) / hellos,
  };
}

function table(figures: Record<PassName, PassFigures>): string {
  const a = figures.noState;
  const ratio = (x: number, base: number) => (base > 0 ? `${(x / base).toFixed(2)}×` : "—");
  const rows = PASSES.map((name) => {
    const f = figures[name];
    const isBase = name === "noState";
    return [
      LABELS[name],
      f.latencies.p50.toFixed(2),
      f.latencies.p99.toFixed(2),
      f.roundP50s.map((p) => p.toFixed(2)).join(" "),
      (f.wallMsMedian / 1000).toFixed(2),
      f.cpuMsPerHello.toFixed(3),
      (f.writeBytesPerHello / 1024).toFixed(2),
      isBase ? "1×" : ratio(f.latencies.p50, a.latencies.p50),
      isBase ? "1×" : ratio(f.latencies.p99, a.latencies.p99),
      isBase ? "1×" : ratio(f.cpuMsPerHello, a.cpuMsPerHello),
    ];
  });
  return formatGrid(
    [
      "pass",
      "p50 ms",
      "p99 ms",
      "p50 per round",
      "wall s (median)",
      "CPU ms/hello",
      "written KB/hello",
      "p50 ÷ A",
      "p99 ÷ A",
      "CPU ÷ A",
    ],
    rows,
  );
}

async function main(opts: Options, runDir: string, log: (line: string) => void): Promise<number> {
  const before = machine();
  log(`${opts.hosts} hosts, ${opts.rounds} rounds, ${opts.concurrency} hellos in flight; ${before.uptime}`);
  log("building (or reusing) the compiled binaries");
  const bins = await ensureBinaries();
  const fleetd = await startFleetd({
    binary: bins.fleetd,
    dataDir: join(runDir, "fleetd-data"),
    artifactsDir: bins.dir,
    logFile: join(runDir, "fleetd.log"),
    limits: enrollLimits(opts.hosts),
  });
  const pid = fleetd.proc.pid;
  log(`fleetd ${bins.version} (compiled) pid ${pid} on ${fleetd.url}`);

  const shared = newSimShared(fleetd.adminToken, COMMITS);
  // Each host's own connection stays unopened: every request goes over one of the lanes.
  const agents = Array.from(
    { length: opts.hosts },
    (_, i) => new SimAgent(`sim-${i}`, new HttpConn(fleetd.hostname, fleetd.port), shared),
  );
  const lanes = Array.from({ length: opts.concurrency }, () => new HttpConn(fleetd.hostname, fleetd.port));
  const setupStep = async (what: string, fn: Parameters<typeof forAll>[2]) => {
    const step = await forAll(agents, lanes, fn);
    if (step.failed) throw new Error(`${what}: ${step.failed} failed, the first: ${step.firstError}`);
    log(`${what}: ${opts.hosts} hosts in ${(step.wallMs / 1000).toFixed(1)} s`);
  };
  await setupStep("enroll", (agent, _i, conn) => agent.enroll(conn));
  // What fleetd has stored for each host: what B sends again and C names by its hash.
  const stored = agents.map((agent) => simHostState(agent.name, 0, COMMITS));
  await setupStep("first hello with state", (agent, i, conn) => agent.helloWith(conn, { state: stored[i]! }));
  // The first sightings are written lazily (lastSeenFlushMs, 5 s): not into the first pass.
  await Bun.sleep(6000);

  const runs: Record<PassName, PassRun[]> = {
    noState: [],
    sameStateWhole: [],
    sameStateHash: [],
    changedState: [],
  };
  for (let round = 0; round <= opts.rounds; round++) {
    const warmUp = round === 0;
    // Made before the pass, as an agent has its state and its hash before it says hello.
    const hashes = stored.map(hostStateHash);
    const changed = agents.map((agent) => simHostState(agent.name, round % 2 === 0 ? 1 : 0, COMMITS));
    const bodies: Record<PassName, (i: number) => { state?: HostState; stateHash?: string }> = {
      noState: () => ({}),
      sameStateWhole: (i) => ({ state: stored[i]! }),
      sameStateHash: (i) => ({ stateHash: hashes[i]! }),
      changedState: (i) => ({ state: changed[i]! }),
    };
    for (const name of PASSES) {
      const cpu0 = cpuMs(pid);
      const io0 = writeBytes(pid);
      const step = await forAll(agents, lanes, (agent, i, conn) => agent.helloWith(conn, bodies[name](i)));
      const run: PassRun = { ...step, cpuMs: cpuMs(pid) - cpu0, writeBytes: writeBytes(pid) - io0 };
      const p = summarize(run.latenciesMs);
      log(
        `${warmUp ? "warm-up" : `round ${round}`} ${LABELS[name]}: ${(run.wallMs / 1000).toFixed(2)} s, ` +
          `p50 ${p.p50.toFixed(2)} ms, p99 ${p.p99.toFixed(2)} ms, CPU ${(run.cpuMs / 1000).toFixed(2)} s, ` +
          `wrote ${(run.writeBytes / 1024).toFixed(0)} KB` +
          (run.failed ? `, ${run.failed} FAILED: ${run.firstError}` : ""),
      );
      if (!warmUp) runs[name].push(run);
    }
    changed.forEach((state, i) => {
      stored[i] = state;
    });
  }
  for (const conn of lanes) conn.close();
  const shutdownMs = await stopTarget(fleetd);
  log(`fleetd stopped in ${shutdownMs.toFixed(0)} ms`);

  const figures = Object.fromEntries(PASSES.map((name) => [name, summarizePass(runs[name])])) as Record<
    PassName,
    PassFigures
  >;
  const after = machine();
  console.log();
  console.log(table(figures));
  console.log();
  console.log(machineReport(before, after));
  const outFile = writeResultsFile({
    script: "hello-state",
    options: opts,
    machine: { before, after },
    version: bins.version,
    figures,
    errors: shared.errors,
  });
  log(`results written to ${outFile}`);

  const broken = PASSES.filter((name) => figures[name].failed > 0).map(
    (name) => `${LABELS[name]}: ${figures[name].failed} hellos failed`,
  );
  for (const reason of broken) console.error(`BROKEN: ${reason}`);
  return broken.length ? 1 : 0;
}

const began = performance.now();
const log = (line: string) =>
  console.log(`[${((performance.now() - began) / 1000).toFixed(1).padStart(6)} s] ${line}`);
let opts: Options;
try {
  opts = parseOptions(process.argv.slice(2));
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}
const runDir = mkdtempSync(join(tmpdir(), "fleet-hello-state-"));
let code = 1;
try {
  code = await main(opts, runDir, log);
} catch (err) {
  console.error("hello-state failed:", err);
} finally {
  await killAll();
  rmSync(runDir, { recursive: true, force: true });
}
process.exit(code);
