// What a large job history costs the store: N hosts and M finished jobs (jobs.json grows with hosts
// × terminalJobsKeptPerHost) written through the store, then, in a fresh process, what a restarted
// fleetd pays: the open (read and validate every record), the memory it holds, and the pause when
// the jobs journal is folded into a new snapshot (in the background, as a running fleetd does: how
// long the event loop waited meanwhile; and the synchronous fold of a stop). Not part of `npm run bench`: it measures the store alone, without HTTP or a fleet.
//
//   bun bench/store-jobs.ts [--hosts 10000] [--jobs 200000]
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { openJsonStore } from "../server/store/json-store.ts";
import { newHostRecord } from "../server/store/records/host.ts";
import type { JobRecord } from "../server/store/records/job.ts";

const silent = { warn() {}, error() {} };
const open = (dataDir: string) =>
  openJsonStore({ dataDir, lazyFlushMs: 3_600_000, auditMaxBytes: 1 << 20, log: silent });

/** A finished switch as an agent reports it: every field a real one has. */
function finishedJob(i: number, hostId: string, at: number): JobRecord {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    op: "switch",
    args: {},
    id: `j_${i.toString(36).padStart(10, "0")}`,
    hostId,
    state: "succeeded",
    createdAt: iso(at),
    expiresAt: iso(at + 3_600_000),
    dispatchedAt: iso(at + 15),
    startedAt: iso(at + 40),
    finishedAt: iso(at + 38_000),
    exitCode: 0,
    nextSeq: 42,
    outputBytes: 3_900,
    outputTruncated: false,
  };
}

async function write(dataDir: string, hosts: number, jobs: number): Promise<void> {
  const store = await open(dataDir);
  const now = Date.now();
  const iso = new Date(now).toISOString();
  await Promise.all(
    Array.from({ length: hosts }, (_, i) =>
      store.putHost(newHostRecord(`h_${i}`, `sim-${i}`, "0".repeat(64), iso)),
    ),
  );
  // In slices, as a fleet's history accrues: one group commit per slice, not 200,000 at once.
  for (let start = 0; start < jobs; start += 5_000) {
    const slice: Promise<void>[] = [];
    for (let i = start; i < Math.min(jobs, start + 5_000); i++)
      slice.push(store.putJob(finishedJob(i, `h_${i % hosts}`, now - (jobs - i) * 1_000)));
    await Promise.all(slice);
  }
  await store.close();
}

interface Figures {
  jobsJsonMB: number;
  openMs: number;
  heapMB: number;
  rssMB: number;
  foldMs: number;
  foldStallMs: number;
  stopFoldMs: number;
}

async function measure(dataDir: string): Promise<Figures> {
  Bun.gc(true);
  let t = performance.now();
  const store = await open(dataDir);
  const openMs = performance.now() - t;
  Bun.gc(true);
  const memory = process.memoryUsage();
  // One change, then the fold the journal makes once it outgrows the snapshot (journal.ts), forced
  // here rather than waiting for a snapshot's worth of changes: in the background, as a running
  // fleetd folds (its wall time and the longest the event loop waited meanwhile, from a 1 ms
  // ticker), then the synchronous one a stop makes.
  const job = store.listJobs({ limit: 1 })[0]!;
  await store.putJob({ ...job, reason: "bench" });
  // biome-ignore lint/suspicious/noExplicitAny: the bench reaches the journal to time its fold alone
  const jobsJournal = (store as any).jobsFile as { fold(): void; snapshotInBackground(): Promise<void> };
  let last = performance.now();
  let foldStallMs = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    foldStallMs = Math.max(foldStallMs, now - last);
    last = now;
  }, 1);
  t = performance.now();
  await jobsJournal.snapshotInBackground();
  const foldMs = performance.now() - t;
  clearInterval(ticker);
  foldStallMs = Math.max(foldStallMs, performance.now() - last);
  await store.putJob({ ...job, reason: "bench again" });
  t = performance.now();
  jobsJournal.fold();
  const stopFoldMs = performance.now() - t;
  await store.close();
  return {
    jobsJsonMB: statSync(join(dataDir, "jobs.json")).size / 2 ** 20,
    openMs,
    heapMB: memory.heapUsed / 2 ** 20,
    rssMB: memory.rss / 2 ** 20,
    foldMs,
    foldStallMs,
    stopFoldMs,
  };
}

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) =>
  args.includes(name) ? Number(args[args.indexOf(name) + 1]) || fallback : fallback;
if (args[0] === "--measure") {
  console.log(JSON.stringify(await measure(args[1]!)));
} else {
  const hosts = flag("--hosts", 10_000);
  const jobs = flag("--jobs", 200_000);
  const dataDir = join(mkdtempSync(join(tmpdir(), "store-jobs-")), "data");
  try {
    let t = performance.now();
    await write(dataDir, hosts, jobs);
    const writeS = (performance.now() - t) / 1000;
    t = performance.now();
    const child = Bun.spawnSync([process.execPath, import.meta.path, "--measure", dataDir], {
      stdout: "pipe",
      stderr: "inherit",
    });
    if (child.exitCode !== 0) throw new Error("measuring failed");
    const figures = JSON.parse(child.stdout.toString()) as Figures;
    console.log(`${hosts} hosts, ${jobs} finished jobs (written in ${writeS.toFixed(1)} s)`);
    for (const [key, value] of Object.entries(figures)) console.log(`${key}\t${value.toFixed(1)}`);
  } finally {
    if (!process.env.KEEP_DATA_DIR) rmSync(resolve(dataDir, ".."), { recursive: true, force: true });
    else console.log(`data dir kept: ${dataDir}`);
  }
}
