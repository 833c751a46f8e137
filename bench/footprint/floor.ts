// The least an agent can cost on Bun: compiled with the agent's flags, this makes the idle agent's
// system calls and nothing else, in one file without checks, modules or retries. It takes the
// agent's lock (flock through bun:ffi), reads its config and credentials, hashes its own binary,
// says hello, writes the health note (fsync, rename), holds a long-poll, looks at the spool and
// for a restart request every 5 s and sends vitals read from /proc every minute: what
// bench/footprint/main.ts --floor measures next to the bare sleeping binary. Linux only.
// Usage (compiled): floor run --state-dir DIR   (an enrolled agent's state dir)
import { dlopen, FFIType } from "bun:ffi";
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  statfsSync,
  writeSync,
} from "node:fs";
import { arch, hostname, release, type } from "node:os";
import { join } from "node:path";

const stateDir = process.argv[4]!;
const libc = dlopen("libc.so.6", { flock: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 } });
if (libc.symbols.flock(openSync(join(stateDir, "agent.lock"), "a+", 0o600), 6) !== 0)
  throw new Error("locked");
const { server } = JSON.parse(readFileSync(join(stateDir, "config.json"), "utf8"));
const { hostToken } = JSON.parse(readFileSync(join(stateDir, "credentials.json"), "utf8"));

function selfSha256(): string {
  const hash = new Bun.CryptoHasher("sha256");
  const buffer = Buffer.allocUnsafe(1 << 20);
  const fd = openSync(process.execPath, "r");
  for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) hash.update(buffer.subarray(0, n));
  closeSync(fd);
  return hash.digest("hex");
}

async function call(method: string, path: string, body?: unknown, timeoutMs = 15_000) {
  const stop = new AbortController();
  const res = await fetch(server + path, {
    method,
    headers: {
      authorization: `Bearer ${hostToken}`,
      accept: "application/json",
      "content-type": "application/json",
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.any([stop.signal, AbortSignal.timeout(timeoutMs)]),
  });
  return JSON.parse(await res.text()) as Record<string, unknown>;
}

const sha256 = selfSha256();
const { pollSeconds } = await call("POST", "/api/v1/agent/hello", {
  protocol: 1,
  version: "floor",
  sha256,
  platform: process.platform,
  arch: arch(),
  hostname: hostname(),
  os: { name: type(), release: release() },
  pid: process.pid,
  bootId: readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim(),
  activeJobs: [],
});
const health = join(stateDir, "health.json");
const fd = openSync(`${health}.tmp`, "w", 0o600);
writeSync(fd, JSON.stringify({ pid: process.pid, version: "floor", sha256, at: Date.now() }));
fsyncSync(fd);
closeSync(fd);
renameSync(`${health}.tmp`, health);

setInterval(() => {
  const jobs = join(stateDir, "jobs");
  if (existsSync(jobs)) readdirSync(jobs);
  try {
    readFileSync(join(stateDir, "restart-request.json"));
  } catch {}
}, 5_000);

const disk = (path: string) => {
  const s = statfsSync(path);
  const total = s.blocks * s.bsize;
  return {
    path,
    totalBytes: total,
    availableBytes: s.bavail * s.bsize,
    usedBytes: total - s.bfree * s.bsize,
  };
};
const kb = (text: string, key: string) =>
  Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(text)?.[1] ?? 0) * 1024;
const vitals = () => {
  const meminfo = readFileSync("/proc/meminfo", "utf8");
  readFileSync("/proc/stat", "utf8");
  const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).map(Number);
  return call("POST", "/api/v1/agent/vitals", {
    at: new Date().toISOString(),
    load,
    cpuPercent: null,
    memory: { totalBytes: kb(meminfo, "MemTotal"), availableBytes: kb(meminfo, "MemAvailable") },
    swap: { totalBytes: kb(meminfo, "SwapTotal"), freeBytes: kb(meminfo, "SwapFree") },
    disks: { root: disk("/"), nix: null, state: disk(stateDir) },
    uptimeSeconds: Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]),
    bootedAt: null,
  });
};
await vitals();
setInterval(vitals, 60_000);

const pollMs = (pollSeconds as number) * 1000 + 10_000;
for (;;) await call("GET", `/api/v1/agent/poll?wait=${pollSeconds}`, undefined, pollMs);
