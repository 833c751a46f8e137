// A host's compartments: one dot each for what fleetd compared (Agent, Config, Lock, System,
// Tests), with a tooltip and an accessible label that say what was compared and what came out,
// so the dot's colour is never the only way to read it. Red only where something failed.
import type { BoardHost } from "../protocol/board.ts";
import type { ConfigStateName, ConfigTarget } from "../protocol/config-state.ts";
import { ago, esc } from "./dom.ts";
import type { Tone } from "./format.ts";

export interface Compartment {
  id: "agent" | "config" | "lock" | "system" | "tests";
  tone: Tone;
  /** The whole comparison in words: the tooltip, the label, and the detail's text. */
  says: string;
}

/** What the board compares with: the target and the agent version fleetd serves. */
export interface Against {
  target: ConfigTarget | null;
  agentVersion: string | null;
  now: number;
}

export const CONFIG_TONES: Record<ConfigStateName, Tone> = {
  current: "ok",
  untested: "info",
  pulled: "info",
  behind: "warn",
  dirty: "warn",
  failed: "bad",
  unknown: "idle",
};

const CONFIG_MEANS: Record<ConfigStateName, string> = {
  current: "at the target, clean, switched from it and tested since",
  untested: "switched from the target, no test passed since",
  pulled: "checkout at the target, not switched from it yet",
  behind: "checkout not at the target",
  dirty: "tracked files changed in the checkout",
  failed: "the last switch or test failed",
  unknown: "nothing to compare: no report or no target",
};

export const shortSha = (sha: string | null | undefined): string => (sha ? sha.slice(0, 7) : "none");

/** "behind 3", "current": the config state in the word or two a row has room for. */
export function configWord(h: BoardHost): string {
  const { state, behindBy } = h.config;
  return state === "behind" && behindBy !== null ? `behind ${behindBy}` : state;
}

/** "a1b2c3d behind 3", "a1b2c3d current", "unknown": as `fleetctl hosts` says it. */
export function configWords(h: BoardHost): string {
  return h.config.commit ? `${shortSha(h.config.commit)} ${configWord(h)}` : configWord(h);
}

export function compartments(h: BoardHost, against: Against): Compartment[] {
  return [_agent(h, against), _config(h, against), _lock(h, against), _system(h), _tests(h)];
}

export function compartmentDots(list: Compartment[]): string {
  let html = `<span class="dots">`;
  for (const c of list) {
    const says = esc(c.says);
    html += `<span class="dot ${c.tone}" role="img" data-compartment="${c.id}" data-tone="${c.tone}" title="${says}" aria-label="${says}"></span>`;
  }
  return `${html}</span>`;
}

function _agent(h: BoardHost, { agentVersion }: Against): Compartment {
  const running = h.version ?? "unknown";
  if (h.version === null)
    return { id: "agent", tone: "idle", says: "Agent: version unknown (never said hello)" };
  const serves = agentVersion ? `fleetd serves ${agentVersion}` : "fleetd serves no agent builds";
  return h.outdated
    ? { id: "agent", tone: "warn", says: `Agent: outdated, runs ${running}, ${serves}` }
    : { id: "agent", tone: "ok", says: `Agent: current, runs ${running}` };
}

function _config(h: BoardHost, { target }: Against): Compartment {
  const { state, behindBy, commit } = h.config;
  const by =
    state !== "behind"
      ? ""
      : behindBy !== null
        ? `, ${behindBy} commit${behindBy === 1 ? "" : "s"} behind`
        : ", commits behind not counted";
  const compared = `checkout ${shortSha(commit)} against target ${shortSha(target?.commit)}`;
  return {
    id: "config",
    tone: CONFIG_TONES[state],
    says: `Config: ${state}${by} (${CONFIG_MEANS[state]}); ${compared}`,
  };
}

function _lock(h: BoardHost, { now }: Against): Compartment {
  const hash = h.config.lockHash;
  if (!hash) return { id: "lock", tone: "idle", says: "Lock: no flake.lock reported" };
  const oldest = h.oldestLockInput;
  const age = oldest?.lastModified
    ? `; oldest input ${oldest.name} locked ${ago(now - Date.parse(oldest.lastModified))}`
    : "";
  return { id: "lock", tone: "ok", says: `Lock: flake.lock sha256 ${hash.slice(0, 12)}${age}` };
}

function _system(h: BoardHost): Compartment {
  const sys = h.system;
  if (!sys || (sys.generation === null && sys.path === null))
    return { id: "system", tone: "idle", says: "System: no generation reported" };
  const gen = sys.generation === null ? "generation unknown" : `generation ${sys.generation}`;
  const from = h.config.builtFrom ? `, built from ${shortSha(h.config.builtFrom)}` : ", built from unknown";
  const reboot = sys.needsReboot ? ", needs reboot (booted kernel differs)" : "";
  return { id: "system", tone: sys.needsReboot ? "warn" : "ok", says: `System: ${gen}${from}${reboot}` };
}

function _tests(h: BoardHost): Compartment {
  const tests = h.tests;
  if (!tests) return { id: "tests", tone: "idle", says: "Tests: never run" };
  if (tests.verdict === "passed")
    return { id: "tests", tone: "ok", says: "Tests: passed since the last switch" };
  if (tests.verdict === "failed")
    return { id: "tests", tone: "bad", says: "Tests: failed since the last switch" };
  return { id: "tests", tone: "warn", says: "Tests: stale, last run before the last switch" };
}
