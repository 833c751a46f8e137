// Every command in docs/ that is meant to be typed is run by a test, as the README's are: each
// shell block says what kind it is (test/docs/docs-blocks.ts), `runnable` ones run line by line
// against one temp fleetd with fleetctl and fleetd from this checkout on PATH, `sandboxed` ones
// run with system paths moved into a temp root, and every block parses and uses only commands
// and flags that exist in fleetctl's and fleetd's real command trees.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { commandTree } from "../../cli/command-tree.ts";
import { fleetctl } from "../../cli/root.ts";
import { AUDIT_ACTIONS } from "../../protocol/index.ts";
import { fleetdCommand } from "../../server/cli.ts";
import { CliFixture } from "../cli/cli-fixture.ts";
import { commandLineProblem, shellWords } from "../cli/command-lines.ts";
import { FakeAgent } from "../cli/fake-agent.ts";
import { freePort, runToEnd, tempDir, waitFor, writeExecutable } from "../harness/index.ts";
import { DOCS_DIR, type DocBlock, docShellBlocks, sandboxLine, withoutPlaceholders } from "./docs-blocks.ts";
import { commandsOf } from "./readme-blocks.ts";

const REPO = resolve(import.meta.dir, "../..");
const blocks = docShellBlocks();
const trees = { fleetctl: commandTree(fleetctl), fleetd: commandTree(fleetdCommand) };

/** Runs a line in bash with only the environment given (plus NO_COLOR), like a fresh shell. */
const sh = (line: string, env: Record<string, string>, cwd: string) =>
  runToEnd(["bash", "-c", line], env, { cwd, clean: true });

/** Every fleetctl or fleetd invocation in a line, with the words after the program name. */
function invocations(line: string): { program: keyof typeof trees; args: string[] }[] {
  return line
    .split(/\|\||&&|[|;]/)
    .map((part) => shellWords(part.trim()))
    .map((words) => words.slice(words.findIndex((w) => !/^\w+=/.test(w))))
    .map((words) => (words[0] === "sudo" ? words.slice(1) : words))
    .filter((words) => words[0] === "fleetctl" || words[0] === "fleetd")
    .map((words) => ({ program: words[0] as keyof typeof trees, args: withoutPlaceholders(words.slice(1)) }));
}

test("every shell block in docs/ says what kind it is, and why when it cannot run here", () => {
  expect(blocks.length).toBeGreaterThan(10);
  const untagged = blocks
    .filter((b) => b.kind === null)
    .map((b) => `${b.where}: \`\`\`${[b.lang, ...b.tags].join(" ")}`);
  expect(untagged).toEqual([]);
  const unexplained = blocks.filter((b) => b.kind === "elsewhere" && !b.reason).map((b) => b.where);
  expect(unexplained).toEqual([]);
  // Only sh can run here; anything else is for another machine by definition.
  const foreign = blocks.filter((b) => b.lang === "powershell" && b.kind !== "elsewhere").map((b) => b.where);
  expect(foreign).toEqual([]);
  expect(blocks.filter((b) => b.kind === "runnable").length).toBeGreaterThanOrEqual(3);
});

test("every sh block parses, and each fleetctl/fleetd command and flag in it exists", () => {
  const problems: string[] = [];
  let checked = 0;
  for (const block of blocks.filter((b) => b.lang !== "powershell")) {
    const syntax = Bun.spawnSync(["bash", "-n", "-c", block.lines.join("\n")], { stderr: "pipe" });
    if (syntax.exitCode !== 0) problems.push(`${block.where}: bash -n: ${syntax.stderr.toString().trim()}`);
    for (const line of commandsOf(block)) {
      for (const { program, args } of invocations(line)) {
        checked++;
        const problem = commandLineProblem(trees[program], args);
        if (problem) problems.push(`${block.where}: ${line}\n    ${problem.replaceAll("fleetctl", program)}`);
      }
    }
  }
  expect(problems).toEqual([]);
  expect(checked).toBeGreaterThan(15);
});

test("every flag given to scripts/build.ts in docs/ is one it parses", () => {
  const source = readFileSync(join(REPO, "scripts/build.ts"), "utf8");
  const flags = blocks.flatMap((b) =>
    commandsOf(b)
      .filter((line) => /\bscripts\/build\.ts\b/.test(line))
      .flatMap((line) =>
        [...line.split("scripts/build.ts")[1]!.matchAll(/(?:^|\s)--([a-z-]+)/g)].map((m) => m[1]!),
      ),
  );
  expect(flags).toContain("signing-key");
  expect(flags.filter((f) => !source.includes(`"${f}": {`) && !source.includes(`  ${f}: {`))).toEqual([]);
});

test("audit actions the docs name are ones fleetd records", () => {
  const named = readdirSync(DOCS_DIR)
    .filter((f) => f.endsWith(".md"))
    .flatMap((f) => [
      ...readFileSync(join(DOCS_DIR, f), "utf8").matchAll(/`((?:host|job|enroll_token|rollout)\.[a-z_]+)`/g),
    ])
    .map((m) => m[1]!)
    .filter((name) => !name.endsWith(".json"));
  expect(named).toContain("host.revoked");
  expect(named.filter((a) => !(AUDIT_ACTIONS as readonly string[]).includes(a))).toEqual([]);
});

