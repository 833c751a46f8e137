// The README's two set-up commands on a fresh machine, for real: a minimal Debian 12 (debootstrap
// minbase plus git and CA certificates, and this machine's Node 20 and npm copied in; nothing
// else) gets a clean clone of this repo's HEAD, and `npm ci && npm test` runs inside it under
// systemd-nspawn, as root, with the host's network. npm test installs the tiers' packages itself.
// Passes when the run is green and the only skipped tiers are those that cannot run nested in a
// container. Not part of npm test (it runs npm test); .ci/run runs it as a step of its own.
// Usage (root, Linux): bun test/fresh-machine/check.ts [--keep] [<npm test arguments>]
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { ensureRootfs, rootfsRecipe } from "../system/rootfs.ts";

const REPO = resolve(import.meta.dir, "../..");
/** npm ci, a first apt install of Chromium and Wine, and the whole suite on 2 cores. */
export const CHECK_TIMEOUT_MS = 60 * 60_000;
/** Tiers that cannot run inside the container, whatever is installed: nspawn does not nest. */
export const NESTED_TIERS = new Set(["system"]);
const MIN_NODE = 20;

/**
 * A new machine on this network trusts what this one does: the local CA certificates (a TLS
 * proxy's, say) and the variables that point tools at the bundle. Nothing else is copied.
 */
const LOCAL_CAS = "/usr/local/share/ca-certificates";
const TRUST_ENV = [
  "NODE_EXTRA_CA_CERTS",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "CURL_CA_BUNDLE",
  "GIT_SSL_CAINFO",
];

const say = (line: string) => console.log(`fresh-machine: ${line}`);
const keep = process.argv.includes("--keep");
/** Other arguments go to `npm test --` (e.g. one file, to check the check itself); default: all. */
const testArgs = process.argv.slice(2).filter((a) => a !== "--keep" && a !== "--");
const testCommand =
  testArgs.length > 0 ? `npm test -- ${testArgs.map((a) => `'${a}'`).join(" ")}` : "npm test";

function fail(message: string): never {
  console.error(`fresh-machine: ${message}`);
  process.exit(1);
}

if (process.platform !== "linux" || process.getuid?.() !== 0) fail("needs root on Linux (systemd-nspawn)");
for (const tool of ["systemd-nspawn", "debootstrap", "git"])
  if (!Bun.which(tool)) fail(`${tool} is missing: apt-get install systemd-container debootstrap git`);
if (!nodeAtLeast(MIN_NODE))
  fail(`this machine's Node is older than ${MIN_NODE}; the check copies it into the container`);

