// Artifact dirs for update tests: a copy of a real build's artifacts that a test can
// tamper with (hash, signature, truncation, another key) or extend with a deliberately
// broken agent, signed with the build's own key so only its behaviour gives it away.
import { generateKeyPairSync } from "node:crypto";
import { readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { signArtifact } from "../../lib/artifact-signing.ts";
import { linkOrCopy } from "../../lib/link-or-copy.ts";
import type { Artifact, Manifest } from "../../protocol/index.ts";
import { sha256File } from "../../scripts/build/compile.ts";
import { loadSigningKey } from "../../scripts/signing-key.ts";
import type { Binaries } from "./binaries.ts";
import { tempDir } from "./temp-dir.ts";

export interface ArtifactsDir {
  dir: string;
  manifest: Manifest;
  /** The fleet-agent entry for this machine's target. */
  agent: Artifact;
  /** Rewrites manifest.json (fleetd picks the change up without a restart). */
  write(manifest: Manifest): void;
  /** Replaces the fleet-agent entry for this machine's target. */
  replaceAgent(entry: Partial<Artifact>, version?: string): void;
}

/** A tamperable copy (hard links, so no 100 MB copies) of a build's artifacts. */
export function copyArtifacts(bins: Binaries): ArtifactsDir {
  const dir = tempDir(`artifacts-${bins.version}`);
  for (const a of bins.manifest.artifacts) linkOrCopy(join(bins.dir, a.file), join(dir, a.file));
  const result: ArtifactsDir = {
    dir,
    manifest: structuredClone(bins.manifest),
    agent: bins.manifest.artifacts.find((a) => a.program === "fleet-agent")!,
    write(manifest) {
      result.manifest = manifest;
      writeFileSync(join(dir, "manifest.json.tmp"), JSON.stringify(manifest, null, 2));
      // rename, so fleetd never reads half a manifest
      renameSync(join(dir, "manifest.json.tmp"), join(dir, "manifest.json"));
    },
    replaceAgent(entry, version = result.manifest.version) {
      const artifacts = result.manifest.artifacts.map((a) =>
        a.program === "fleet-agent" && a.target === bins.target ? { ...a, ...entry } : a,
      );
      result.write({ ...result.manifest, version, artifacts });
    },
  };
  result.write(result.manifest);
  return result;
}

/** Signs `fields` with the build's key, or with a fresh unrelated key when `foreign`. */
export function sign(a: Artifact, version: string, foreign = false): string {
  const key = foreign ? generateKeyPairSync("ed25519").privateKey : loadSigningKey().privateKey;
  return signArtifact({ ...a, version }, key);
}

/** Compiles test/fixtures/broken-agent.ts as a signed fleet-agent artifact into `into`. */
export async function addBrokenAgent(
  into: ArtifactsDir,
  version: string,
  mode: "crash" | "silent",
): Promise<void> {
  const file = `fleet-agent-broken-${mode}`;
  const outfile = join(into.dir, file);
  const build = Bun.spawnSync(
    [
      process.execPath,
      "build",
      "--compile",
      "--define",
      `FLEET_BUILD_VERSION=${JSON.stringify(version)}`,
      "--define",
      `FLEET_BROKEN_MODE=${JSON.stringify(mode)}`,
      "--outfile",
      outfile,
      resolve(import.meta.dir, "../fixtures/broken-agent.ts"),
    ],
    { stdout: "pipe", stderr: "pipe" },
  );
  if (build.exitCode !== 0) throw new Error(`building the broken agent failed: ${build.stderr}`);
  const entry = { ...into.agent, file, size: statSync(outfile).size, sha256: await sha256File(outfile) };
  into.replaceAgent({ ...entry, signature: sign(entry, version) }, version);
}

export function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
}
