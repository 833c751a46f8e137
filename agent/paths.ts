// Where the agent keeps its state. Every command takes --state-dir (or FLEET_STATE_DIR)
// so several agents can run side by side on one machine (tests, the demo).
import { homedir } from "node:os";
import { join } from "node:path";

export function defaultStateDir(platform: NodeJS.Platform = process.platform): string {
  if (platform === "darwin") return join(homedir(), "Library", "Application Support", "fleet-agent");
  if (platform === "win32") return join(process.env.ProgramData ?? "C:\\ProgramData", "fleet-agent");
  // A non-root Linux agent (tests, a user service) cannot write /var/lib.
  if (process.getuid?.() !== 0) return join(homedir(), ".local", "state", "fleet-agent");
  return "/var/lib/fleet-agent";
}

export function resolveStateDir(flag: string | undefined): string {
  return flag || process.env.FLEET_STATE_DIR || defaultStateDir();
}

/** The file layout inside one state dir: every file name in it is written here and nowhere else. */
export function statePaths(stateDir: string) {
  return {
    root: stateDir,
    config: join(stateDir, "config.json"),
    credentials: join(stateDir, "credentials.json"),
    lock: join(stateDir, "agent.lock"),
    /** Who said hello last (agent/update/health.ts). */
    health: join(stateDir, "health.json"),
    restartRequest: join(stateDir, "restart-request.json"),
    /** Windows only: the swap helper and its log (agent/update/swap.ts). */
    windowsSwapScript: join(stateDir, "update.cmd"),
    windowsSwapLog: join(stateDir, "update.log"),
    jobs: join(stateDir, "jobs"),
    /** The runner's records of the last switch and test (agent/state/records.ts). */
    switchRecord: join(stateDir, "switch-record.json"),
    testRecord: join(stateDir, "test-record.json"),
    /** The hash of the config state fleetd last acknowledged (agent/state/reporter.ts). */
    stateAcked: join(stateDir, "state-acked.json"),
    job: (id: string) => join(stateDir, "jobs", id),
  };
}
export type StatePaths = ReturnType<typeof statePaths>;
