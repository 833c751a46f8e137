// What every host's config report costs the store on its own, without fleetd's HTTP or a fleet:
// N host records and one realistic report each (generator/host-state.ts) written through the
// store of a source tree, then, in a fresh process, the store opened, every host's config read as
// the hosts list reads it, and the flush a lastSeen checkpoint makes. Run it on two trees (this
// one and an export of another commit) in the same invocation, so the ratio is of one machine's
// moment; it is not part of `npm run bench`.
//
//   bun bench/store-states.ts [--hosts 10000] [--old <source tree>]
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { simHostState } from "./generator/host-state.ts";

const HERE = resolve(import.meta.dir, "..");
const COMMITS: [string, string] = ["1".repeat(40), "2".repeat(40)];
const silent = { warn() {}, error() {} };

interface Figures {
  openMs: number;
  readAllMs: number;
  flushMs: number;
  hostsJsonKB: number;
  dataDirKB: number;
  heapMB: number;
  rssMB: number;
}

// biome-ignore lint/suspicious/noExplicitAny: the store of another commit has another type
type AnyStore = any;

async function openStore(src: string, dataDir: string): Promise<AnyStore> {
  const { openJsonStore } = await import(join(src, "server/store/json-store.ts"));
  return openJsonStore({ dataDir, lazyFlushMs: 3_600_000, auditMaxBytes: 1 << 20, log: silent });
}

async function write(src: string, dataDir: string, hosts: number): Promise<void> {
  const { newHostRecord } = await import(join(src, "server/store/records/host.ts"));
  const store = await openStore(src, dataDir);
  const now = new Date().toISOString();
  const writes: Promise<void>[] = [];
  for (let i = 0; i < hosts; i++) {
    const id = `h_${i}`;
    const host = { ...newHostRecord(id, `sim-${i}`, "0".repeat(64), now), lastSeen: now };
    const state = simHostState(`sim-${i}`, 0, COMMITS);
    // Before host-states.jsonl the report rode in the host record.
    if (typeof store.putHostReport === "function") {
      writes.push(store.putHost(host), store.putHostReport(id, state));
    } else writes.push(store.putHost({ ...host, configState: state }));
  }
  await Promise.all(writes);
  await store.close();
}

/** In a fresh process: what a restarted fleetd pays. */
async function measure(src: string, dataDir: string): Promise<Figures> {
  Bun.gc(true);
  let t = performance.now();
  const store = await openStore(src, dataDir);
  const openMs = performance.now() - t;
  t = performance.now();
  let reported = 0;
  if (typeof store.hostReportSummary === "function") {
    for (const host of store.listHosts()) if (store.hostReportSummary(host.id)) reported++;
  } else {
    const { storedConfigState } = await import(join(src, "server/store/records/host.ts"));
    for (const host of store.listHosts()) if (storedConfigState(host)) reported++;
  }
  const readAllMs = performance.now() - t;
  if (reported !== store.listHosts().length) throw new Error(`only ${reported} hosts read as reported`);
  const seen = new Date(Date.now() + 1000).toISOString();
  for (const host of store.listHosts()) store.recordLastSeen(host.id, seen);
  t = performance.now();
  await store.flush();
  const flushMs = performance.now() - t;
  Bun.gc(true);
  const memory = process.memoryUsage();
  const figures = {
    openMs,
    readAllMs,
    flushMs,
    hostsJsonKB: statSync(join(dataDir, "hosts.json")).size / 1024,
    dataDirKB: readdirSync(dataDir).reduce((kb, name) => kb + statSync(join(dataDir, name)).size / 1024, 0),
    heapMB: memory.heapUsed / 2 ** 20,
    rssMB: memory.rss / 2 ** 20,
  };
  await store.close();
  return figures;
}

async function run(src: string, hosts: number): Promise<Figures> {
  const dataDir = join(mkdtempSync(join(tmpdir(), "store-states-")), "data");
  try {
    await write(src, dataDir, hosts);
    const child = Bun.spawnSync([process.execPath, import.meta.path, "--measure", src, dataDir], {
      stdout: "pipe",
      stderr: "inherit",
    });
    if (child.exitCode !== 0) throw new Error(`measuring ${src} failed`);
    return JSON.parse(child.stdout.toString()) as Figures;
  } finally {
    if (!process.env.KEEP_DATA_DIR) rmSync(join(dataDir, ".."), { recursive: true, force: true });
  }
}

const args = process.argv.slice(2);
if (args[0] === "--measure") {
  console.log(JSON.stringify(await measure(args[1]!, args[2]!)));
} else {
  const hosts = Number(args[args.indexOf("--hosts") + 1] ?? 10_000) || 10_000;
  const old = args.includes("--old") ? resolve(args[args.indexOf("--old") + 1]!) : null;
  const trees = old ? { old, new: HERE } : { new: HERE };
  const results: Record<string, Figures> = {};
  for (const [name, src] of Object.entries(trees)) results[name] = await run(src, hosts);
  const keys = Object.keys(results.new!) as (keyof Figures)[];
  console.log(`${hosts} hosts, each with one report`);
  console.log(["figure", ...Object.keys(results), old ? "new/old" : ""].join("\t"));
  for (const key of keys) {
    const row = Object.values(results).map((r) => r[key].toFixed(1));
    const ratio = old ? (results.new![key] / results.old![key]).toFixed(2) : "";
    console.log([key, ...row, ratio].join("\t"));
  }
}
