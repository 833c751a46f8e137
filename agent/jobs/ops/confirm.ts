// The confirmation after a deploy's switch or rollback: a fresh agent process (not the one that
// ran before) has reached fleetd and been acknowledged, i.e. written its health note after a
// hello fleetd answered, since the switch ended. A switch that did not restart the agent leaves
// the old process up, and a process the switch restarted part way said its hello before the
// switch was done; either way the service manager is asked to restart it, so the process judged
// is the one the new configuration starts. With no service manager and no restartCommand there
// is nobody to start a fresh process: the confirmation is then the runner reaching fleetd itself
// with the pre-switch agent still running, and says so (docs/deploy.md).
import { isLocked, readHolderPid } from "../../lock.ts";
import { statePaths } from "../../paths.ts";
import { readHealth } from "../../update/health.ts";
import { restartAgentService, restartArgv } from "../../update/watch.ts";
import type { OpContext } from "./context.ts";

const POLL_MS = 200;
/** One look at fleetd's health route from the runner (no service manager only). */
const REACH_TIMEOUT_MS = 5_000;

export interface Confirmation {
  confirmed: boolean;
  /** What was seen, for the job's output and reason. */
  how: string;
}

/** What ended at `sinceMs`: the switch, or the rollback after it. */
export type Change = "switch" | "rollback";

export interface Since {
  change: Change;
  /** The agent that ran before the change: its hellos do not count. */
  stalePid: number | null;
  /** When the change ended (ms): only a hello after it counts. */
  endedAt: number;
  /** launchd was just told to start the agent (after-switch.ts): it is fresh, not to be restarted. */
  revived: boolean;
}

/**
 * Waits until `endedAt + timeoutMs` for a hello from an agent other than `stalePid` after
 * `endedAt`, first getting the service manager to start one when none can come by itself.
 */
export async function confirmFreshAgent(
  ctx: OpContext,
  since: Since,
  timeoutMs: number,
): Promise<Confirmation> {
  const { change, stalePid, endedAt: sinceMs } = since;
  const say = (line: string) => ctx.line("agent", line);
  const deadline = sinceMs + timeoutMs;
  const seconds = `${Math.round(timeoutMs / 1000)} s`;
  if (!restartArgv(ctx.config)) return _reachFleetd(ctx, deadline, seconds);
  const { lock } = statePaths(ctx.stateDir);
  const holder = isLocked(lock) ? readHolderPid(lock) : null;
  const note = readHealth(ctx.stateDir);
  const startedAfter =
    holder !== null && holder !== stalePid && !(note?.pid === holder && note.at <= sinceMs);
  if (!startedAfter && !since.revived) {
    say(
      holder === null
        ? "no agent is running: asking the service manager to start one"
        : `agent pid ${holder} ran before the ${change} ended: restarting it so a fresh process confirms`,
    );
    await restartAgentService(ctx.config, ctx.stateDir, say);
  }
  say(`waiting up to ${seconds} for a fresh agent to reach fleetd`);
  while (Date.now() < deadline) {
    const seen = readHealth(ctx.stateDir);
    if (seen && seen.pid !== stalePid && seen.at > sinceMs) {
      const after = ((seen.at - sinceMs) / 1000).toFixed(1);
      return { confirmed: true, how: `agent pid ${seen.pid} reached fleetd ${after} s after the ${change}` };
    }
    await Bun.sleep(POLL_MS);
  }
  return { confirmed: false, how: `no fresh agent reached fleetd within ${seconds}` };
}

async function _reachFleetd(ctx: OpContext, deadline: number, seconds: string): Promise<Confirmation> {
  const { lock } = statePaths(ctx.stateDir);
  const url = new URL("/api/v1/health", ctx.config.server).toString();
  ctx.line("agent", "no service manager restarts this agent: confirming by reaching fleetd from the runner");
  let last = "not tried";
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(REACH_TIMEOUT_MS) });
      last = `fleetd answered ${res.status}`;
      if (res.ok && isLocked(lock)) {
        return {
          confirmed: true,
          how: `no service manager to start a fresh agent: the runner reached fleetd and agent pid ${readHolderPid(lock)} is still running`,
        };
      }
      if (res.ok) last = "fleetd answered but no agent is running";
    } catch (err) {
      last = (err as Error).message;
    }
    await Bun.sleep(POLL_MS * 5);
  }
  return { confirmed: false, how: `the runner could not confirm within ${seconds}: ${last}` };
}
