// The host's config state as one HostState (protocol/config-state.ts), read fresh from the
// checkout, the system profile and the runner's records, and its hash: the agent sends the state
// only when the hash changed, so a fleet at rest costs fleetd no writes.
import { existsSync } from "node:fs";
import { type Checker, jsonChecker } from "../../lib/json-schema-check.ts";
import type { CheckoutState, HostState } from "../../protocol/config-state.ts";
import type { AgentConfig } from "../config.ts";
import { log as agentLog } from "../log.ts";
import { jsonSchema } from "../schema-macro.ts" with { type: "macro" };
import { readCheckout } from "./checkout.ts";
import { readRecords } from "./records.ts";
import { STATE_COMMAND_TIMEOUT_SECONDS } from "./state-command.ts";
import { readSystem, type SystemOptions, type SystemReading, systemProfileFor } from "./system.ts";

const CHECKOUT_STATE = jsonChecker(() => jsonSchema("CheckoutState"));
const SYSTEM_STATE = jsonChecker(() => jsonSchema("SystemState"));

/** What tests (and an unusual host) may set instead of the machine's own answers. */
export type HostStateOverrides = Partial<
  Pick<SystemOptions, "profile" | "nixos" | "bootedSystem" | "currentSystem" | "log">
> & { stateCommandTimeoutMs?: number };

export async function readHostState(
  config: AgentConfig,
  stateDir: string,
  overrides: HostStateOverrides = {},
): Promise<HostState> {
  const log = overrides.log ?? _warn;
  const [checkout, reading] = await Promise.all([
    readConfigCheckout(config),
    readConfigSystem(config, overrides),
  ]);
  const records = readRecords(stateDir);
  return {
    checkout: _checked(CHECKOUT_STATE, checkout, "checkout", log),
    system: _checked(SYSTEM_STATE, reading.system, "system", log),
    lastSwitch: records.lastSwitch,
    lastSwitchFailed: records.lastSwitchFailed,
    lastTest: records.lastTest,
    generations: reading.generations.map((g) => ({
      generation: g.generation,
      commit: records.builtFrom.get(g.generation) ?? null,
      at: g.at,
    })),
  };
}

/** The checkout config.json's `repo` names, or null without one (also what a switch is built from). */
export function readConfigCheckout(config: AgentConfig): Promise<CheckoutState | null> {
  const repo = config.repo;
  if (!repo) return Promise.resolve(null);
  return readCheckout(repo.dir, {
    remote: repo.remote,
    branch: repo.branch,
    limits: {
      timeoutMs: config.timeouts.gitSeconds * 1000,
      killGraceMs: config.timeouts.killGraceSeconds * 1000,
    },
  });
}

/** The system as config.json says to read it (also the generation a switch made). */
export function readConfigSystem(
  config: AgentConfig,
  overrides: HostStateOverrides = {},
): Promise<SystemReading> {
  return readSystem({
    profile: overrides.profile !== undefined ? overrides.profile : systemProfileFor(config),
    stateCommand: config.system.stateCommand,
    nixos: overrides.nixos ?? (process.platform === "linux" && existsSync("/etc/NIXOS")),
    bootedSystem: overrides.bootedSystem,
    currentSystem: overrides.currentSystem,
    limits: {
      timeoutMs: overrides.stateCommandTimeoutMs ?? STATE_COMMAND_TIMEOUT_SECONDS * 1000,
      killGraceMs: config.timeouts.killGraceSeconds * 1000,
    },
    log: overrides.log ?? _warn,
  });
}

/** A piece that does not fit the contract is reported as not known, with the reason logged. */
function _warn(reason: string): void {
  agentLog.warn(`config state: ${reason}`);
}

function _checked<T>(
  schema: Checker<T>,
  value: T | null,
  what: string,
  log: (reason: string) => void,
): T | null {
  if (value === null) return null;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  log(
    `${what} not reported: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
  );
  return null;
}
