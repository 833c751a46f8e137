// A real fleetd on loopback (temp data dir, port 0) and fleetctl run from source as a child
// process against it, the way an operator runs it: for fleetctl's end-to-end tests.
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { createConsola } from "consola";
import { type RunningServer, startServer } from "../../server/app.ts";
import { type ConfigInput, resolveConfig } from "../../server/config.ts";
import { type RunResult, runToEnd } from "../harness/run-to-end.ts";
import { tempDir } from "../harness/temp-dir.ts";

const REPO_ROOT = resolve(import.meta.dir, "../..");

export type Run = RunResult;

const _fleetctlArgv = (args: string[]) => [process.execPath, "cli/main.ts", ...args];

export class CliFixture {
  private constructor(
    readonly fleetd: RunningServer,
    readonly adminToken: string,
  ) {}

  /** `flags` as `fleetd serve` takes them, e.g. `{ configRepo }` for a fleetd that reads a config repo. */
  static async start(flags: ConfigInput = {}): Promise<CliFixture> {
    const data = join(tempDir("cli-e2e"), "data");
    const config = resolveConfig({ host: "127.0.0.1", port: 0, data, ...flags }, {});
    const fleetd = await startServer(config, { log: createConsola({ level: -999 }) });
    return new CliFixture(fleetd, fleetd.fleet.newAdminToken!);
  }

  get url(): string {
    return this.fleetd.url;
  }

  /** Starts fleetctl with only the environment a test gives it (plus where fleetd is). */
  spawn(args: string[], env: Record<string, string> = {}): Subprocess<"ignore", "pipe", "pipe"> {
    return Bun.spawn(_fleetctlArgv(args), {
      cwd: REPO_ROOT,
      env: this._env(env),
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
  }

  /** Runs fleetctl to completion, in the same environment as `spawn`. */
  run(args: string[], env: Record<string, string> = {}): Promise<Run> {
    return runToEnd(_fleetctlArgv(args), this._env(env), { cwd: REPO_ROOT, clean: true });
  }

  private _env(env: Record<string, string>): Record<string, string> {
    return {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      NO_COLOR: "1",
      // As under `bun test` and in CI: consola would go quiet here unless fleetctl sets its level.
      NODE_ENV: "test",
      FLEET_SERVER: this.url,
      FLEET_TOKEN: this.adminToken,
      FLEET_FOLLOW_POLL_MS: "100",
      ...env,
    };
  }

  stop(): Promise<void> {
    return this.fleetd.stop();
  }
}
