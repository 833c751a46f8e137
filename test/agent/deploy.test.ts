// The deploy and rollback ops run as the runner runs them, against real git repos, real scripts,
// a profile of real symlinks (as nix-env leaves it), a stub launchctl that records its calls, and
// a fleetd stand-in on loopback that answers its health route: what is refused before anything
// changes, the rollback each platform gets by default, launchd after a rollback, and what the
// confirmation means where no service manager can start a fresh agent.
import { afterAll, describe, expect, test } from "bun:test";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { AgentConfig, defaultRollbackCommand } from "../../agent/config.ts";
import type { OpContext } from "../../agent/jobs/ops/context.ts";
import { deploy } from "../../agent/jobs/ops/deploy.ts";
import { rollback } from "../../agent/jobs/ops/rollback.ts";
import { planRollback } from "../../agent/jobs/ops/rollback-step.ts";
import { jobFiles } from "../../agent/jobs/spool.ts";
import { tryLock } from "../../agent/lock.ts";
import { statePaths } from "../../agent/paths.ts";
import { type ArgsOf, Operation, PROTOCOL_VERSION } from "../../protocol/index.ts";
import { git, tempDir, waitFor } from "../harness/index.ts";

const fleetd = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => Response.json({ ok: true }) });
afterAll(() => fleetd.stop(true));
const fleetdUrl = `http://127.0.0.1:${fleetd.port}`;

function context<Op extends Operation>(op: Op, config: Record<string, unknown>, args: ArgsOf<Op>) {
  const stateDir = tempDir(`deploy-${op}-state`);
  const jobId = "j_test";
  mkdirSync(statePaths(stateDir).job(jobId), { recursive: true });
  const lines: string[] = [];
  const ctx: OpContext<Op> = {
    // No service manager unless a test names one, and a short wait for an agent that never comes.
    config: AgentConfig.parse({
      server: fleetdUrl,
      name: "h1",
      service: { manager: "none" },
      timeouts: { restartSeconds: 1 },
      ...config,
    }),
    stateDir,
    jobId,
    args,
    signal: new AbortController().signal,
    line: (_stream, data) => lines.push(data),
    progress: () => {},
  };
  return { ctx, lines, files: jobFiles(statePaths(stateDir).job(jobId)) };
}

/** An origin with one commit and a clone of it at <dir>/checkout. */
function repoWithCheckout() {
  const dir = tempDir("deploy-repo");
  const origin = join(dir, "origin");
  mkdirSync(origin);
  git(origin, "init", "-q", "-b", "main");
  writeFileSync(join(origin, "a"), "1");
  git(origin, "add", ".");
  git(origin, "commit", "-qm", "one");
  const checkout = join(dir, "checkout");
  git(dir, "clone", "-q", origin, checkout);
  return { origin, checkout, head: git(origin, "rev-parse", "HEAD"), repo: { dir: checkout, url: origin } };
}

/** A profile as nix-env leaves it: <dir>/system -> system-<N>-link -> <dir>/gen-<N>, N = 1..count. */
function profileAt(count: number, active: number): string {
  const dir = tempDir("deploy-profile");
  for (let n = 1; n <= count; n++) {
    mkdirSync(join(dir, `gen-${n}`));
    symlinkSync(join(dir, `gen-${n}`), join(dir, `system-${n}-link`));
  }
  symlinkSync(`system-${active}-link`, join(dir, "system"));
  return join(dir, "system");
}

const deployArgs = (commit: string, extra: Partial<ArgsOf<"deploy">> = {}): ArgsOf<"deploy"> => ({
  commit,
  confirmSeconds: 1,
  test: false,
  rollback: true,
  ...extra,
});

