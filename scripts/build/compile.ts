// One `bun build --compile` of one program for one target, and the artifact's SHA-256.
import { existsSync } from "node:fs";
import type { Target } from "../../protocol/index.ts";

export interface CompileRequest {
  entry: string;
  target: Target;
  /** Compiled in as FLEET_BUILD_VERSION (see protocol/build-info.ts). */
  version: string;
  /** Compiled in as FLEET_PUBLIC_KEYS: the keys the agent trusts for updates. */
  publicKeys: readonly string[];
  outfile: string;
  cwd: string;
  /** More `bun build` flags for this program (see PROGRAM_FLAGS in scripts/build.ts). */
  flags?: readonly string[];
}

/** Compiles with the Bun running this script, so every artifact is built by one Bun version. */
export async function compileWithBun(req: CompileRequest): Promise<void> {
  const argv = [
    process.execPath,
    "build",
    "--compile",
    "--minify",
    "--sourcemap=none",
    `--target=bun-${req.target}`,
    ...(req.flags ?? []),
    "--define",
    `FLEET_BUILD_VERSION=${JSON.stringify(req.version)}`,
    "--define",
    `FLEET_PUBLIC_KEYS=${JSON.stringify(JSON.stringify(req.publicKeys))}`,
    "--outfile",
    req.outfile,
    req.entry,
  ];
  // bun build inlines process.env.NODE_ENV from its own environment; a build made under
  // `bun test` would otherwise ship "test" (which makes consola hide info logs).
  const env = { ...process.env, NODE_ENV: "production" };
  const proc = Bun.spawn(argv, { cwd: req.cwd, env, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0 || !existsSync(req.outfile)) {
    throw new Error(`bun build of ${req.entry} for ${req.target} failed (exit ${code}):\n${stdout}${stderr}`);
  }
}

export { sha256File } from "../../lib/sha256-file.ts";
