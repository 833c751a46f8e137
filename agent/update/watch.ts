// The health gate, run by the update runner from the previous binary: it outlives the
// agent's exit and does not depend on the new binary running any code of its own. The
// new agent is healthy when it has said hello on the expected version and hash (its
// health note) and has kept the single-instance lock for the soak time.
import type { AgentConfig } from "../config.ts";
import { runChild } from "../jobs/child.ts";
import { isLocked, readHolderPid } from "../lock.ts";
import { statePaths } from "../paths.ts";
import { detectServiceManager, launchdDomain } from "../service.ts";
import { readHealth } from "./health.ts";

const POLL_MS = 200;

export interface Expected {
  version: string;
  sha256: string;
  /** Only notes written after this instant (ms) count. */
  after: number;
}

/** Resolves to null when healthy, or to the reason it is not. */
export async function awaitHealthy(
  stateDir: string,
  expected: Expected,
  graceMs: number,
  soakMs: number,
  say: (line: string) => void,
): Promise<string | null> {
  const deadline = Date.now() + graceMs;
  const { lock } = statePaths(stateDir);
  while (Date.now() < deadline) {
    const note = readHealth(stateDir);
    if (
      note &&
      note.at > expected.after &&
      note.version === expected.version &&
      note.sha256 === expected.sha256
    ) {
      say(`new agent (pid ${note.pid}) said hello on ${note.version}; soaking ${soakMs / 1000} s`);
      const soakEnd = Date.now() + soakMs;
      while (Date.now() < soakEnd) {
        await Bun.sleep(POLL_MS);
        if (!isLocked(lock) || readHolderPid(lock) !== note.pid) {
          return `new agent (pid ${note.pid}) exited during the ${soakMs / 1000} s soak`;
        }
      }
      return null;
    }
    await Bun.sleep(POLL_MS);
  }
  const last = readHealth(stateDir);
  const lastSeen = last && last.at > expected.after ? `; last hello was from ${last.version}` : "";
  return `new agent did not say hello on ${expected.version} within ${graceMs / 1000} s${lastSeen}`;
}

/**
 * Gets the service manager to restart the agent: a new binary that runs but never reports
 * may not even hold the lock, so only the service manager can be trusted to find it. With
 * no service manager, the lock holder (if any) is asked to exit, then made to.
 */
export async function restartAgentService(
  config: AgentConfig,
  stateDir: string,
  say: (line: string) => void,
) {
  const argv = restartArgv(config);
  if (argv) {
    say(`restarting the agent service: ${argv.join(" ")}`);
    const result = await runChild(argv, { timeoutMs: 60_000, killGraceMs: 1000, onLine: (_s, l) => say(l) });
    if (result.exitCode === 0) return;
    say(`${argv[0]} exited with ${result.exitCode ?? result.spawnError}`);
  }
  const { lock } = statePaths(stateDir);
  const pid = readHolderPid(lock);
  if (!pid || !isLocked(lock)) return;
  say(`stopping the unhealthy agent (pid ${pid})`);
  _signal(pid, "SIGTERM");
  for (let i = 0; i < 25 && isLocked(lock); i++) await Bun.sleep(POLL_MS);
  if (isLocked(lock) && readHolderPid(lock) === pid) _signal(pid, "SIGKILL");
}

export function restartArgv(config: AgentConfig): string[] | null {
  if (config.service.restartCommand) return config.service.restartCommand;
  const manager = detectServiceManager(config);
  if (manager === "systemd") return ["systemctl", "restart", config.service.unit];
  if (manager === "launchd")
    return ["launchctl", "kickstart", "-k", `${launchdDomain(config)}/${config.service.label}`];
  return null;
}

function _signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone already
  }
}
