// The detached job runner: `fleet-agent runner --job <id>`. It runs one operation to the
// end whatever happens to the agent that started it (its own session, so an agent
// killed by its service manager does not take it along), spools output and the result
// to disk, and exits. It holds runner.lock for its whole life so the agent can tell a
// live runner from a dead one without trusting pids.
import { existsSync } from "node:fs";
import type { JobResult } from "../../protocol/index.ts";
import { loadConfig } from "../config.ts";
import { tryLock } from "../lock.ts";
import { log } from "../log.ts";
import type { StatePaths } from "../paths.ts";
import { runOperation } from "./ops/index.ts";
import { jobFiles, readJobCommand } from "./spool.ts";
import { SpoolWriter } from "./spool-writer.ts";

export async function runJob(paths: StatePaths, jobId: string): Promise<number> {
  const files = jobFiles(paths.job(jobId));
  const held = tryLock(files.runnerLock);
  if (!held.ok) {
    log.error(`job ${jobId} already has a runner (pid ${held.holderPid ?? "?"})`);
    return 1;
  }
  if (existsSync(files.result)) return 0;
  const command = readJobCommand(files);
  const spool = new SpoolWriter(files);
  spool.start();
  if (!command) {
    await spool.finish({ state: "failed", exitCode: null, reason: "job.json missing or unreadable" });
    return 1;
  }

  const cancel = new AbortController();
  // SIGTERM is how the agent forwards an operator's cancel; SIGINT/SIGHUP arrive when a
  // terminal closes in development. None of them should lose the result.
  for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(sig, () => cancel.abort());

  let result: JobResult;
  try {
    const config = loadConfig(paths);
    result = await runOperation(command.op, command.args, {
      config,
      stateDir: paths.root,
      jobId,
      signal: cancel.signal,
      line: (stream, data) => spool.line(stream, data),
      progress: (p) => spool.progress(p),
    });
  } catch (err) {
    result = { state: "failed", exitCode: null, reason: `runner error: ${(err as Error).message}` };
  }
  if (cancel.signal.aborted && result.state !== "succeeded") {
    result = { ...result, state: "cancelled", reason: result.reason ?? "cancelled by operator" };
  }
  spool.line("agent", `result: ${result.state}${result.reason ? ` (${result.reason})` : ""}`);
  await spool.finish(result);
  held.lock.release();
  return 0;
}
