// A real systemd booted in a container: `systemd-nspawn --register=no --keep-unit -b` on the
// cached rootfs with a throwaway overlay (--volatile=overlay). No private network: the
// container shares the host's loopback, so it reaches a test fleetd on 127.0.0.1. Commands
// run inside with nsenter(1) into all of the container's namespaces, with a clean
// environment; files are read and written from the host through /proc/<leader>/root.
import { closeSync, lstatSync, openSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { type RunResult, runToEnd, waitFor } from "../harness/index.ts";

/** A cold boot of the minimal rootfs takes 1-3 s; allow for a slow CI machine. */
export const BOOT_TIMEOUT_MS = 60_000;
export const SHUTDOWN_TIMEOUT_MS = 20_000;
const CONTAINER_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export type ExecResult = RunResult;

let _seq = 0;
const _live = new Set<Subprocess>();
process.on("exit", () => {
  for (const proc of _live) proc.kill("SIGKILL");
});

export class Container {
  private constructor(
    readonly name: string,
    private readonly proc: Subprocess,
    readonly leader: number,
    private readonly logPath: string,
  ) {}

  /** Boots `rootfs` and waits until systemd reports the system running. */
  static async boot(rootfs: string, logPath: string): Promise<Container> {
    const name = `fleet-test-${process.pid}-${++_seq}`;
    const logFd = openSync(logPath, "a");
    const proc = Bun.spawn(
      [
        "systemd-nspawn",
        "--register=no",
        "--keep-unit",
        "--quiet",
        `--directory=${rootfs}`,
        "--volatile=overlay",
        "--console=passive",
        `--machine=${name}`,
        "--boot",
      ],
      { stdin: "ignore", stdout: logFd, stderr: logFd },
    );
    closeSync(logFd);
    _live.add(proc);
    void proc.exited.then(() => _live.delete(proc));
    const leader = await waitFor(
      () => {
        if (proc.exitCode !== null)
          throw new Error(`systemd-nspawn exited ${proc.exitCode}: ${_tail(logPath)}`);
        return _initOf(proc.pid);
      },
      { what: "the container's systemd", timeoutMs: BOOT_TIMEOUT_MS },
    );
    const container = new Container(name, proc, leader, logPath);
    try {
      await waitFor(
        async () => {
          const state = (await container.exec(["systemctl", "is-system-running"])).stdout.trim();
          if (state === "running" || state === "degraded") return true;
          if (proc.exitCode !== null) throw new Error(`systemd-nspawn exited ${proc.exitCode}`);
          return false;
        },
        { what: "systemd in the container to finish booting", timeoutMs: BOOT_TIMEOUT_MS, intervalMs: 250 },
      );
    } catch (err) {
      const failed = await container.exec(["systemctl", "--failed", "--no-pager"]);
      await container.shutdown();
      throw new Error(`${(err as Error).message}\n${failed.stdout}\n${_tail(logPath)}`);
    }
    return container;
  }

  /** Runs argv inside the container as root, with a clean environment. */
  async exec(
    argv: string[],
    opts: { timeoutMs?: number; env?: Record<string, string> } = {},
  ): Promise<ExecResult> {
    const env = Object.entries({ PATH: CONTAINER_PATH, HOME: "/root", LANG: "C.UTF-8", ...opts.env }).map(
      ([k, v]) => `${k}=${v}`,
    );
    // nsenter's own environment is clean too; `env -i` starts the command from nothing but `env`.
    return runToEnd(
      ["nsenter", `--target=${this.leader}`, "--all", "--", "env", "-i", ...env, ...argv],
      {},
      { clean: true, timeoutMs: opts.timeoutMs ?? 120_000 },
    );
  }

  /** `sh -c script` inside the container. */
  sh(script: string, opts: { timeoutMs?: number } = {}): Promise<ExecResult> {
    return this.exec(["sh", "-c", script], opts);
  }

  /** A path inside the container as the host sees it. */
  path(inside: string): string {
    return join(`/proc/${this.leader}/root`, inside);
  }

  /** Whether the path exists inside (a symlink counts, even one whose target is only valid inside). */
  exists(inside: string): boolean {
    try {
      lstatSync(this.path(inside));
      return true;
    } catch {
      return false;
    }
  }

  read(inside: string): string {
    return readFileSync(this.path(inside), "utf8");
  }

  log(): string {
    return _tail(this.logPath, 40);
  }

  /** Powers the container off (SIGTERM makes nspawn ask its init to shut down); SIGKILL if it hangs. */
  async shutdown(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    this.proc.kill("SIGTERM");
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), SHUTDOWN_TIMEOUT_MS);
    await this.proc.exited;
    clearTimeout(timer);
  }
}

/** nspawn's child once it is systemd in a pid namespace of its own (the container's PID 1). */
function _initOf(pid: number): number | null {
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim().split(/\s+/)) {
        if (!child) continue;
        const comm = readFileSync(`/proc/${child}/comm`, "utf8").trim();
        const ownNs = readlinkSync(`/proc/${child}/ns/pid`) !== readlinkSync("/proc/self/ns/pid");
        if (comm === "systemd" && ownNs) return Number(child);
      }
    }
  } catch {
    // not started yet, or gone
  }
  return null;
}

function _tail(path: string, lines = 15): string {
  try {
    return readFileSync(path, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}
