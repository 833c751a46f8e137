// Starts a job's runner so that it outlives the agent. Everywhere: a new session and
// process group (setsid via `detached`), stdio detached from the agent's, not waited for.
// Under systemd that is not enough: `systemctl restart fleet-agent` kills every process
// in the unit's cgroup, session or not. There the runner is started as a transient unit
// of its own (`systemd-run`), outside the agent's cgroup and free of the agent unit's
// sandboxing, which a switch must not inherit. See docs/jobs.md.
import { closeSync, mkdirSync, openSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../../lib/atomic-write.ts";
import type { RunCommand } from "../../protocol/index.ts";
import { selfCommand } from "../identity.ts";
import type { StatePaths } from "../paths.ts";
import type { ServiceManager } from "../service.ts";
import { isEmptySpool, jobFiles } from "./spool.ts";

export type Launch = { outcome: "started" } | { outcome: "known" } | { outcome: "failed"; reason: string };

/**
 * Writes the job's spool dir and starts its runner. Only an existing dir means "seen before" (a
 * re-dispatch of a job this host already has); any other failure (disk full, read-only state dir)
 * is the job's failure, said with its real reason. A half-written dir is removed, so the job is
 * not listed as held and a later dispatch starts from scratch once the disk is fixed.
 */
export function launchRunner(paths: StatePaths, command: RunCommand, manager: ServiceManager): Launch {
  const files = jobFiles(paths.job(command.jobId));
  try {
    mkdirSync(files.dir, { recursive: false });
  } catch (err) {
    const exists = (err as NodeJS.ErrnoException).code === "EEXIST";
    // An empty leftover is not "seen before": its command never made it to disk.
    if (exists && !isEmptySpool(files)) return { outcome: "known" };
    if (!exists) return { outcome: "failed", reason: unstartableReason(err) };
  }
  try {
    writeFileAtomic(files.job, JSON.stringify(command));
    startRunnerProcess(paths, command.jobId, manager);
  } catch (err) {
    rmSync(files.dir, { recursive: true, force: true });
    return { outcome: "failed", reason: unstartableReason(err) };
  }
  return { outcome: "started" };
}

/** "the agent could not write the job to its state dir: ENOSPC: no space left on device, open '…'" */
export const unstartableReason = (err: unknown) =>
  `the agent could not write the job to its state dir: ${(err as Error).message}`;

export function startRunnerProcess(paths: StatePaths, jobId: string, manager: ServiceManager): void {
  const runnerArgv = [...selfCommand(), "runner", "--state-dir", paths.root, "--job", jobId];
  const [exe, ...rest] = manager === "systemd" ? systemdRunArgv(jobId, runnerArgv) : runnerArgv;
  // The runner's own stderr goes to a file in its spool dir for post-mortems.
  const log = openSync(join(paths.job(jobId), "runner.log"), "a", 0o600);
  // Loaded here, at a job's start: an idle agent spawns nothing (docs/agent.md, "Memory").
  const child = process.getBuiltinModule("node:child_process").spawn(exe!, rest, {
    detached: true,
    stdio: ["ignore", log, log],
    windowsHide: true,
  });
  if (manager === "systemd") {
    // No systemd-run (or no bus to talk to): a detached process is the best left.
    child.on("error", () => startRunnerProcess(paths, jobId, "none"));
    child.on("exit", (code) => code !== 0 && startRunnerProcess(paths, jobId, "none"));
  }
  closeSync(log);
  child.unref();
}

/** The runner as a transient systemd service, collected when it exits. */
export function systemdRunArgv(jobId: string, runnerArgv: string[]): string[] {
  return [
    "systemd-run",
    ...(process.getuid?.() === 0 ? [] : ["--user"]),
    `--unit=fleet-job-${jobId}`,
    "--description=fleet-agent job runner",
    "--collect",
    "--quiet",
    // The runner's own child timeouts end the job; this only bounds a runaway runner.
    "--property=RuntimeMaxSec=6h",
    `--setenv=PATH=${process.env.PATH ?? "/usr/bin:/bin"}`,
    // A root unit has no HOME unless given one; git and nix want it.
    `--setenv=HOME=${process.env.HOME ?? (process.getuid?.() === 0 ? "/root" : "/")}`,
    ...runnerArgv,
  ];
}
