// The config state a simulated host reports: what a NixOS host's fleet-agent reads from its
// checkout and system profile, with the sizes of the real thing (40-hex commits, a flake.lock
// hash, a few locked inputs, a store path, the last generations). The whole fleet runs one config
// repo (bench/config-repo.ts): step 0 is every host switched to and tested on its first commit
// (hello); step 1 is the same host after pulling the second, the target, without switching yet
// (the one agentState report of a change).
import { createHash } from "node:crypto";
import type { HostState } from "../../protocol/config-state.ts";

export type StateStep = 0 | 1;

const _hex = (seed: string, length: number) =>
  createHash("sha256").update(seed).digest("hex").slice(0, length);

const _LOCK_INPUTS = ["nixpkgs", "home-manager", "flake-utils", "sops-nix"];
const _DAY_MS = 86_400_000;

/** `commits`: the config repo's two commits, oldest first. */
export function simHostState(
  hostName: string,
  step: StateStep,
  commits: readonly [string, string],
  now = Date.now(),
): HostState {
  const commit = commits[step];
  const built = commits[0];
  const generation = 400 + (_hostNumber(hostName) % 50);
  const switchedAt = new Date(now - 2 * _DAY_MS).toISOString();
  return {
    checkout: {
      commit,
      branch: "main",
      subject: step === 0 ? "hosts: enable the node exporter on web" : "nixpkgs: bump to 24.05 (flake.lock)",
      committedAt: new Date(now - (3 - step) * _DAY_MS).toISOString(),
      dirty: false,
      remoteCommit: commit,
      fetchedAt: new Date(now - 60_000).toISOString(),
      lockHash: _hex(`lock-${step}`, 64),
      lockInputs: _LOCK_INPUTS.map((name, i) => ({
        name,
        rev: _hex(`${name}-${step}`, 40),
        lastModified: new Date(now - (10 + i * 7) * _DAY_MS).toISOString(),
      })),
    },
    system: {
      generation,
      path: `/nix/store/${_hex(`system-${hostName}`, 32)}-nixos-system-${hostName}-24.05.20240601.${built.slice(0, 7)}`,
      needsReboot: false,
    },
    lastSwitch: { commit: built, dirty: false, generation, at: switchedAt },
    lastSwitchFailed: false,
    lastTest: { passed: true, at: new Date(now - 2 * _DAY_MS + 120_000).toISOString() },
    generations: Array.from({ length: 5 }, (_, i) => ({
      generation: generation - i,
      commit: _hex(`older-${i}`, 40),
      at: new Date(now - (2 + i * 3) * _DAY_MS).toISOString(),
    })).map((g, i) => (i === 0 ? { ...g, commit: built, at: switchedAt } : g)),
  };
}

/**
 * The host after a deploy of `commit`: its checkout at the commit, the next generation active,
 * built from it and tested, as the real agent reports it before sending the deploy's result.
 */
export function simDeployedState(before: HostState, commit: string, now = Date.now()): HostState {
  const at = new Date(now).toISOString();
  const generation = (before.system?.generation ?? 0) + 1;
  return {
    ...before,
    checkout: before.checkout ? { ...before.checkout, commit, remoteCommit: commit } : null,
    system: before.system ? { ...before.system, generation } : null,
    lastSwitch: { commit, dirty: false, generation, at },
    lastSwitchFailed: false,
    lastTest: { passed: true, at },
    generations: [{ generation, commit, at }, ...before.generations].slice(0, 5),
  };
}

/** The trailing number of `sim-fleetd-g0-123`: spreads generations over the fleet. */
function _hostNumber(hostName: string): number {
  return Number(/(\d+)$/.exec(hostName)?.[1] ?? 0);
}
