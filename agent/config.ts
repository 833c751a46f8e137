// The agent's config file (config.json in the state dir) and its credentials
// (credentials.json, mode 0600). Both checked against their schemas (agent/file-schemas.ts);
// defaults depend on the platform.
import { existsSync, readFileSync } from "node:fs";
import { hostname, userInfo } from "node:os";
import type { z } from "zod";
import { type Checker, jsonChecker } from "../lib/json-schema-check.ts";
import type { BackoffLimits } from "./backoff.ts";
import type { AgentConfig as AgentConfigSchema, Credentials as CredentialsSchema } from "./file-schemas.ts";
import type { StatePaths } from "./paths.ts";
import { jsonSchema } from "./schema-macro.ts" with { type: "macro" };

/** config.json, checked as zod's AgentConfig (agent/file-schemas.ts) would, without zod. */
export const AgentConfig = jsonChecker(() => jsonSchema("AgentConfig"));
export type AgentConfig = z.output<typeof AgentConfigSchema>;

/** The config's backoff in the units agent/backoff.ts counts in; a cap below the base is the base. */
export function backoffLimits(config: AgentConfig): BackoffLimits {
  const baseMs = config.backoff.baseSeconds * 1000;
  return { baseMs, capMs: Math.max(baseMs, config.backoff.maxSeconds * 1000) };
}

export const Credentials = jsonChecker(() => jsonSchema("Credentials"));
export type Credentials = z.output<typeof CredentialsSchema>;

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

function _readJson<T>(path: string, schema: Checker<T>, what: string): T {
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
