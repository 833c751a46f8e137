// Builds fleetd, fleet-agent and fleetctl for every target in one step with one version
// string, and writes the manifest fleetd serves so "is this agent current?" is a hash compare.
// Every artifact is signed (ed25519); the trusted public keys are compiled into the agent.
// Usage: bun scripts/build.ts [--targets host|linux-x64,...] [--programs fleetd,...] [--out DIR] [--version V]
//                             [--signing-key key.pem] [--trust-key <base64 spki>]...
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { signArtifact } from "../lib/artifact-signing.ts";
import { writeFileAtomic } from "../lib/atomic-write.ts";
import { mapLimit } from "../lib/map-limit.ts";
import {
  type Arch,
  type Artifact,
  Manifest,
  Platform,
  PROGRAMS,
  type Program,
  TARGETS,
  type Target,
  targetOf,
} from "../protocol/index.ts";
import { compileWithBun, sha256File } from "./build/compile.ts";
import { loadSigningKey, type SigningKey } from "./signing-key.ts";

const REPO_ROOT = resolve(import.meta.dir, "..");

/** Each program's entry file, relative to the repo root. */
export const ENTRY_POINTS: Record<Program, string> = {
  fleetd: "server/main.ts",
  "fleet-agent": "agent/main.ts",
  fleetctl: "cli/main.ts",
};

/**
 * More `bun build` flags per program. The agent idles on every host, so what it keeps resident
 * counts (bench/RESULTS.md, "Agent RSS"; docs/agent.md, "Memory"):
 * - `--compile-jit-policy=100`: JavaScriptCore's tier-up thresholds scaled by 100. The agent runs
 *   little JavaScript; its start-up code stays in the interpreter, and the JIT compilers' pages
 *   are never touched (idle RSS 55.5 → 51.3 MB). Really hot code still tiers up, 100 times later.
 * - `--splitting`: each command's code in chunks of its own inside the executable, parsed when the
 *   command is imported (agent/main.ts), so `run` never parses zod or the job ops.
 * fleetd and fleetctl keep Bun's defaults: fleetd's poll path needs the optimizing tiers.
 */
export const PROGRAM_FLAGS: Partial<Record<Program, readonly string[]>> = {
  "fleet-agent": ["--compile-jit-policy=100", "--splitting"],
};

/** Compiles are CPU- and memory-heavy (~100 MB per binary); two at a time suits a 2-core machine. */
export const DEFAULT_CONCURRENCY = 2;

export interface BuildOptions {
  targets?: readonly Target[];
  programs?: readonly Program[];
  /** Output directory; default `dist` in the repo root. */
  out?: string;
  /** Default: env FLEET_VERSION, else from git (see resolveVersion), else "0.0.0-dev". */
  version?: string;
  concurrency?: number;
  /** PEM ed25519 key to sign with; default FLEET_SIGNING_KEY, else this machine's dev key. */
  signingKey?: string;
  /** More public keys (base64 SPKI) the agents trust besides the signing key's, for key rotation. */
  trustKeys?: readonly string[];
  /** Progress lines; default console.log. */
  log?: (line: string) => void;
}

/** The build target of the machine this runs on. */
export function hostTarget(): Target {
  const platform = Platform.safeParse(process.platform);
  if (!platform.success || (process.arch !== "x64" && process.arch !== "arm64")) {
    throw new Error(`unsupported build host: ${process.platform}-${process.arch}`);
  }
  return targetOf(platform.data, process.arch);
}

/**
 * The version every artifact of this build reports, ordered right by construction so the agents'
 * downgrade refusal (agent/update/versions.ts) can trust it; docs/update.md, "Version strings":
 *   tag v1.4.0 at HEAD      → 1.4.0
 *   3 commits after v1.4.0  → 1.4.0-3-gabc1234      (git describe: after the release)
 *   no v* tag reachable     → <package.json version>-dev.<commits since the root>-gabc1234
 *                             (on the way to that version: before its release, after every
 *                             earlier commit's build)
 * each with "-dirty" for uncommitted changes. An explicit version or FLEET_VERSION wins.
 * `repo` is the git work tree to describe (tests point it at a throwaway repository).
 */
export function resolveVersion(explicit?: string, repo = REPO_ROOT): string {
  if (explicit) return explicit;
  if (process.env.FLEET_VERSION) return process.env.FLEET_VERSION;
  return _versionFromGit(repo) ?? "0.0.0-dev";
}

function _git(repo: string, args: string[]): string | null {
  const run = Bun.spawnSync(["git", ...args], { cwd: repo, stdout: "pipe", stderr: "pipe" });
  return run.success ? run.stdout.toString().trim() : null;
}

function _versionFromGit(repo: string): string | null {
  const described = _git(repo, ["describe", "--tags", "--match", "v[0-9]*", "--long", "--dirty"]);
  const tagged = described && /^v(.+)-(\d+)-g([0-9a-f]+)(-dirty)?$/.exec(described);
  if (tagged) {
    const [, release, commits, hash, dirty = ""] = tagged;
    return commits === "0" ? `${release}${dirty}` : `${release}-${commits}-g${hash}${dirty}`;
  }
  // Untagged: the count since the root orders the builds, the hash only names them.
  const count = _git(repo, ["rev-list", "--count", "HEAD"]);
  const hash = _git(repo, ["describe", "--always", "--dirty"]);
  if (!count || !hash) return null;
  const [short, dirty] = hash.endsWith("-dirty") ? [hash.slice(0, -6), "-dirty"] : [hash, ""];
  return `${_packageVersion(repo)}-dev.${count}-g${short}${dirty}`;
}

