// The operations against real git repos and real scripts.
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AgentConfig } from "../../agent/config.ts";
import type { OpContext } from "../../agent/jobs/ops/context.ts";
import { pull } from "../../agent/jobs/ops/pull.ts";
import { switchOp } from "../../agent/jobs/ops/switch.ts";
import { testOp } from "../../agent/jobs/ops/test.ts";
import type { Progress } from "../../protocol/index.ts";

const root = mkdtempSync(join(tmpdir(), "fleet-ops-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function git(cwd: string, ...args: string[]): string {
  const r = Bun.spawnSync(["git", "-c", "user.email=t@t", "-c", "user.name=t", ...args], { cwd });
  if (r.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.toString().trim();
}

function context(config: Partial<AgentConfig>) {
  const lines: string[] = [];
  const progress: Progress[] = [];
  const ctx: OpContext = {
    config: AgentConfig.parse({ server: "http://127.0.0.1:1", name: "h1", ...config }),
    stateDir: root,
    jobId: "j_test",
    args: {},
    signal: new AbortController().signal,
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
