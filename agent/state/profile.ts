// A Nix profile as nix-env, nixos-rebuild, darwin-rebuild and home-manager leave it:
//   <profile> -> <profile>-<N>-link -> /nix/store/<hash>-<name>
// The active generation is N, its store path the link's target, and every <profile>-<M>-link
// beside it is a generation still on disk (newest first here), created when its link was.
import { lstatSync, readdirSync, readlinkSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";

export interface ProfileGeneration {
  generation: number;
  path: string | null;
  /** When the generation's link was made: when that switch happened. */
  at: string;
}

export interface ProfileState {
  generation: number | null;
  path: string | null;
  /** Newest first, at most MAX_GENERATIONS. */
  generations: ProfileGeneration[];
}

/** The contract lists this many (protocol/config-state.ts HostState.generations). */
export const MAX_GENERATIONS = 20;
const MAX_GENERATION = 1_000_000;

/** null when the profile does not exist (nothing was ever switched to it). */
export function readProfile(profile: string): ProfileState | null {
  const active = _readlink(profile);
  if (active === null) return null;
  const link = resolve(dirname(profile), active);
  return {
    generation: _generationOf(basename(profile), basename(link)),
    path: _target(link),
    generations: _generations(profile),
  };
}

function _generations(profile: string): ProfileGeneration[] {
  const name = basename(profile);
  let entries: string[];
  try {
    entries = readdirSync(dirname(profile));
  } catch {
    return [];
  }
  const found: ProfileGeneration[] = [];
  for (const entry of entries) {
    const generation = _generationOf(name, entry);
    if (generation === null) continue;
    const link = resolve(dirname(profile), entry);
    try {
      found.push({ generation, path: _target(link), at: lstatSync(link).mtime.toISOString() });
    } catch {
      // Removed (a garbage collection) while listing.
    }
  }
  return found.sort((a, b) => b.generation - a.generation).slice(0, MAX_GENERATIONS);
}

/** N of `<name>-<N>-link`, or null for any other entry (or an absurd N). */
function _generationOf(name: string, entry: string): number | null {
  if (!entry.startsWith(`${name}-`) || !entry.endsWith("-link")) return null;
  const digits = entry.slice(name.length + 1, -"-link".length);
  if (!/^\d{1,7}$/.test(digits)) return null;
  const generation = Number(digits);
  return generation <= MAX_GENERATION ? generation : null;
}

function _target(link: string): string | null {
  const target = _readlink(link);
  return target === null ? null : resolve(dirname(link), target);
}

function _readlink(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch {
    return null;
  }
}