const recipe = { ...rootfsRecipe(), include: ["git", "ca-certificates", "libstdc++6"], revision: 1 };
const pristine = await ensureRootfs(say, recipe);
const work = `${pristine}.run-${process.pid}`;
say(`copying ${pristine} to ${work}`);
rmSync(work, { recursive: true, force: true });
// cp -a: the tree holds device nodes, which fs.cpSync cannot copy.
if (Bun.spawnSync(["cp", "-a", pristine, work]).exitCode !== 0) fail(`could not copy ${pristine}`);
try {
  installNode(work);
  copyNetworkTrust(work);
  const clone = join(work, "root/fleet");
  say(`cloning ${REPO} (HEAD) into the container`);
  const git = Bun.spawnSync(["git", "clone", "--quiet", "--no-local", REPO, clone], { stderr: "pipe" });
  if (git.exitCode !== 0) fail(`git clone failed: ${git.stderr}`);
  const started = performance.now();
  say("running `npm ci && npm test` inside (this takes a while)");
  const run = Bun.spawn(
    [
      "systemd-nspawn",
      "--register=no",
      "--keep-unit",
      "--quiet",
      // The payload's stdout and stderr as they are: without a terminal nspawn would otherwise
      // put both through a pty on its stdout, and the runner's summary on stderr would be lost.
      "--console=pipe",
      // A stub init as PID 1 reaps the detached job runners the tests orphan, as systemd would.
      "--as-pid2",
      `--directory=${work}`,
      "--chdir=/root/fleet",
      "--setenv=HOME=/root",
      "--setenv=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "--setenv=NPM_CONFIG_PROGRESS=false",
      ...TRUST_ENV.filter((name) => process.env[name]).map((name) => `--setenv=${name}=${process.env[name]}`),
      "sh",
      "-c",
      `update-ca-certificates >/dev/null && npm ci --no-audit --no-fund && ${testCommand}`,
    ],
    { stdout: "inherit", stderr: "pipe", timeout: CHECK_TIMEOUT_MS },
  );
  let tail = "";
  const reader = run.stderr.getReader();
  const decoder = new TextDecoder();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    process.stderr.write(read.value);
    tail = (tail + decoder.decode(read.value, { stream: true })).slice(-65_536);
  }
  const code = await run.exited;
  const minutes = ((performance.now() - started) / 60_000).toFixed(1);
  tail = tail.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g"), "");
  const skipped = [...tail.matchAll(/^skipped tier (\S+) \(/gm)].map((m) => m[1]!);
  const counts =
    tail
      .trim()
      .split("\n")
      .findLast((l) => /^\d+ passed, \d+ failed/.test(l)) ?? "no counts";
  say(`npm ci && npm test exited ${code} in ${minutes} min: ${counts}`);
  say(
    `skipped tiers: ${skipped.length > 0 ? skipped.join(", ") : "none"} (allowed nested: ${[...NESTED_TIERS].join(", ")})`,
  );
  const unexpected = skipped.filter((t) => !NESTED_TIERS.has(t));
  if (code !== 0) fail("the README's commands failed on a fresh machine");
  if (counts === "no counts") fail("npm test's summary never arrived: the run cannot be judged");
  if (unexpected.length > 0) fail(`tiers skipped that should run in a container: ${unexpected.join(", ")}`);
  say("ok");
} finally {
  if (!keep) rmSync(work, { recursive: true, force: true });
  else say(`kept ${work}`);
}

function copyNetworkTrust(root: string): void {
  if (!existsSync(LOCAL_CAS)) return;
  cpSync(LOCAL_CAS, join(root, LOCAL_CAS.slice(1)), { recursive: true });
}

/** This machine's node and npm, into /usr/local as a NodeSource or tarball install would put them. */
function installNode(root: string): void {
  const node = Bun.which("node");
  if (!node) fail("no node on PATH to copy into the container");
  const npmDir = [resolve(node, "../../lib/node_modules/npm"), "/usr/lib/node_modules/npm"].find((d) =>
    existsSync(join(d, "bin/npm-cli.js")),
  );
  if (!npmDir) fail(`cannot find npm next to ${node}`);
  mkdirSync(join(root, "usr/local/lib/node_modules"), { recursive: true });
  cpSync(node, join(root, "usr/local/bin/node"));
  cpSync(npmDir, join(root, "usr/local/lib/node_modules/npm"), { recursive: true, verbatimSymlinks: true });
  symlinkSync("../lib/node_modules/npm/bin/npm-cli.js", join(root, "usr/local/bin/npm"));
  symlinkSync("../lib/node_modules/npm/bin/npx-cli.js", join(root, "usr/local/bin/npx"));
  const version = readFileSync(join(npmDir, "package.json"), "utf8").match(/"version":\s*"([^"]+)"/)?.[1];
  say(
    `copied node ${Bun.spawnSync([node, "--version"]).stdout.toString().trim()} and npm ${version} into /usr/local`,
  );
}

function nodeAtLeast(major: number): boolean {
  const node = Bun.which("node");
  const v = node ? Bun.spawnSync([node, "--version"]).stdout.toString().trim() : "";
  return Number(/^v(\d+)/.exec(v)?.[1] ?? 0) >= major;
}
