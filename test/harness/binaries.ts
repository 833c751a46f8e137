// Real compiled binaries for e2e tests: fleetd, fleet-agent and fleetctl for this machine,
// built with scripts/build.ts exactly as released, once per version per test process.
// Builds are cached in dist/test/<version>-<source hash>/ so a rerun with unchanged
// sources skips the compile, and a changed source can never run a stale binary.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  type Manifest,
  Manifest as ManifestSchema,
  type Program,
  type Target,
} from "../../protocol/index.ts";
import { sourceHash } from "../../scripts/build/source-hash.ts";
import { artifactFileName, buildAll, hostTarget } from "../../scripts/build.ts";

export { sourceHash };

const REPO_ROOT = resolve(import.meta.dir, "../..");
const CACHE_ROOT = join(REPO_ROOT, "dist", "test");

export interface Binaries {
  version: string;
  target: Target;
  /** Directory holding the three binaries and manifest.json; usable as fleetd's artifacts dir. */
  dir: string;
  fleetd: string;
  agent: string;
  fleetctl: string;
  manifest: Manifest;
}

const _builds = new Map<string, Promise<Binaries>>();

/** Builds (or reuses) the host-target binaries of `version`. Memoised per version. */
export function ensureBinaries(version = "1.0.0-test"): Promise<Binaries> {
  let build = _builds.get(version);
  if (!build) {
    build = _buildOrReuse(version);
    // A failed build is retried by the next caller instead of failing every later test.
    build.catch(() => _builds.delete(version));
    _builds.set(version, build);
  }
  return build;
}

async function _buildOrReuse(version: string): Promise<Binaries> {
  const target = hostTarget();
  const key = `${version.replace(/[^A-Za-z0-9._-]/g, "_")}-${sourceHash()}`;
  const dir = join(CACHE_ROOT, key);
  if (!_isComplete(dir, version)) {
    // Build next to the final place and rename, so a concurrent test process never sees half a build.
    const staging = join(CACHE_ROOT, `.staging-${key}-${process.pid}-${Date.now()}`);
    mkdirSync(staging, { recursive: true });
    try {
      await buildAll({ targets: [target], out: staging, version, log: () => {} });
      _moveIntoPlace(staging, dir, version);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
    _pruneOtherBuilds(version, key);
  }
  const manifest = ManifestSchema.parse(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")));
  const path = (program: Program) => join(dir, artifactFileName(program, target));
  return {
    version,
    target,
    dir,
    fleetd: path("fleetd"),
    agent: path("fleet-agent"),
    fleetctl: path("fleetctl"),
    manifest,
  };
}

/** Rename fails if a concurrent process got there first; its complete build is then used as is. */
function _moveIntoPlace(staging: string, dir: string, version: string): void {
  try {
    renameSync(staging, dir);
  } catch {
    if (_isComplete(dir, version)) return;
    // Debris of an interrupted manual copy: nothing of ours renames an incomplete build in.
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
  }
}

function _isComplete(dir: string, version: string): boolean {
  const manifestPath = join(dir, "manifest.json");
  if (!existsSync(manifestPath)) return false;
  try {
    const manifest = ManifestSchema.parse(JSON.parse(readFileSync(manifestPath, "utf8")));
    return (
      manifest.version === version &&
      manifest.artifacts.length === 3 &&
      manifest.artifacts.every(
        (a) => existsSync(join(dir, a.file)) && statSync(join(dir, a.file)).size === a.size,
      )
    );
  } catch {
    return false;
  }
}

/** A build this old is not in use by a concurrent test run (which may have hashed other sources). */
const PRUNE_AFTER_MS = 60 * 60 * 1000;

/** Old builds of the same version are 300 MB each and will never be used again. */
function _pruneOtherBuilds(version: string, keep: string): void {
  const prefix = `${version.replace(/[^A-Za-z0-9._-]/g, "_")}-`;
  for (const name of readdirSync(CACHE_ROOT)) {
    if (name === keep || !name.startsWith(prefix) || !/^[0-9a-f]{16}$/.test(name.slice(prefix.length)))
      continue;
    const path = join(CACHE_ROOT, name);
    if (Date.now() - statSync(path).mtimeMs > PRUNE_AFTER_MS) rmSync(path, { recursive: true, force: true });
  }
}
