// The demo's binaries, built with scripts/build.ts exactly as released, for this machine only:
// the current sources (fleetd, fleet-agent, fleetctl) and an older fleet-agent for the host
// that shows as outdated. Cached in dist/demo/<version>-<source hash>/ like the e2e harness's
// dist/test, so only the first `npm run demo` after a source change compiles anything.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { Manifest, type Program } from "../../protocol/index.ts";
import { sourceHash } from "../build/source-hash.ts";
import { artifactFileName, buildAll, hostTarget } from "../build.ts";

const CACHE_ROOT = resolve(import.meta.dir, "../../dist/demo");

/** What the demo fleet runs: package.json's version; one host keeps an agent one release behind. */
export const DEMO_VERSION: string = pkg.version;
export const OLDER_VERSION = "0.0.9";

export interface DemoBuild {
  version: string;
  /** fleetd's artifacts dir: manifest.json and the binaries it lists. */
  dir: string;
  path(program: Program): string;
}

/** Builds (or reuses) `programs` of `version` for this machine. */
export async function ensureDemoBuild(
  version: string,
  programs: readonly Program[],
  log: (line: string) => void = () => {},
): Promise<DemoBuild> {
  const target = hostTarget();
  const key = `${version}-${sourceHash()}`;
  const dir = join(CACHE_ROOT, key);
  _removeAbandonedStaging();
  if (!_isComplete(dir, version, programs.length)) {
    // Staged and renamed, so a second demo started meanwhile never runs half a build.
    const staging = join(CACHE_ROOT, `.staging-${key}-${process.pid}`);
    mkdirSync(staging, { recursive: true });
    try {
      await buildAll({ targets: [target], programs, out: staging, version, log });
      rmSync(dir, { recursive: true, force: true });
      renameSync(staging, dir);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
    _pruneStale(version, key);
  }
  return { version, dir, path: (program) => join(dir, artifactFileName(program, target)) };
}

/** Both builds the demo needs, the older one first so its agent exists before fleetd serves the new one. */
export async function ensureDemoBuilds(log?: (line: string) => void) {
  const older = await ensureDemoBuild(OLDER_VERSION, ["fleet-agent"], log);
  const current = await ensureDemoBuild(DEMO_VERSION, ["fleetd", "fleet-agent", "fleetctl"], log);
  return { current, older };
}

function _isComplete(dir: string, version: string, programs: number): boolean {
  try {
    const manifest = Manifest.parse(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")));
    return (
      manifest.version === version &&
      manifest.artifacts.length === programs &&
      manifest.artifacts.every((a) => statSync(join(dir, a.file)).size === a.size)
    );
  } catch {
    return false;
  }
}

/** A demo stopped with Ctrl-C mid-build exits before its `finally`: its staging dir names its pid. */
function _removeAbandonedStaging(): void {
  if (!existsSync(CACHE_ROOT)) return;
  for (const name of readdirSync(CACHE_ROOT)) {
    const pid = Number(/^\.staging-.*-(\d+)$/.exec(name)?.[1]);
    if (!pid || pid === process.pid || _alive(pid)) continue;
    rmSync(join(CACHE_ROOT, name), { recursive: true, force: true });
  }
}

function _alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === "EPERM";
  }
}

/** A build this old is not in use by a demo started from an earlier checkout. */
const PRUNE_AFTER_MS = 60 * 60 * 1000;

/** Builds of other source states are ~100 MB a binary and never used again. */
function _pruneStale(version: string, keep: string): void {
  if (!existsSync(CACHE_ROOT)) return;
  for (const name of readdirSync(CACHE_ROOT)) {
    const stale = name !== keep && name.startsWith(`${version}-`);
    if (!stale || !/^[0-9a-f]{16}$/.test(name.slice(version.length + 1))) continue;
    const path = join(CACHE_ROOT, name);
    if (Date.now() - statSync(path).mtimeMs > PRUNE_AFTER_MS) rmSync(path, { recursive: true, force: true });
  }
}
