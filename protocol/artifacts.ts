// The build manifest: every compiled artifact with its target, size and SHA-256.
// fleetd serves it; "is this agent current?" compares against it byte for byte.
import { z } from "zod";
import { Arch, Platform } from "./common.ts";

export const TARGETS = ["linux-x64", "linux-arm64", "darwin-x64", "darwin-arm64", "windows-x64"] as const;
export const Target = z.enum(TARGETS);
export type Target = z.infer<typeof Target>;

export const PROGRAMS = ["fleetd", "fleet-agent", "fleetctl"] as const;
export const Program = z.enum(PROGRAMS);
export type Program = z.infer<typeof Program>;

export const Artifact = z.object({
  program: Program,
  target: Target,
  platform: Platform,
  arch: Arch,
  /**
   * File name inside the artifacts directory, e.g. "fleet-agent-linux-x64": a plain name, never a
   * path, and never "." or ".." (which a URL would resolve to another path on fleetd).
   */
  file: z
    .string()
    .max(200)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "artifact file must be a plain file name, not a path"),
  size: z.number().int().positive(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /**
   * ed25519 signature (base64) over program, target, version, size and sha256 (see
   * lib/artifact-signature.ts), made at build time; agents refuse an artifact whose
   * signature does not verify against a key compiled into them.
   */
  signature: z.string().min(1).max(200),
});
export type Artifact = z.infer<typeof Artifact>;

export const Manifest = z.object({
  version: z.string().min(1),
  builtAt: z.string().datetime(),
  artifacts: z.array(Artifact),
});
export type Manifest = z.infer<typeof Manifest>;

/** The build target string for a platform/arch pair, as `bun build --target=bun-<target>` names it. */
export function targetOf(platform: Platform, arch: Arch): Target {
  const os = platform === "win32" ? "windows" : platform;
  return Target.parse(`${os}-${arch}`);
}
