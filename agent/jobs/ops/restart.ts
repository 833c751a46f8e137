// restart: the agent exits 0 and its service manager starts it again. The runner outlives the
// agent, so it is the one to ask (the same request an update makes) and then to wait for the
// next agent process's hello: success is what the new process reports.
import { isLocked, readHolderPid } from "../../lock.ts";
import { readHealth, requestAgentRestart } from "../../update/health.ts";
import type { Operation } from "./context.ts";

const POLL_MS = 200;

export const restart: Operation<"restart"> = async (ctx) => {
  const lock = `${ctx.stateDir}/agent.lock`;
  const oldPid = readHolderPid(lock);
  if (!oldPid || !isLocked(lock))
    return {
      state: "failed",
      exitCode: null,
      reason: "no running agent holds agent.lock; nothing to restart",
    };
  const askedAt = Date.now();
  requestAgentRestart(ctx.stateDir, oldPid, `restart requested by job ${ctx.jobId}`);
  ctx.line("agent", `asked the agent (pid ${oldPid}) to exit so its service manager restarts it`);
  const timeout = ctx.config.timeouts.restartSeconds;
  const deadline = askedAt + timeout * 1000;
  while (Date.now() < deadline) {
    if (ctx.signal.aborted)
      return {
        state: "cancelled",
        exitCode: null,
        reason: "cancelled while waiting for the agent to restart",
      };
    const note = readHealth(ctx.stateDir);
    if (note && note.pid !== oldPid && note.at > askedAt)
      return { state: "succeeded", exitCode: 0, reason: `agent restarted (pid ${oldPid} → ${note.pid})` };
    await Bun.sleep(POLL_MS);
  }
  return {
    state: "timed_out",
    exitCode: null,
    reason: `no new agent said hello within ${timeout} s of asking pid ${oldPid} to restart; is a service manager running it?`,
  };
};
