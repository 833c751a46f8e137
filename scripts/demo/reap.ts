// Finding and stopping what the demo started but does not hold a handle to: job runners
// (detached on purpose, so they outlive agents) and the switch/test scripts they run.
// Only processes whose program or script lives under the demo's own directory qualify, so
// an operator's `less <demo dir>/logs/...` in another terminal is never touched.
import { readdirSync, readFileSync } from "node:fs";
import { basename } from "node:path";

export interface DemoProcess {
  pid: number;
  ppid: number;
  /** Process group id; a runner's children each lead a group of their own. */
  pgid: number;
  args: string[];
}

const SHELLS = new Set(["sh", "bash", "dash", "zsh"]);

/** True when argv runs a program under `root`, directly or as a shell script. */
export function startedUnder(args: readonly string[], root: string): boolean {
  const under = (p: string | undefined) => p?.startsWith(`${root}/`) ?? false;
  if (under(args[0])) return true;
  return SHELLS.has(basename(args[0] ?? "")) && under(args[1]);
}

/** Every live process (but this one) whose program or script is under `root`. */
export function findDemoProcesses(root: string): DemoProcess[] {
  return listProcesses().filter((p) => p.pid !== process.pid && startedUnder(p.args, root));
}

/** All processes with their argv: /proc on Linux, ps elsewhere (macOS). */
export function listProcesses(): DemoProcess[] {
  if (process.platform === "linux") return _fromProc();
  const ps = Bun.spawnSync(["ps", "-axo", "pid=,ppid=,pgid=,args="], { stdout: "pipe" });
  return ps.stdout
    .toString()
    .split("\n")
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), pgid: Number(m[3]), args: m[4]!.split(" ") }));
}

function _fromProc(): DemoProcess[] {
  const out: DemoProcess[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const args = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0").filter(Boolean);
      // The command name in stat may hold spaces and parentheses: fields start after the last ")".
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (args.length)
        out.push({ pid: Number(name), ppid: Number(fields[1]), pgid: Number(fields[2]), args });
    } catch {
      // exited while we looked
    }
  }
  return out;
}

/** Signals a process, or its whole group when it leads one (a script and its `sleep`). */
export function signalDemoProcess(p: DemoProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(p.pgid === p.pid ? -p.pid : p.pid, signal);
  } catch {
    // already gone
  }
}

/**
 * SIGTERM first: a runner cancels its job, which kills the child's process group, and exits.
 * Whatever is left after `graceMs` gets SIGKILL. Returns how many processes were found.
 */
export async function reapDemoProcesses(root: string, graceMs: number): Promise<number> {
  const found = findDemoProcesses(root);
  for (const p of found) signalDemoProcess(p, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && findDemoProcesses(root).length) await Bun.sleep(100);
  for (const p of findDemoProcesses(root)) signalDemoProcess(p, "SIGKILL");
  return found.length;
}
