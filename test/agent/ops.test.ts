// The operations against real git repos and real scripts, and what switch and test record for
// the config state (a switch stand-in that moves a profile's symlinks as nix-env does).
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AgentConfig } from "../../agent/config.ts";
import type { OpContext } from "../../agent/jobs/ops/context.ts";
import { pull } from "../../agent/jobs/ops/pull.ts";
import { switchOp } from "../../agent/jobs/ops/switch.ts";
import { testOp } from "../../agent/jobs/ops/test.ts";
import { readRecords } from "../../agent/state/records.ts";
import type { Progress } from "../../protocol/index.ts";
import { tierSkipReason } from "../../scripts/test/tiers.ts";
import { tempDir } from "../harness/index.ts";
import { createNixConfigRepo, nixEnv } from "../harness/nix.ts";

const noNix = tierSkipReason("nix");
if (noNix) console.warn(`test/agent/ops: skipping the flake input refresh under real Nix: ${noNix}`);

const root = mkdtempSync(join(tmpdir(), "fleet-ops-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function git(cwd: string, ...args: string[]): string {
  const r = Bun.spawnSync(["git", "-c", "user.email=t@t", "-c", "user.name=t", ...args], { cwd });
  if (r.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.toString().trim();
}

function context(config: Partial<AgentConfig>, stateDir = root, signal = new AbortController().signal) {
  const lines: string[] = [];
  const progress: Progress[] = [];
  const ctx: OpContext = {
    config: AgentConfig.parse({ server: "http://127.0.0.1:1", name: "h1", ...config }),
    stateDir,
    jobId: "j_test",
    args: {},
    signal,
    line: (stream, data) => lines.push(`${stream}: ${data}`),
    progress: (p) => progress.push(p),
  };
  return { ctx, lines, progress };
}

describe("pull", () => {
  test("clones, then follows the remote branch even after a local commit and a force-push", async () => {
    const origin = join(root, "origin");
    mkdirSync(origin);
    git(origin, "init", "-q", "-b", "main");
    writeFileSync(join(origin, "a"), "1");
    git(origin, "add", ".");
    git(origin, "commit", "-qm", "one");
    const checkout = join(root, "checkout");
    const { ctx } = context({
      repo: { dir: checkout, url: origin, branch: "main", remote: "origin", flakeInputs: [] },
    });

    expect((await pull(ctx)).state).toBe("succeeded");
    expect(git(checkout, "rev-parse", "HEAD")).toBe(git(origin, "rev-parse", "HEAD"));

    writeFileSync(join(checkout, "a"), "local edit");
    git(checkout, "commit", "-qam", "local");
    writeFileSync(join(origin, "a"), "2");
    git(origin, "commit", "-qam", "two");
    const { ctx: again, lines } = context(ctx.config);
    expect((await pull(again)).state).toBe("succeeded");
    expect(git(checkout, "rev-parse", "HEAD")).toBe(git(origin, "rev-parse", "HEAD"));
    expect(lines.some((l) => l.includes("$ git fetch --prune origin main"))).toBe(true);
  });

  test.skipIf(Boolean(noNix))(
    "refreshes the named flake inputs offline, one --update-input each, leaving the others",
    async () => {
      const repo = createNixConfigRepo({ inputs: ["dep", "extra"] });
      const checkout = join(tempDir("ops-pull-nix"), "checkout");
      const lockedRev = (name: string) =>
        JSON.parse(readFileSync(join(checkout, "flake.lock"), "utf8")).nodes[name].locked.rev;
      const { ctx, lines } = context({
        repo: { dir: checkout, url: repo.origin, branch: "main", remote: "origin", flakeInputs: ["dep"] },
      });
      const extraBefore = git(repo.inputs.extra!, "rev-parse", "HEAD");
      const dep = repo.bumpInput("dep", "v2");
      repo.bumpInput("extra", "v2");
      // The runner's children inherit its environment: Nix's settings for this offline machine.
      const saved = { ...process.env };
      Object.assign(process.env, nixEnv());
      try {
        const result = await pull(ctx);
        expect(result).toMatchObject({ state: "succeeded" });
      } finally {
        for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
        Object.assign(process.env, saved);
      }
      expect(lines).toContain("agent: $ nix flake lock --update-input dep");
      expect(lockedRev("dep")).toBe(dep);
      expect(lockedRev("extra")).toBe(extraBefore);
    },
  );

  test("a missing repo without url fails with a reason", async () => {
    const { ctx } = context({
      repo: { dir: join(root, "nope"), branch: "main", remote: "origin", flakeInputs: [] },
    });
    const result = await pull(ctx);
    expect(result.state).toBe("failed");
    expect(result.reason).toContain("repo.url is not set");
  });
});

describe("switch", () => {
  test("runs the configured argv with placeholders and reports its exit code", async () => {
    const { ctx, lines } = context({ switch: ["sh", "-c", "echo switching {host}; exit 4"] });
    const result = await switchOp(ctx);
    expect(result).toMatchObject({ state: "failed", exitCode: 4 });
    expect(lines).toContain("stdout: switching h1");
  });

  test("no switch command configured is a clear failure", async () => {
    const { ctx } = context({});
    expect((await switchOp(ctx)).reason).toContain('set "switch" in config.json');
  });
});

describe("test", () => {
  test("runs T*.sh in order; a hung test times out and the next still runs", async () => {
    const dir = join(root, "repo", "hosts", "h1", "tests");
    mkdirSync(dir, { recursive: true });
    const scripts: Record<string, string> = {
      "T01-ok.sh": "echo fine",
      "T02-fails.sh": "echo broken >&2; exit 1",
      "T03-hangs.sh": "sleep 60",
      "T04-ok.sh": "exit 0",
      "notatest.sh": "exit 1",
    };
    for (const [name, body] of Object.entries(scripts)) {
      writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(dir, name), 0o755);
    }
    const { ctx, progress } = context({
      repo: { dir: join(root, "repo"), branch: "main", remote: "origin", flakeInputs: [] },
      timeouts: {
        gitSeconds: 5,
        switchSeconds: 5,
        testSeconds: 0.5,
        killGraceSeconds: 0.2,
        restartSeconds: 5,
      },
    });
    const result = await testOp(ctx);
    expect(result.state).toBe("failed");
    expect(result.tests?.map((t) => `${t.name}=${t.state}`)).toEqual([
      "T01-ok.sh=passed",
      "T02-fails.sh=failed",
      "T03-hangs.sh=timed_out",
      "T04-ok.sh=passed",
    ]);
    expect(progress.at(-1)).toMatchObject({ current: 4, total: 4, passed: 2 });
    expect(progress.map((p) => p.current)).toEqual([0, 1, 2, 3, 4]);
  });
});

/** A checkout with one commit, and a profile a switch moves one generation on (exit `code` after). */
function switchable(code = 0) {
  const dir = tempDir("ops-switch");
  const checkout = join(dir, "checkout");
  mkdirSync(checkout);
  git(checkout, "init", "-q", "-b", "main");
  writeFileSync(join(checkout, "config.txt"), "v1\n");
  git(checkout, "add", ".");
  git(checkout, "commit", "-qm", "v1");
  const profile = join(dir, "profiles", "system");
  mkdirSync(join(dir, "profiles"));
  // As nix-env --set does: a new <profile>-<N>-link, then <profile> pointed at it.
  const script = `set -e
n=$(readlink "$1" 2>/dev/null | sed -n 's/.*-\\([0-9][0-9]*\\)-link$/\\1/p')
n=$(( \${n:-0} + 1 ))
ln -s "/nix/store/x$n-system" "$1-$n-link"
ln -sfn "system-$n-link" "$1"
echo "switched to generation $n"
exit ${code}`;
  const config = (exitCode = code): Partial<AgentConfig> => ({
    repo: { dir: checkout, branch: "main", remote: "origin", flakeInputs: [] },
    switch: ["sh", "-c", exitCode === 0 ? script : "echo build failed >&2; exit 1", "switch", profile],
    system: { profile },
  });
  return { dir, checkout, profile, config, stateDir: tempDir("ops-state") };
}

describe("switch records what it switched from", () => {
  test("a switch maps its new generation to the checkout's commit, dirty or not", async () => {
    const host = switchable();
    const head = git(host.checkout, "rev-parse", "HEAD");
    const { ctx, lines } = context(host.config(), host.stateDir);
    expect((await switchOp(ctx)).state).toBe("succeeded");
    expect(lines).toContain(`agent: recorded switch: generation 1 from ${head.slice(0, 12)}`);
    let records = readRecords(host.stateDir);
    expect(records.lastSwitch).toMatchObject({ commit: head, dirty: false, generation: 1 });
    expect(records.lastSwitchFailed).toBe(false);

    writeFileSync(join(host.checkout, "config.txt"), "edited by hand\n");
    expect((await switchOp(context(host.config(), host.stateDir).ctx)).state).toBe("succeeded");
    records = readRecords(host.stateDir);
    expect(records.lastSwitch).toMatchObject({ commit: head, dirty: true, generation: 2 });
    expect(records.builtFrom).toEqual(
      new Map([
        [2, head],
        [1, head],
      ]),
    );
  });

  test("a failed switch is recorded failed, the generation it left active not mapped to its commit", async () => {
    const host = switchable();
    const first = git(host.checkout, "rev-parse", "HEAD");
    await switchOp(context(host.config(), host.stateDir).ctx);
    writeFileSync(join(host.checkout, "config.txt"), "v2\n");
    git(host.checkout, "commit", "-qam", "v2");
    const { ctx, lines } = context(host.config(1), host.stateDir);
    expect((await switchOp(ctx)).state).toBe("failed");
    expect(lines).toContain("agent: recorded failed switch: generation 1");
    const records = readRecords(host.stateDir);
    expect(records.lastSwitchFailed).toBe(true);
    expect(records.lastSwitch).toMatchObject({ commit: first, generation: 1 });
    expect(records.builtFrom).toEqual(new Map([[1, first]]));
  });

  test("a state dir that cannot take the record costs a line, not the switch", async () => {
    const host = switchable();
    const notADir = join(host.dir, "state-file");
    writeFileSync(notADir, "a file where the state dir should be\n");
    const { ctx, lines } = context(host.config(), notADir);
    expect((await switchOp(ctx)).state).toBe("succeeded");
    expect(lines.some((l) => l.startsWith("agent: could not record this switch for the config state:"))).toBe(
      true,
    );
  });
});

describe("test records whether every test passed", () => {
  function withTests(scripts: Record<string, string>) {
    const repo = tempDir("ops-tests");
    const dir = join(repo, "hosts", "h1", "tests");
    mkdirSync(dir, { recursive: true });
    for (const [name, body] of Object.entries(scripts)) {
      writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(dir, name), 0o755);
    }
    const config: Partial<AgentConfig> = {
      repo: { dir: repo, branch: "main", remote: "origin", flakeInputs: [] },
      timeouts: {
        gitSeconds: 5,
        switchSeconds: 5,
        testSeconds: 0.5,
        killGraceSeconds: 0.2,
        restartSeconds: 5,
      },
    };
    return { config, stateDir: tempDir("ops-state") };
  }

  const cases: [string, Record<string, string>, boolean][] = [
    ["all passed", { "T01.sh": "exit 0", "T02.sh": "exit 0" }, true],
    ["one failed", { "T01.sh": "exit 0", "T02.sh": "exit 3" }, false],
    ["one timed out", { "T01.sh": "sleep 30", "T02.sh": "exit 0" }, false],
  ];
  for (const [what, scripts, passed] of cases) {
    test(`${what}: recorded passed=${passed}`, async () => {
      const { config, stateDir } = withTests(scripts);
      await testOp(context(config, stateDir).ctx);
      expect(readRecords(stateDir).lastTest).toMatchObject({ passed });
    });
  }

  test("a state dir that cannot take the record costs a line, not the test job", async () => {
    const { config } = withTests({ "T01.sh": "exit 0" });
    const notADir = join(tempDir("ops-state"), "state-file");
    writeFileSync(notADir, "a file where the state dir should be\n");
    const { ctx, lines } = context(config, notADir);
    expect((await testOp(ctx)).state).toBe("succeeded");
    expect(
      lines.some((l) => l.startsWith("agent: could not record this test run for the config state:")),
    ).toBe(true);
  });

  test("a cancelled run and a run with no tests record nothing", async () => {
    const { config, stateDir } = withTests({ "T01.sh": "sleep 30" });
    const cancel = new AbortController();
    setTimeout(() => cancel.abort(), 100);
    expect((await testOp(context(config, stateDir, cancel.signal).ctx)).state).toBe("cancelled");
    expect(readRecords(stateDir).lastTest).toBeNull();
    const none = withTests({});
    expect((await testOp(context(none.config, none.stateDir).ctx)).state).toBe("succeeded");
    expect(readRecords(none.stateDir).lastTest).toBeNull();
  });
});