function _packageVersion(repo: string): string {
  try {
    const version = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")).version;
    if (typeof version === "string" && /^\d+\.\d+\.\d+$/.test(version)) return version;
  } catch {}
  return "0.0.0";
}

export function artifactFileName(program: Program, target: Target): string {
  return `${program}-${target}${target.startsWith("windows-") ? ".exe" : ""}`;
}

/** Compiles every program for every target into `out` and writes `out/manifest.json`. */
export async function buildAll(opts: BuildOptions = {}): Promise<Manifest> {
  const targets = opts.targets ?? TARGETS;
  const programs = opts.programs ?? PROGRAMS;
  const out = resolve(opts.out ?? join(REPO_ROOT, "dist"));
  const version = resolveVersion(opts.version);
  const log = opts.log ?? console.log;
  const key = loadSigningKey(opts.signingKey);
  const publicKeys = [key.publicKey, ...(opts.trustKeys ?? [])];
  if (key.dev) log(`signing with this machine's dev key ${key.path} (pass --signing-key for a release)`);

  // Fail before spending minutes on other targets if an entry file is missing.
  for (const program of programs) {
    const entry = join(REPO_ROOT, ENTRY_POINTS[program]);
    if (!existsSync(entry)) throw new Error(`cannot build ${program}: entry file ${entry} does not exist`);
  }
  mkdirSync(out, { recursive: true });

  // Program-major order so the first builds hit distinct targets; see _firstBuildOfTarget.
  const jobs = programs.flatMap((program) => targets.map((target) => ({ program, target })));
  log(`building ${jobs.length} artifact(s) of version ${version} into ${out}`);
  let done = 0;
  const artifacts = await mapLimit(jobs, opts.concurrency ?? DEFAULT_CONCURRENCY, async (job) => {
    const started = performance.now();
    const artifact = await _buildOne(job.program, job.target, { version, out, publicKeys, key });
    done++;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const mb = (artifact.size / 1e6).toFixed(1);
    log(`[${done}/${jobs.length}] ${artifact.file} (${mb} MB, ${seconds}s)`);
    return artifact;
  });

  const manifest = Manifest.parse({ version, builtAt: new Date().toISOString(), artifacts });
  writeFileAtomic(join(out, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  log(`wrote ${join(out, "manifest.json")}`);
  return manifest;
}

// A cross target's first compile downloads that target's Bun runtime into a shared cache;
// later compiles of the same target wait for it instead of racing the download.
const _firstBuildOfTarget = new Map<Target, Promise<unknown>>();

interface BuildContext {
  version: string;
  out: string;
  publicKeys: readonly string[];
  key: SigningKey;
}

async function _buildOne(program: Program, target: Target, build: BuildContext): Promise<Artifact> {
  const { version, out, publicKeys } = build;
  const first = _firstBuildOfTarget.get(target);
  if (first) await first.catch(() => undefined);
  const file = artifactFileName(program, target);
  const outfile = join(out, file);
  const compile = compileWithBun({
    entry: ENTRY_POINTS[program],
    target,
    version,
    publicKeys,
    outfile,
    cwd: REPO_ROOT,
    flags: PROGRAM_FLAGS[program],
  });
  if (!first) _firstBuildOfTarget.set(target, compile);
  await compile;

  const [os, arch] = target.split("-") as [string, Arch];
  const size = statSync(outfile).size;
  const sha256 = await sha256File(outfile);
  return {
    program,
    target,
    platform: os === "windows" ? "win32" : Platform.parse(os),
    arch,
    file,
    size,
    sha256,
    signature: signArtifact({ program, target, version, size, sha256 }, build.key.privateKey),
  };
}

/** Parses a comma list against `allowed`; `host` (targets only) means this machine's target. */
function _parseList<T extends string>(
  raw: string | undefined,
  allowed: readonly T[],
  what: string,
): T[] | undefined {
  if (!raw) return undefined;
  return raw.split(",").map((item) => {
    const name = item.trim();
    if (what === "target" && name === "host") return hostTarget() as T;
    if (!allowed.includes(name as T))
      throw new Error(`unknown ${what} "${name}"; expected one of: ${allowed.join(", ")}`);
    return name as T;
  });
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      targets: { type: "string" },
      programs: { type: "string" },
      out: { type: "string" },
      version: { type: "string" },
      concurrency: { type: "string" },
      "signing-key": { type: "string" },
      "trust-key": { type: "string", multiple: true },
    },
  });
  try {
    const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
    if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) {
      throw new Error(`--concurrency must be a positive integer, got "${values.concurrency}"`);
    }
    await buildAll({
      targets: _parseList(values.targets, TARGETS, "target"),
      programs: _parseList(values.programs, PROGRAMS, "program"),
      out: values.out,
      version: values.version,
      concurrency,
      signingKey: values["signing-key"],
      trustKeys: values["trust-key"],
    });
  } catch (err) {
    console.error(`build failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
