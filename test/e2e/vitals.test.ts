// A real compiled agent's vitals against /proc and df read by this test: what fleetd stores and
// `fleetctl hosts -o wide` shows matches the machine within a tolerance. Linux only (/proc).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { ensureBinaries, type TestAgent, TestFleet, waitFor } from "../harness/index.ts";

const linux = process.platform === "linux";
if (!linux) console.warn("test/e2e/vitals: skipped, the comparison reads /proc");

let fleet: TestFleet;
let agent: TestAgent;
/** /proc/stat's aggregate CPU times, sampled by the test while the agent runs. */
const cpuSamples: { at: number; busy: number; total: number }[] = [];
let sampling: ReturnType<typeof setInterval>;

beforeAll(async () => {
  if (!linux) return;
  fleet = await TestFleet.start(await ensureBinaries());
  sampling = setInterval(() => cpuSamples.push({ at: Date.now(), ...procCpu() }), 100);
  agent = await fleet.addAgent("vitals1", { config: { vitalsIntervalSeconds: 2 } });
}, 300_000);

afterAll(async () => {
  clearInterval(sampling);
  await fleet?.stop();
});

function procCpu() {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  return { busy: total - ticks[3]! - ticks[4]!, total };
}

function meminfo(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of readFileSync("/proc/meminfo", "utf8").matchAll(/^(\w+):\s+(\d+) kB$/gm))
    out[m[1]!] = Number(m[2]) * 1024;
  return out;
}

/** df's own numbers for `path`: 1-byte blocks, used and available. */
function df(path: string): { total: number; used: number; available: number } {
  const out = Bun.spawnSync(["df", "-B1", "--output=size,used,avail", path]).stdout.toString();
  const [total, used, available] = out.trim().split("\n")[1]!.trim().split(/\s+/).map(Number);
  return { total: total!, used: used!, available: available! };
}

test.skipIf(!linux)(
  "the agent's vitals match /proc and df within a tolerance",
  async () => {
    // Two samples, so the second's CPU use covers an interval the test sampled too.
    const samples: { at: string; cpuPercent: number | null }[] = [];
    const host = await waitFor(
      async () => {
        const h = await fleet.host("vitals1");
        if (h?.vitals && samples.at(-1)?.at !== h.vitals.at) samples.push(h.vitals);
        return samples.length >= 2 ? h : null;
      },
      { what: "two vitals samples", timeoutMs: 30_000, intervalMs: 200 },
    );
    const vitals = host.vitals;
    const mem = meminfo();
    expect(vitals.memory.totalBytes).toBe(mem.MemTotal);
    // Other processes come and go between the two reads: 5 % of the machine's memory.
    expect(Math.abs(vitals.memory.availableBytes - mem.MemAvailable!)).toBeLessThan(mem.MemTotal! * 0.05);
    expect(vitals.swap.totalBytes).toBe(mem.SwapTotal);
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"))![1]);
    expect(vitals.bootedAt).toBe(new Date(btime * 1000).toISOString());
    const uptimeNow = Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]);
    const ageSeconds = (Date.now() - Date.parse(vitals.at)) / 1000;
    expect(Math.abs(vitals.uptimeSeconds - (uptimeNow - ageSeconds))).toBeLessThan(2);
    const [one] = readFileSync("/proc/loadavg", "utf8").split(" ").map(Number);
    expect(Math.abs(vitals.load[0] - one!)).toBeLessThan(2);

    const root = df("/");
    expect(vitals.disks.root.totalBytes).toBe(root.total);
    // Writes elsewhere on the disk between the reads: 1 % of it.
    expect(Math.abs(vitals.disks.root.usedBytes - root.used)).toBeLessThan(root.total * 0.01);
    expect(Math.abs(vitals.disks.root.availableBytes - root.available)).toBeLessThan(root.total * 0.01);
    expect(vitals.disks.state.path).toBe(agent.stateDir);
    if (existsSync("/nix")) expect(vitals.disks.nix.totalBytes).toBe(df("/nix").total);
    else expect(vitals.disks.nix).toBeNull();

    // The last sample's CPU use is over the time since the one before: the test's own /proc/stat
    // samples nearest to those two moments give the same share, give or take the load that moved.
    const [before, after] = samples.slice(-2).map((s) => Date.parse(s.at));
    const nearest = (at: number) =>
      cpuSamples.reduce((best, s) => (Math.abs(s.at - at) < Math.abs(best.at - at) ? s : best));
    const a = nearest(before!);
    const b = nearest(after!);
    const expected = ((b.busy - a.busy) / (b.total - a.total)) * 100;
    expect(vitals.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(Math.abs(vitals.cpuPercent - expected)).toBeLessThan(20);

    const detail = await fleet.api("GET", `/api/v1/hosts/${host.id}`);
    expect(detail.vitals.length).toBeGreaterThanOrEqual(1);
    expect(detail.vitals.at(-1).at).toBe(vitals.at);
  },
  60_000,
);

test.skipIf(!linux)("fleetctl hosts -o wide shows CPU, memory and the fullest disk", async () => {
  const r = await fleet.fleetctl(["hosts", "-o", "wide"]);
  expect(r.code).toBe(0);
  const lines = r.stdout.trim().split("\n");
  const at = lines.findIndex((line) => line.startsWith("NAME"));
  const [header, row] = [lines[at]!, lines[at + 1]!];
  for (const column of ["CPU", "MEM", "DISK"]) expect(header).toContain(column);
  const host = await fleet.host("vitals1");
  const memPercent = Math.round(
    ((host.vitals.memory.totalBytes - host.vitals.memory.availableBytes) / host.vitals.memory.totalBytes) *
      100,
  );
  expect(row).toMatch(new RegExp(`\\b${memPercent}%`));
  expect(row).toMatch(/\b\d+% \//);
  const json = await fleet.fleetctlJson(["hosts"]);
  expect(json.hosts[0].vitals.disks.root.path).toBe("/");
});
