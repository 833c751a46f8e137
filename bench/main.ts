// `npm run bench` (full: 10,000 hosts) and `npm run bench -- --quick` (CI smoke check);
// `npm run bench -- --only rollout` sets up fleetd and its fleet the same way, then runs only the
// rollout phase (rollout-only.ts).
// Runs the baseline and then the compiled fleetd under the same simulated fleet, the hosts'
// config-state reports, the rollout, the start-up and flush costs, and the agent's idle
// footprint; prints the table and writes
// bench/results/<timestamp>.json. Exits non-zero only when the run is broken (hosts dropped,
// commands lost, a phase failing), never for a missed target.
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_LIMITS } from "../server/config.ts";
import { VITALS_FILE } from "../server/services/vitals/book.ts";
import { ensureBinaries } from "../test/harness/binaries.ts";
import { killAll } from "./children.ts";
import { createConfigRepo } from "./config-repo.ts";
import { parseOptions } from "./options.ts";
import { type BurstResult, holdAndDispatch, measureBurst, setupFleet } from "./phases/drive.ts";
import { compileSleeper, type FootprintResult, measureFootprint } from "./phases/footprint.ts";
import { measureLoad } from "./phases/load.ts";
import { measureScrapes, type ScrapeResult } from "./phases/metrics.ts";
import { measureRollouts, type RolloutResult } from "./phases/rollout.ts";
import { measureStateReports, type StateResult } from "./phases/state.ts";
import { measureVitals, type VitalsResult } from "./phases/vitals.ts";
import { machine, machineReport, watchPeakRss } from "./proc.ts";
import { type BenchResults, brokenReasons, buildRows, formatTable } from "./report.ts";
import { writeResultsFile } from "./results-file.ts";
import { runRolloutOnly } from "./rollout-only.ts";
import { enrollLimits, startBaseline, startFleetd, stopTarget } from "./targets.ts";

const opts = parseOptions(process.argv.slice(2));
const began = performance.now();
const log = (line: string) =>
  console.log(`[${((performance.now() - began) / 1000).toFixed(1).padStart(6)} s] ${line}`);
const runDir = mkdtempSync(join(tmpdir(), "fleet-bench-"));