test("the checks themselves catch a wrong flag, a missing command and a placeholder left in", () => {
  expect(invocations("FLEET_LIMITS='{}' fleetd serve --prot 1")[0]).toEqual({
    program: "fleetd",
    args: ["serve", "--prot", "1"],
  });
  expect(commandLineProblem(trees.fleetd, ["serve", "--prot", "1"])).toContain("did you mean --port?");
  expect(commandLineProblem(trees.fleetctl, ["enroll-token", "lst"])).toContain("did you mean list?");
  expect(invocations("fleetctl rollout status [id] --watch")[0]!.args).toEqual([
    "rollout",
    "status",
    "--watch",
  ]);
  expect(sandboxLine("sudo install -d /opt/fleet && printf x | sudo tee /etc/default/fleetd", "/r")).toBe(
    "install -d /r/opt/fleet && printf x | tee /r/etc/default/fleetd",
  );
});

describe("runnable blocks, against one temp fleet", () => {
  let cli: CliFixture;
  const bin = tempDir("docs-bin");
  const cwd = tempDir("docs-cwd");
  const env = () => ({
    PATH: `${bin}:${process.env.PATH}`,
    HOME: tempDir("docs-home"),
    FLEET_SERVER: cli.url,
    FLEET_TOKEN: cli.adminToken,
  });

  beforeAll(async () => {
    cli = await CliFixture.start();
    writeExecutable(join(bin, "fleetctl"), `exec "${process.execPath}" "${REPO}/cli/main.ts" "$@"`);
    writeExecutable(join(bin, "fleetd"), `exec "${process.execPath}" "${REPO}/server/main.ts" "$@"`);
  });
  afterAll(() => cli?.stop());

  /** The docs' examples name web1; it is (re-)enrolled before each block, as a block may delete it. */
  async function ensureWeb1() {
    const r = await sh("fleetctl hosts --json", env(), cwd);
    if (!JSON.parse(r.stdout).hosts.some((h: { name: string }) => h.name === "web1")) {
      const agent = await FakeAgent.enroll(cli.url, cli.adminToken, "web1");
      await agent.hello("1.0.0");
    }
  }

  /** `fleetd serve`: started on a free port and a temp data dir, healthy, then stopped cleanly. */
  async function serveBriefly(line: string) {
    const port = await freePort();
    // One simple command: bash execs it (and the wrapper execs bun), so SIGTERM reaches fleetd.
    const proc = Bun.spawn(["bash", "-c", line], {
      cwd,
      env: { ...env(), FLEET_PORT: String(port), FLEET_DATA: join(tempDir("docs-serve"), "data") },
      stdout: "pipe",
      stderr: "pipe",
    });
    try {
      await waitFor(
        () =>
          fetch(`http://127.0.0.1:${port}/api/v1/health`).then(
            (r) => r.ok,
            () => false,
          ),
        {
          what: `fleetd from: ${line}`,
          timeoutMs: 20_000,
        },
      );
    } finally {
      proc.kill("SIGTERM");
    }
    expect({ line, code: await proc.exited }).toEqual({ line, code: 0 });
  }

  const runnable = blocks.filter((b) => b.kind === "runnable");
  for (const block of runnable) {
    test(`${block.where}: ${commandsOf(block).join(" ; ").slice(0, 80)}`, async () => {
      await ensureWeb1();
      for (const line of commandsOf(block)) {
        if (/(^|\s)fleetd serve\b/.test(line)) {
          await serveBriefly(line);
          continue;
        }
        const r = await sh(line, env(), cwd);
        expect({ line, code: r.code, stderr: r.stderr }).toEqual({ line, code: 0, stderr: r.stderr });
        expect({ line, error: r.stderr.includes("ERROR") }).toEqual({ line, error: false });
      }
    }, 60_000);
  }
});

describe("sandboxed blocks", () => {
  const sandboxed = (doc: string) => blocks.filter((b) => b.kind === "sandboxed" && b.doc === doc);

  /** A checkout after `npm run build` and `npm run demo`: a release in dist/ beside other builds. */
  function checkout(): string {
    const dir = tempDir("docs-checkout");
    const dist = join(dir, "dist");
    for (const sub of ["demo", "test/1.0.0-test-abc"]) mkdirSync(join(dist, sub), { recursive: true });
    for (const file of [
      "fleetd-linux-x64",
      "fleetctl-linux-x64",
      "fleet-agent-linux-x64",
      "fleet-agent-darwin-arm64",
    ])
      writeExecutable(join(dist, file), `echo "${file.split("-linux")[0]!.split("-darwin")[0]} 9.9.9"`);
    writeFileSync(join(dist, "manifest.json"), '{"version":"9.9.9"}\n');
    return dir;
  }

  test("install.md: the server install, as typed, puts the release in /opt/fleet and fleetd, fleetctl on PATH", async () => {
    const [block] = sandboxed("install.md") as [DocBlock];
    expect(block).toBeDefined();
    const root = tempDir("docs-root");
    const cwd = checkout();
    mkdirSync(join(root, "usr/local/bin"), { recursive: true });
    for (const line of commandsOf(block)) {
      const r = await sh(sandboxLine(line, root), { PATH: process.env.PATH ?? "" }, cwd);
      expect({ line, code: r.code, stderr: r.stderr }).toEqual({ line, code: 0, stderr: "" });
    }
    const opt = join(root, "opt/fleet");
    // Only the release: no dist/demo or dist/test copied along, the manifest beside the binaries.
    expect(readdirSync(opt).filter((f) => statSync(join(opt, f)).isDirectory())).toEqual([]);
    expect(existsSync(join(opt, "manifest.json"))).toBe(true);
    for (const program of ["fleetd", "fleetctl"]) {
      const r = await sh(
        `${program} --version`,
        { PATH: `${join(root, "usr/local/bin")}:/usr/bin:/bin` },
        cwd,
      );
      expect(r.stdout.trim()).toBe(`${program} 9.9.9`);
      // A link into the release, so fleetd finds manifest.json and the agents next to itself.
      expect(realpathSync(join(root, "usr/local/bin", program)).startsWith(realpathSync(opt))).toBe(true);
    }
  });
});
