// The build manifest of the artifacts fleetd serves. It is what "is this agent current?"
// compares against: same version string and same SHA-256 for the host's target. It is
// re-read when the file changes, so a new build can be dropped in without a restart.
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { type Artifact, type Manifest, Manifest as ManifestSchema, targetOf } from "../protocol/artifacts.ts";
import type { Arch, Platform } from "../protocol/common.ts";

export class ManifestError extends Error {
  override name = "ManifestError";
}

export function loadManifest(artifactsDir: string | null): Manifest | null {
  if (artifactsDir === null) return null;
  const path = join(artifactsDir, "manifest.json");
  if (!existsSync(path)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ManifestError(`${path} is not valid JSON (${(err as Error).message}); rebuild the artifacts`);
  }
  const parsed = ManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ManifestError(
      `${path} is not a valid build manifest (${issue?.path.join(".") || "top level"}: ${issue?.message}); rebuild the artifacts`,
    );
  }
  return parsed.data;
}

/** The artifacts directory as fleetd serves it: the manifest, and only the files it lists. */
export class Artifacts {
  private cached: { stamp: string; manifest: Manifest | null } | null = null;

  constructor(readonly dir: string | null) {
    this.manifest(); // a damaged manifest stops fleetd at start, not at the first update
  }

  /** The current manifest; a damaged replacement keeps the last good one and is logged by the caller. */
  manifest(): Manifest | null {
    const path = this.dir === null ? null : join(this.dir, "manifest.json");
    let stamp = "none";
    if (path) {
      try {
        const st = statSync(path);
        stamp = `${st.mtimeMs}:${st.size}`;
      } catch {
        // no manifest (yet)
      }
    }
    if (this.cached?.stamp === stamp) return this.cached.manifest;
    try {
      this.cached = { stamp, manifest: loadManifest(this.dir) };
    } catch (err) {
      if (!this.cached) throw err;
    }
    return this.cached.manifest;
  }

  /** An artifact the manifest lists, with the path of its bytes, else null: nothing else in the dir is served. */
  entryOf(name: string): (Artifact & { path: string }) | null {
    const manifest = this.manifest();
    if (!manifest || this.dir === null) return null;
    const entry = manifest.artifacts.find((a) => a.file === name);
    return entry ? { ...entry, path: join(this.dir, name) } : null;
  }

  /** The fleet-agent artifact for a platform/arch, if this build has one. */
  agentFor(platform: Platform, arch: Arch): Artifact | null {
    const manifest = this.manifest();
    if (!manifest) return null;
    const target = targetOf(platform, arch);
    return manifest.artifacts.find((a) => a.program === "fleet-agent" && a.target === target) ?? null;
  }
}

export interface AgentIdentity {
  version: string | null;
  sha256: string | null;
  platform: Platform | null;
  arch: Arch | null;
}

/** Outdated only when fleetd has a fleet-agent for the host's target to offer instead. */
export function isAgentOutdated(manifest: Manifest | null, agent: AgentIdentity): boolean {
  if (!manifest || !agent.platform || !agent.arch || agent.version === null) return false;
  let target: string;
  try {
    target = targetOf(agent.platform, agent.arch);
  } catch {
    return false; // a platform/arch pair nobody builds for
  }
  const artifact = manifest.artifacts.find((a) => a.program === "fleet-agent" && a.target === target);
  if (!artifact) return false;
  return agent.version !== manifest.version || agent.sha256 !== artifact.sha256;
}
