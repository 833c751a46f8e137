// Start-up and flush costs of a data dir the size of the fleet: the compiled fleetd started on the
// data dir the load run left behind (every simulated host enrolled, its jobs, its audit log) next
// to a start on an empty one, and the JSON store itself timed opening and flushing that data dir.
import { cpSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { openJsonStore } from "../../server/store/json-store.ts";
import { percentile } from "../stats.ts";
import { startFleetd, stopTarget } from "../targets.ts";

export interface LoadResult {
  hosts: number;
  jobs: number;
  dataDirBytes: number;
  hostsJsonBytes: number;
  /** Median of the runs: process spawn → /health answers. */
  startFullMs: number;
  startEmptyMs: number;
  /** openJsonStore on a copy of the data dir: read, parse, validate every file. */
  storeOpenMs: number;
  /** Every host's lastSeen and every job marked changed, then one flush of all of it. */
  storeFlushMs: number;
}

const RUNS = 3;

export async function measureLoad(opts: {
  fleetd: string;
  artifactsDir: string;
  dataDir: string;
  runDir: string;
}): Promise<LoadResult> {
  const start = async (dataDir: string, i: number) => {
    const t = await startFleetd({
      binary: opts.fleetd,
      dataDir,
      artifactsDir: opts.artifactsDir,
      logFile: join(opts.runDir, `load-${i}.log`),
      limits: {},
    });
    await stopTarget(t);
    return t.readyMs;
  };
  const full: number[] = [];
  const empty: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    full.push(await start(opts.dataDir, i));
    empty.push(await start(join(opts.runDir, `empty-data-${i}`), i));
  }

  const copy = join(opts.runDir, "store-copy");
  cpSync(opts.dataDir, copy, { recursive: true });
  const silent = { warn() {}, error() {} };
  let t0 = performance.now();
  const store = openJsonStore({
    dataDir: copy,
    lazyFlushMs: 3_600_000,
    auditMaxBytes: 10 << 20,
    log: silent,
  });
  const storeOpenMs = performance.now() - t0;
  const hosts = store.listHosts();
  const jobs = store.listJobs({ limit: Number.MAX_SAFE_INTEGER });
  const now = new Date().toISOString();
  for (const host of hosts) store.recordLastSeen(host.id, now);
  for (const job of jobs) store.putJobLazy({ ...job });
  t0 = performance.now();
  await store.flush();
  const storeFlushMs = performance.now() - t0;
  await store.close();

  return {
    hosts: hosts.length,
    jobs: jobs.length,
    dataDirBytes: dirBytes(opts.dataDir),
    hostsJsonBytes: statSync(join(opts.dataDir, "hosts.json")).size,
    startFullMs: percentile(
      full.sort((a, b) => a - b),
      50,
    ),
    startEmptyMs: percentile(
      empty.sort((a, b) => a - b),
      50,
    ),
    storeOpenMs,
    storeFlushMs,
  };
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path);
    total += st.isDirectory() ? dirBytes(path) : st.size;
  }
  return total;
}