async function main(): Promise<number> {
  const before = machine();
  log(
    `${opts.quick ? "quick" : "full"} run${opts.only ? ` of the ${opts.only} phase only` : ""}: ${opts.agents} hosts, ${opts.processes} generators; ${before.uptime}`,
  );
  log("building (or reusing) the compiled binaries");
  const bins = await ensureBinaries();

  const dataDir = join(runDir, "fleetd-data");
  const configRepo = createConfigRepo(join(runDir, "config-repo"));
  const fleetd = await startFleetd({
    binary: bins.fleetd,
    dataDir,
    artifactsDir: bins.dir,
    logFile: join(runDir, "fleetd.log"),
    limits: {
      pollWindowMs: opts.pollWindowMs,
      updateSoakMs: opts.updateSoakMs,
      ...enrollLimits(opts.agents),
    },
    extraArgs: ["--config-repo", configRepo.url, "--config-branch", configRepo.branch],
  });
  log(`fleetd ${bins.version} (compiled) pid ${fleetd.proc.pid} on ${fleetd.url}`);
  const fleetdPeak = watchPeakRss(fleetd.proc.pid);
  const fleet = await setupFleet(fleetd, opts, configRepo.commits, log);
  if (opts.only === "rollout") {
    fleetdPeak.stop();
    return runRolloutOnly({
      fleetd,
      pool: fleet.pool,
      opts,
      commit: configRepo.commits[1],
      before,
      log,
      version: bins.version,
    });
  }
  const sleeper = await compileSleeper(runDir);
  const baseline = await startBaseline(opts.pollWindowMs, join(runDir, "baseline.log"));
  log(`baseline pid ${baseline.proc.pid} on ${baseline.url}`);
  const baselinePeak = watchPeakRss(baseline.proc.pid);
  const base = await setupFleet(baseline, opts, configRepo.commits, log);

  // Throughput alternates between the two servers, so that load from anything else on the machine
  // falls on both alike; each side's figure is the median of its rounds.
  log(
    `poll throughput: ${opts.burstRounds} rounds of ${opts.burstMs / 1000} s closed-loop ?wait=0 polls each`,
  );
  const baseBursts: BurstResult[] = [];
  const fleetBursts: BurstResult[] = [];
  for (let round = 0; round < opts.burstRounds; round++) {
    baseBursts.push(await measureBurst(baseline, base.pool, opts.burstMs, log));
    fleetBursts.push(await measureBurst(fleetd, fleet.pool, opts.burstMs, log));
  }

  const limits = DEFAULT_LIMITS as Record<string, number>;
  const stateOpts = {
    agents: opts.agents,
    steadyMs: opts.steadyMs,
    boardCacheMs: limits.boardCacheMs ?? 500,
    targetCommit: configRepo.commits[1],
  };
  let baseState: StateResult | null = null;
  const baseHold = await holdAndDispatch(
    baseline,
    base.pool,
    opts,
    {
      serverOnline: async () =>
        ((await (await fetch(`${baseline.url}/stats`)).json()) as { held: number }).held,
      afterDispatch: async (pool) => {
        baseState = await measureStateReports(baseline, pool, stateOpts, log);
      },
    },
    log,
  );
  const baselinePeakBytes = baselinePeak.stop();
  await base.pool.stop();
  await stopTarget(baseline);

  let footprint: FootprintResult | null = null;
  let rollout: RolloutResult | null = null;
  let deploy: RolloutResult | null = null;
  let fleetState: StateResult | null = null;
  let scrape: ScrapeResult | null = null;
  let vitals: VitalsResult | null = null;
  const fleetHold = await holdAndDispatch(
    fleetd,
    fleet.pool,
    opts,
    {
      serverOnline: async () =>
        (
          (await (
            await fetch(`${fleetd.url}/api/v1/board`, {
              headers: { authorization: `Bearer ${fleetd.adminToken}` },
            })
          ).json()) as { summary: { online: number } }
        ).summary.online,
      duringSteady: async () => {
        footprint = await measureFootprint(
          { fleetd: bins.fleetd, agent: bins.agent, artifactsDir: bins.dir, runDir, log },
          sleeper,
          opts.footprintMs,
          opts.quick ? 2000 : 5000,
        );
      },
      afterDispatch: async (pool) => {
        fleetState = await measureStateReports(fleetd, pool, stateOpts, log);
        scrape = await measureScrapes(fleetd, 5, 2000);
        log(
          `GET /metrics with ${opts.agents} hosts: p50 ${scrape.p50Ms.toFixed(1)} ms, max ${scrape.maxMs.toFixed(1)} ms, ` +
            `CPU ${scrape.cpuMsPerScrape.toFixed(0)} ms, ${(scrape.bytes / 1024).toFixed(1)} KB, ${scrape.samples} samples`,
        );
        vitals = await measureVitals(
          fleetd,
          pool,
          { agents: opts.agents, windowMs: opts.vitalsWindowMs, intervalMs: opts.vitalsIntervalMs },
          log,
        );
        ({ rollout, deploy } = await measureRollouts(fleetd, pool, opts, configRepo.commits[1], log));
      },
    },
    log,
  );
  const fleetdPeakBytes = fleetdPeak.stop();
  log(`shutting fleetd down with ${opts.agents} polls held`);
  const shutdownMs = await stopTarget(fleetd);
  await fleet.pool.stop();

  log("start-up and flush of the data dir the run left");
  const vitalsSnapshot = join(dataDir, VITALS_FILE);
  const vitalsSnapshotBytes = existsSync(vitalsSnapshot) ? statSync(vitalsSnapshot).size : 0;
  const load = await measureLoad({ fleetd: bins.fleetd, artifactsDir: bins.dir, dataDir, runDir });

  const results: BenchResults = {
    fleetd: {
      ...fleet.setup,
      burst: medianBurst(fleetBursts),
      bursts: fleetBursts,
      ...fleetHold,
      rssPeakRunBytes: fleetdPeakBytes,
    },
    baseline: {
      ...base.setup,
      burst: medianBurst(baseBursts),
      bursts: baseBursts,
      ...baseHold,
      rssPeakRunBytes: baselinePeakBytes,
    },
    rollout: rollout!,
    deploy: deploy!,
    state: { fleetd: fleetState!, baseline: baseState! },
    scrape: scrape!,
    vitals: {
      ...vitals!,
      snapshotBytes: vitalsSnapshotBytes,
      snapshotMin: (limits.vitalsSnapshotMs ?? 0) / 60_000,
    },
    footprint: footprint!,
    load,
    shutdownMs,
    agents: opts.agents,
    lastSeenCheckpointMin: (limits.lastSeenCheckpointMs ?? 0) / 60_000,
  };
  const rows = buildRows(results);
  const after = machine();
  console.log();
  console.log(formatTable(rows));
  console.log();
  console.log(machineReport(before, after));

  const outFile = writeResultsFile({
    options: opts,
    machine: { before, after },
    version: bins.version,
    rows,
    results,
  });
  log(`results written to ${outFile}`);

  const broken = brokenReasons(results);
  for (const reason of broken) console.error(`BROKEN: ${reason}`);
  return broken.length ? 1 : 0;
}

function medianBurst(rounds: BurstResult[]): BurstResult {
  const sorted = [...rounds].sort((a, b) => a.perSecond - b.perSecond);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

let code = 1;
try {
  code = await main();
} catch (err) {
  console.error("bench failed:", err);
} finally {
  await killAll();
  rmSync(runDir, { recursive: true, force: true });
}
process.exit(code);
