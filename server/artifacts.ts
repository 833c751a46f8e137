// The build manifest of the artifacts fleetd serves, read once at start. It is what "is this
// agent current?" compares against: same version string and same SHA-256 for the host's target.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Manifest, Manifest as ManifestSchema, targetOf } from "../protocol/artifacts.ts";
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
