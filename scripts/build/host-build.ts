// A cached build of some programs for this machine only, made with scripts/build.ts exactly as
// released: `npm start` (dist/dev), `npm run demo` (dist/demo). Keyed by version and source hash
// (<cache root>/<version>-<source hash>/), so only the first start after a source change compiles.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { Manifest, type Program } from "../../protocol/index.ts";
import { artifactFileName, buildAll, hostTarget } from "../build.ts";
import { sourceHash } from "./source-hash.ts";

export interface HostBuild {
  version: string;
  /** fleetd's artifacts dir: manifest.json and the binaries it lists. */
  dir: string;
  path(program: Program): string;
}

/** Builds (or reuses) `programs` of `version` for this machine. */
export async function ensureHostBuild(
  cacheRoot: string,
  version: string,
  programs: readonly Program[],
  log: (line: string) => void = () => {},
): Promise<HostBuild> {
  const target = hostTarget();
  const key = `${version}-${sourceHash()}`;
  const dir = join(cacheRoot, key);
  _removeAbandonedStaging(cacheRoot);
  if (!_isComplete(dir, version, programs.length)) {
    // Staged and renamed, so a second process started meanwhile never runs half a build.
    const staging = join(cacheRoot, `.staging-${key}-${process.pid}`);
    mkdirSync(staging, { recursive: true });
    try {
      await buildAll({ targets: [target], programs, out: staging, version, log });
      rmSync(dir, { recursive: true, force: true });
      renameSync(staging, dir);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
    _pruneStale(cacheRoot, version, key);
  }
  return { version, dir, path: (program) => join(dir, artifactFileName(program, target)) };
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

/** A process stopped with Ctrl-C mid-build exits before its `finally`: its staging dir names its pid. */
function _removeAbandonedStaging(cacheRoot: string): void {
  if (!existsSync(cacheRoot)) return;
  for (const name of readdirSync(cacheRoot)) {
    const pid = Number(/^\.staging-.*-(\d+)$/.exec(name)?.[1]);
    if (!pid || pid === process.pid || _alive(pid)) continue;
    rmSync(join(cacheRoot, name), { recursive: true, force: true });
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

/** A build this old is not in use by a process started from an earlier checkout. */
const PRUNE_AFTER_MS = 60 * 60 * 1000;

/** Builds of other source states are ~100 MB a binary and never used again. */
function _pruneStale(cacheRoot: string, version: string, keep: string): void {
  if (!existsSync(cacheRoot)) return;
  for (const name of readdirSync(cacheRoot)) {
    const stale = name !== keep && name.startsWith(`${version}-`);
    if (!stale || !/^[0-9a-f]{16}$/.test(name.slice(version.length + 1))) continue;
    const path = join(cacheRoot, name);
    if (Date.now() - statSync(path).mtimeMs > PRUNE_AFTER_MS) rmSync(path, { recursive: true, force: true });
  }
}