describe("refused before anything changes", () => {
  test("generic Linux without a rollback command: failed_before_switch, checkout and spool untouched", async () => {
    const { repo, checkout, head } = repoWithCheckout();
    const before = git(checkout, "rev-parse", "HEAD");
    const { ctx, files } = context("deploy", { repo, switch: ["/bin/true"] }, deployArgs(head));
    const result = await deploy(ctx);
    expect(result).toMatchObject({
      state: "failed",
      reason:
        'cannot roll back on this host: there is no default rollback for its switch command; set "rollback" in config.json (an argv array)',
      outcome: {
        op: "deploy",
        kind: "failed_before_switch",
        commit: head,
        generationBefore: null,
        generationAfter: null,
      },
    });
    expect(git(checkout, "rev-parse", "HEAD")).toBe(before);
    expect(existsSync(files.deploy)).toBe(false);
  });

  test("no switch command: failed_before_switch naming the config key", async () => {
    const { repo, head } = repoWithCheckout();
    const { ctx } = context("deploy", { repo, rollback: ["/bin/true"] }, deployArgs(head));
    const result = await deploy(ctx);
    expect(result.reason).toContain('set "switch" in config.json');
    expect(result.outcome).toMatchObject({ kind: "failed_before_switch" });
  });

  test("a rollback that needs {generation} on a host whose generation cannot be read", async () => {
    const { repo, head } = repoWithCheckout();
    const config = { repo, switch: ["/bin/true"], rollback: ["/bin/echo", "{generation}"] };
    const { ctx, files } = context("deploy", config, deployArgs(head));
    const result = await deploy(ctx);
    expect(result.reason).toBe(
      "cannot roll back: the active generation is not known, and the rollback needs {generation}",
    );
    expect(existsSync(files.deploy)).toBe(false);
  });

  test("a spool that cannot take deploy.json: nothing is switched", async () => {
    const { repo, head } = repoWithCheckout();
    const marker = join(tempDir("deploy-marker"), "switched");
    const config = { repo, switch: ["/bin/touch", marker], rollback: ["/bin/true"] };
    const { ctx, files } = context("deploy", config, deployArgs(head));
    // A directory where the file goes: no write can replace it, root or not.
    mkdirSync(files.deploy);
    const result = await deploy(ctx);
    expect(result.reason).toStartWith("cannot record the generation before the switch (");
    expect(result.outcome).toMatchObject({ kind: "failed_before_switch" });
    expect(existsSync(marker)).toBe(false);
  });

  test('a "rollback" that is not an argv array is refused by the config schema', () => {
    for (const bad of [[], "nixos-rebuild switch --rollback", [""]]) {
      const parsed = AgentConfig.safeParse({ server: fleetdUrl, name: "h1", rollback: bad });
      expect(parsed.success).toBe(false);
    }
  });
});

describe("the rollback each platform gets by default", () => {
  test("NixOS and nix-darwin: switch --rollback; generic: none", () => {
    expect(defaultRollbackCommand("nixos-rebuild")).toEqual(["nixos-rebuild", "switch", "--rollback"]);
    expect(defaultRollbackCommand("darwin-rebuild")).toEqual(["darwin-rebuild", "switch", "--rollback"]);
    expect(defaultRollbackCommand("apply")).toBeUndefined();
  });

  test("home-manager: the recorded generation's own activate, refused when that generation is gone", () => {
    const profile = profileAt(2, 2);
    writeFileSync(join(profile, "..", "gen-1", "activate"), "#!/bin/sh\n");
    const config = { switch: ["home-manager", "switch"], system: { profile } };
    const { ctx } = context("rollback", config, {});
    expect(planRollback(ctx, 1)).toEqual({ argv: [`${profile}-1-link/activate`], target: 1 });
    expect(planRollback(ctx, 7)).toEqual({
      problem: `cannot roll back to generation 7: ${profile}-7-link/activate does not exist`,
    });
  });
});

describe("rollback under launchd", () => {
  const stubs = tempDir("deploy-launchctl");
  const calls = join(stubs, "calls");
  writeFileSync(join(stubs, "launchctl"), `#!/bin/sh\necho "$*" >> "${calls}"\n`);
  chmodSync(join(stubs, "launchctl"), 0o755);

  test("a rollback that changed the plist: exactly one bootout + bootstrap, and no second restart", async () => {
    const profile = profileAt(2, 2);
    const plist = join(stubs, "agent.plist");
    writeFileSync(plist, "<plist>generation 2</plist>");
    // What the older generation's activation does: its own plist, and the profile moved back.
    const script = join(stubs, "rollback.sh");
    writeFileSync(
      script,
      `#!/bin/sh\nln -sfn system-1-link "${profile}"\necho "<plist>generation 1</plist>" > "${plist}"\n`,
    );
    chmodSync(script, 0o755);
    const path = process.env.PATH;
    process.env.PATH = `${stubs}:${path}`;
    try {
      const { ctx, lines } = context(
        "rollback",
        {
          rollback: [script],
          system: { profile },
          service: { manager: "launchd", domain: "gui/501", plist, binary: script },
          timeouts: { restartSeconds: 1 },
        },
        {},
      );
      const result = await rollback(ctx);
      expect(result.outcome).toEqual({
        op: "rollback",
        kind: "rolled_back",
        generationBefore: 2,
        generationAfter: 1,
      });
      expect(readlinkSync(profile)).toBe("system-1-link");
      expect(readFileSync(calls, "utf8").trim().split("\n")).toEqual([
        "bootout gui/501/dev.fleet.agent",
        `bootstrap gui/501 ${plist}`,
      ]);
      // No agent runs in this test, so none says hello; the result says so instead of succeeding quietly.
      expect(result.reason).toContain("the agent is not back: no fresh agent reached fleetd within 1 s");
      expect(lines).toContain("rolled back: generation 1 is active again");
    } finally {
      process.env.PATH = path;
    }
  });
});

