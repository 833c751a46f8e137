// The agent's config file (config.json in the state dir) and its credentials
// (credentials.json, mode 0600). Both zod-validated; defaults depend on the platform.
import { existsSync, readFileSync } from "node:fs";
import { hostname, userInfo } from "node:os";
import { z } from "zod";
import { HostTags } from "../protocol/config-state.ts";
import { HostName, Id } from "../protocol/index.ts";
import { BACKOFF_BASE_MS, BACKOFF_CAP_MS, type BackoffLimits } from "./backoff.ts";
import type { StatePaths } from "./paths.ts";

/** Reconnect backoff in seconds (config.json `backoff`): the defaults of agent/backoff.ts. */
export const DEFAULT_BACKOFF = {
  baseSeconds: BACKOFF_BASE_MS / 1000,
  maxSeconds: BACKOFF_CAP_MS / 1000,
};

/** Child-process timeouts in seconds; every one can be overridden in config.json. */
export const DEFAULT_TIMEOUTS = {
  gitSeconds: 120,
  switchSeconds: 600,
  testSeconds: 300,
  killGraceSeconds: 5,
  /** A restart job: from asking the agent to exit to the next agent's hello. */
  restartSeconds: 60,
};

/**
 * How often the agent reads its config state (checkout, system, records) besides after every
 * pull, switch and test: catches a hand-made edit or switch. Cheap (a few git calls, no network).
 */
export const DEFAULT_STATE_INTERVAL_SECONDS = 300;

/** How often the agent sends its vitals (load, CPU, memory, disks, uptime); 0 sends none. */
export const DEFAULT_VITALS_INTERVAL_SECONDS = 60;

export const AgentConfig = z.object({
  server: z.string().url(),
  name: HostName,
  repo: z
    .object({
      /** Checkout of the config repo the host is built from. */
      dir: z.string().min(1),
      /** Cloned into `dir` by the first pull when `dir` does not exist yet. */
      url: z.string().optional(),
      branch: z.string().min(1).default("main"),
      remote: z.string().min(1).default("origin"),
      /** Flake inputs refreshed on every pull, so a stale flake.lock cannot pin an old version. */
      flakeInputs: z.array(z.string().min(1)).default([]),
    })
    .optional(),
  /** argv of the switch command; `{repo}`, `{host}` and `{user}` are substituted. */
  switch: z.array(z.string().min(1)).min(1).optional(),
  /**
   * argv that brings the system back to an earlier generation (a deploy that fails, `rollback`
   * jobs); `{generation}` (the one to go back to) and `{profile}` are substituted besides the
   * switch's. Default: per platform, from the switch command (see defaultRollbackCommand).
   */
  rollback: z.array(z.string().min(1)).min(1).optional(),
  /**
   * Where the active system is read from (see agent/state/system.ts). Default: the profile of the
   * platform the switch command belongs to (NixOS / nix-darwin system, home-manager).
   */
  system: z
    .object({
      /** A Nix profile symlink (`<profile>` -> `<profile>-<N>-link` -> store path). */
      profile: z.string().min(1).optional(),
      /** argv whose stdout names the generation: line 1 a number, optional line 2 a path. */
      stateCommand: z.array(z.string().min(1)).min(1).optional(),
    })
    .default({}),
  stateIntervalSeconds: z.number().positive().default(DEFAULT_STATE_INTERVAL_SECONDS),
  vitalsIntervalSeconds: z.number().nonnegative().max(86_400).default(DEFAULT_VITALS_INTERVAL_SECONDS),
  /** The host's tags, reported in hello; kept in config.json so they live in the config repo. */
  tags: HostTags.default([]),
  /** Tests are `<repo>/<testsDir>/T*.sh`, run in name order. */
  testsDir: z.string().min(1).default("hosts/{host}/tests"),
  /**
   * The service manager that runs this agent. After a switch the runner uses it to make
   * sure the agent that comes back is the new one (see docs/jobs.md).
   */
  service: z
    .object({
      manager: z.enum(["auto", "systemd", "launchd", "none"]).default("auto"),
      /** launchd job label, e.g. "dev.fleet.agent". */
      label: z.string().min(1).default("dev.fleet.agent"),
      /** launchd domain: "gui/<uid>" for a LaunchAgent (default), "system" for a LaunchDaemon. */
      domain: z.string().min(1).optional(),
      /** The plist launchd loaded; a switch that changes it needs bootout + bootstrap. */
      plist: z.string().min(1).optional(),
      /** The installed agent binary the service starts (default: the running executable). */
      binary: z.string().min(1).optional(),
      /** systemd unit name, for `systemctl restart` when a bad update must be rolled back. */
      unit: z.string().min(1).default("fleet-agent.service"),
      /**
       * argv that makes the service manager restart the agent, used to get rid of a new
       * binary that runs but never reports. Default: `systemctl restart <unit>` under
       * systemd, `launchctl kickstart -k` under launchd; none otherwise.
       */
      restartCommand: z.array(z.string().min(1)).min(1).optional(),
    })
    .default({ manager: "auto", label: "dev.fleet.agent", unit: "fleet-agent.service" }),
  /** Self-update health gate; see docs/update.md. */
  update: z
    .object({
      /** The new binary must say hello on the new version within this long, or it is rolled back. */
      healthGraceSeconds: z.number().positive().default(60),
      /** ...and then keep running this long. */
      soakSeconds: z.number().nonnegative().default(10),
      /** Windows: what update.cmd runs after the swap to start the service again. */
      windowsRestart: z.string().default("sc start fleet-agent"),
    })
    .default({ healthGraceSeconds: 60, soakSeconds: 10, windowsRestart: "sc start fleet-agent" }),
  timeouts: z
    .object({
      gitSeconds: z.number().positive().default(DEFAULT_TIMEOUTS.gitSeconds),
      switchSeconds: z.number().positive().default(DEFAULT_TIMEOUTS.switchSeconds),
      testSeconds: z.number().positive().default(DEFAULT_TIMEOUTS.testSeconds),
      killGraceSeconds: z.number().positive().default(DEFAULT_TIMEOUTS.killGraceSeconds),
      restartSeconds: z.number().positive().default(DEFAULT_TIMEOUTS.restartSeconds),
    })
    .default(DEFAULT_TIMEOUTS),
  /** Retry delays of every request to fleetd (hello, poll, delivery); see agent/backoff.ts. */
  backoff: z
    .object({
      baseSeconds: z.number().positive().default(DEFAULT_BACKOFF.baseSeconds),
      maxSeconds: z.number().positive().default(DEFAULT_BACKOFF.maxSeconds),
    })
    .default(DEFAULT_BACKOFF),
});
export type AgentConfig = z.infer<typeof AgentConfig>;

