// After a switch on macOS: make sure the agent that comes back is the new one. launchd
// caches the job; when home-manager or darwin-rebuild replaces the agent binary or its
// plist it may not restart the agent at all, or restart the old binary. The runner
// outlives the agent, so it is the one to fix that:
//   binary changed only  -> `launchctl kickstart -k <domain>/<label>` (once)
//   plist changed        -> `launchctl bootout` then `launchctl bootstrap`, with retry
// (the plist points at a stable binary path, so a binary change never needs a reload).
import { readFileSync } from "node:fs";
import { sha256Hex } from "../../lib/sha256-file.ts";
import type { AgentConfig } from "../config.ts";
import { detectServiceManager, launchdDomain } from "../service.ts";
import { runChild } from "./child.ts";

export const LAUNCHCTL_TIMEOUT_MS = 30_000;
export const BOOTSTRAP_ATTEMPTS = 5;
export const BOOTSTRAP_RETRY_MS = 1_000;

export interface ServiceFingerprint {
  binary: string | null;
  plist: string | null;
}

export function fingerprint(config: AgentConfig): ServiceFingerprint {
  return {
    binary: _hash(config.service.binary ?? process.execPath),
    plist: config.service.plist ? _hash(config.service.plist) : null,
  };
}

type Say = (line: string) => void;

export interface Changed<T> {
  value: T;
  /** When `change` ended, before any launchctl call: a hello after it is from after the change. */
  endedAt: number;
  /** launchctl was told to (re)start the agent: the process that comes up is a fresh one. */
  revived: boolean;
}

/**
 * Runs `change` (a switch or a rollback: anything that may replace the agent's binary or plist)
 * and, under launchd, then brings up the agent it left, whether `change` worked or not.
 */
export async function withAgentRevived<T>(
  config: AgentConfig,
  say: Say,
  change: () => Promise<T>,
): Promise<Changed<T>> {
  const before = detectServiceManager(config) === "launchd" ? fingerprint(config) : null;
  let endedAt = Date.now();
  try {
    const value = await change();
    endedAt = Date.now();
    return { value, endedAt, revived: before ? await reviveLaunchdAgent(config, before, say) : false };
  } catch (err) {
    if (before) await reviveLaunchdAgent(config, before, say);
    throw err;
  }
}

/**
 * Compares before/after and issues the launchctl calls that bring up the new agent; true when it
 * (re)started the agent.
 */
export async function reviveLaunchdAgent(
  config: AgentConfig,
  before: ServiceFingerprint,
  say: Say,
): Promise<boolean> {
  const after = fingerprint(config);
  const target = `${launchdDomain(config)}/${config.service.label}`;
  if (config.service.plist && after.plist !== before.plist) {
    say(`agent plist changed: reloading ${target}`);
    await _launchctl(["bootout", target], say);
    for (let attempt = 1; attempt <= BOOTSTRAP_ATTEMPTS; attempt++) {
      // bootstrap right after bootout often fails with 5 (I/O error) while launchd is
      // still tearing the old job down; waiting and retrying is what works.
      if ((await _launchctl(["bootstrap", launchdDomain(config), config.service.plist], say)) === 0)
        return true;
      await Bun.sleep(BOOTSTRAP_RETRY_MS);
    }
    say(
      `launchctl bootstrap failed ${BOOTSTRAP_ATTEMPTS} times; the agent may need 'launchctl bootstrap' by hand`,
    );
    return false;
  }
  if (after.binary !== before.binary) {
    say("agent binary changed: restarting the agent on the new binary");
    await kickstart(config, say);
    return true;
  }
  return false;
}

/** `launchctl kickstart -k`: stop the running agent job and start it again from its path. */
export async function kickstart(config: AgentConfig, say: Say): Promise<void> {
  await _launchctl(["kickstart", "-k", `${launchdDomain(config)}/${config.service.label}`], say);
}

async function _launchctl(args: string[], say: Say): Promise<number | null> {
  say(`$ launchctl ${args.join(" ")}`);
  const result = await runChild(["launchctl", ...args], {
    timeoutMs: LAUNCHCTL_TIMEOUT_MS,
    killGraceMs: 1000,
    onLine: (_stream, line) => say(line),
  });
  if (result.exitCode !== 0) say(`launchctl ${args[0]} exited with ${result.exitCode ?? result.spawnError}`);
  return result.exitCode;
}

function _hash(path: string): string | null {
  try {
    return sha256Hex(readFileSync(path));
  } catch {
    return null;
  }
}