describe("rollback on its own", () => {
  test("on the oldest generation there is nothing to go back to: rollback_failed, nothing run", async () => {
    const profile = profileAt(1, 1);
    const marker = join(tempDir("deploy-marker"), "ran");
    const { ctx } = context("rollback", { rollback: ["/bin/touch", marker], system: { profile } }, {});
    const result = await rollback(ctx);
    expect(result).toMatchObject({
      state: "failed",
      reason: "generation 1 is the oldest one left: there is nothing to roll back to",
      outcome: { op: "rollback", kind: "rollback_failed", generationBefore: 1, generationAfter: 1 },
    });
    expect(existsSync(marker)).toBe(false);
  });

  test("a rollback that leaves another generation active is rollback_failed, saying which", async () => {
    const profile = profileAt(3, 3);
    const { ctx } = context("rollback", { rollback: ["/bin/true"], system: { profile } }, {});
    const result = await rollback(ctx);
    expect(result.outcome).toEqual({
      op: "rollback",
      kind: "rollback_failed",
      generationBefore: 3,
      generationAfter: 3,
    });
    expect(result.reason).toStartWith("after the rollback the active generation is 3, not 2");
  });
});

describe("confirmation with no service manager and no restartCommand", () => {
  test("the runner reaching fleetd with the agent still running confirms, and the result says how", async () => {
    const { repo, head } = repoWithCheckout();
    const config = { repo, switch: ["/bin/true"], rollback: ["/bin/true"], service: { manager: "none" } };
    const { ctx, files } = context("deploy", config, deployArgs(head));
    const lock = tryLock(statePaths(ctx.stateDir).lock);
    if (!lock.ok) throw new Error("lock");
    try {
      const result = await deploy(ctx);
      expect(result.state).toBe("succeeded");
      expect(result.outcome).toMatchObject({ kind: "deployed", commit: head });
      expect(JSON.parse(readFileSync(files.deploy, "utf8"))).toMatchObject({
        commit: head,
        generationBefore: null,
        agentPid: process.pid,
      });
      expect(result.reason).toContain(
        `no service manager to start a fresh agent: the runner reached fleetd and agent pid ${process.pid} is still running`,
      );
    } finally {
      lock.lock.release();
    }
  });

  test("fleetd out of reach after the switch: not confirmed, rolled back, unverified where no generation exists", async () => {
    const { repo, head } = repoWithCheckout();
    const marker = join(tempDir("deploy-marker"), "rolled-back");
    const config = {
      server: "http://127.0.0.1:9",
      repo,
      switch: ["/bin/true"],
      rollback: ["/bin/touch", marker],
      service: { manager: "none" },
    };
    const { ctx } = context("deploy", config, deployArgs(head));
    const result = await deploy(ctx);
    expect(result.state).toBe("failed");
    expect(result.outcome).toEqual({
      op: "deploy",
      kind: "rolled_back",
      cause: "not_confirmed",
      commit: head,
      generationBefore: null,
      generationAfter: null,
    });
    expect(existsSync(marker)).toBe(true);
    expect(result.reason).toContain("no generation can be read here, so none was checked");
  });
});

test("the agent's hello lists every op it runs, deploy and rollback included", async () => {
  const hellos: { ops?: string[] }[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const path = new URL(req.url).pathname;
      if (path === "/api/v1/agent/hello") {
        hellos.push(await req.json());
        return Response.json({
          protocol: PROTOCOL_VERSION,
          serverVersion: "x",
          pollSeconds: 1,
          outdated: false,
        });
      }
      if (path === "/api/v1/agent/poll") return Response.json({ command: null });
      return Response.json({});
    },
  });
  const stateDir = tempDir("deploy-hello");
  const paths = statePaths(stateDir);
  writeFileSync(paths.config, JSON.stringify({ server: `http://127.0.0.1:${server.port}`, name: "h1" }));
  writeFileSync(paths.credentials, JSON.stringify({ hostId: "h_hello", hostToken: "t" }), { mode: 0o600 });
  const agent = Bun.spawn(
    [process.execPath, join(import.meta.dir, "../../agent/main.ts"), "run", "--state-dir", stateDir],
    { stdout: "ignore", stderr: "ignore", env: { ...process.env, INVOCATION_ID: "" } },
  );
  try {
    await waitFor(() => hellos.length > 0, { what: "the agent's hello", timeoutMs: 15_000 });
    expect([...(hellos[0]!.ops ?? [])].sort()).toEqual([...Operation.options].sort());
  } finally {
    agent.kill("SIGTERM");
    await agent.exited;
    server.stop(true);
  }
});