/** The config's backoff in the units agent/backoff.ts counts in; a cap below the base is the base. */
export function backoffLimits(config: AgentConfig): BackoffLimits {
  const baseMs = config.backoff.baseSeconds * 1000;
  return { baseMs, capMs: Math.max(baseMs, config.backoff.maxSeconds * 1000) };
}

export const Credentials = z.object({ hostId: Id, hostToken: z.string().min(1) });
export type Credentials = z.infer<typeof Credentials>;

/** The switch command an operator of this platform would type, or undefined when there is none. */
export function defaultSwitchCommand(platform: NodeJS.Platform = process.platform): string[] | undefined {
  if (platform === "darwin") return ["home-manager", "switch", "--flake", "{repo}#{user}@{host}"];
  if (platform === "linux" && existsSync("/etc/NIXOS")) {
    return ["nixos-rebuild", "switch", "--flake", "{repo}#{host}"];
  }
  return undefined;
}

/**
 * The rollback an operator of the platform the switch command belongs to would type, or undefined
 * (generic Linux: only the operator knows). home-manager has no `--rollback`: its way back is
 * running the earlier generation's own `activate`.
 */
export function defaultRollbackCommand(switchTool: string | undefined): string[] | undefined {
  if (switchTool === "nixos-rebuild") return ["nixos-rebuild", "switch", "--rollback"];
  if (switchTool === "darwin-rebuild") return ["darwin-rebuild", "switch", "--rollback"];
  if (switchTool === "home-manager") return ["{profile}-{generation}-link/activate"];
  return undefined;
}

export function defaultHostName(): string {
  const short = hostname().split(".")[0] ?? "host";
  return short.replace(/[^A-Za-z0-9._-]/g, "-") || "host";
}

/** Substitutes `{repo}`, `{host}` and `{user}` in an argv, and any `extra` names (a rollback's). */
export function expandArgv(
  argv: string[],
  config: AgentConfig,
  extra: Readonly<Record<string, string>> = {},
): string[] {
  const vars: Record<string, string> = {
    repo: config.repo?.dir ?? ".",
    host: config.name,
    user: userInfo().username,
    ...extra,
  };
  return argv.map((arg) => arg.replace(/\{([a-z]+)\}/g, (whole, key: string) => vars[key] ?? whole));
}

/** The `{name}` placeholders `argv` uses. */
export function placeholdersOf(argv: readonly string[]): string[] {
  return [...new Set(argv.flatMap((arg) => [...arg.matchAll(/\{([a-z]+)\}/g)].map((m) => m[1]!)))];
}

export class ConfigError extends Error {}

export function loadConfig(paths: StatePaths): AgentConfig {
  return _readJson(paths.config, AgentConfig, "config");
}

export function loadCredentials(paths: StatePaths): Credentials {
  return _readJson(paths.credentials, Credentials, "credentials");
}

function _readJson<T>(path: string, schema: z.ZodType<T>, what: string): T {
  if (!existsSync(path)) {
    throw new ConfigError(
      `no ${what} at ${path}: this agent is not enrolled; run 'fleet-agent enroll --server URL --token T'`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ConfigError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new ConfigError(`${path} is invalid: ${issues.join("; ")}`);
  }
  return parsed.data;
}
