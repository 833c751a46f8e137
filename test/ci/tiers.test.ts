// The one list of system packages the test tiers need, and `npm test`'s wrapper around it:
// what it does on each kind of machine, that every package in the list is a real Debian package,
// and that a real run ends with the skipped tiers and the counts.
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { installPlan, type Machine } from "../../scripts/test/install-packages.ts";
import {
  insideContainer,
  SKIPPED_TIERS_ENV,
  TIERS,
  tierNamed,
  tierSkipReason,
} from "../../scripts/test/tiers.ts";
import { tempDir } from "../harness/index.ts";

const REPO = resolve(import.meta.dir, "../..");
const lacking = (...names: Parameters<typeof tierNamed>[0][]) =>
  names.map((name) => ({ tier: tierNamed(name), missing: [...tierNamed(name).commands] }));
const debianRoot: Machine = { platform: "linux", debianLike: true, rootPrefix: [] };

describe("installPlan", () => {
  test("Debian as root: apt-get update, then one install of every missing tier's packages", () => {
    const plan = installPlan(lacking("browser", "terminal"), debianRoot);
    expect(plan).toEqual({
      kind: "install",
      packages: ["chromium", "tmux", "zsh", "fish"],
      argvs: [
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "--no-install-recommends", "chromium", "tmux", "zsh", "fish", "-qq"],
      ],
    });
  });

  test("Debian with passwordless sudo installs through sudo -n", () => {
    const plan = installPlan(lacking("shellcheck"), { ...debianRoot, rootPrefix: ["sudo", "-n"] });
    expect(plan.kind === "install" && plan.argvs.every((a) => a[0] === "sudo" && a[1] === "-n")).toBe(true);
  });

  test("Debian without root or sudo stops with the one apt-get command to run", () => {
    const plan = installPlan(lacking("processes", "wine"), { ...debianRoot, rootPrefix: null });
    expect(plan).toEqual({
      kind: "stop",
      message:
        "the processes, wine test tier(s) need pgrep, ps, wine, which are not installed; run:\n\n  sudo apt-get install -y --no-install-recommends procps wine wine64\n",
    });
  });

  test("a Mac gets the brew command when every missing tier has formulas, else what to install", () => {
    const mac: Machine = { platform: "darwin", debianLike: false, rootPrefix: [] };
    expect(installPlan(lacking("terminal", "shellcheck"), mac)).toMatchObject({
      kind: "stop",
      message: expect.stringContaining("\n  brew install tmux zsh fish shellcheck\n"),
    });
    expect(installPlan(lacking("browser"), mac)).toMatchObject({
      kind: "stop",
      message: expect.stringContaining("install /usr/bin/chromium (the Debian packages are: chromium)"),
    });
  });
});

test("every package in the list is a Debian package this machine's apt knows", () => {
  const packages = [...new Set(TIERS.flatMap((t) => t.debian))];
  const show = Bun.spawnSync(["apt-cache", "show", "--no-all-versions", ...packages], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const known = [...show.stdout.toString().matchAll(/^Package: (\S+)$/gm)].map((m) => m[1]);
  expect(packages.filter((p) => !known.includes(p))).toEqual([]);
});

test("under npm test a tier's tests take the runner's decision, not their own", () => {
  const saved = process.env[SKIPPED_TIERS_ENV];
  process.env[SKIPPED_TIERS_ENV] = JSON.stringify({ system: "not root" });
  try {
    expect(tierSkipReason("system")).toBe("not root");
    expect(tierSkipReason("browser")).toBeNull();
  } finally {
    if (saved === undefined) delete process.env[SKIPPED_TIERS_ENV];
    else process.env[SKIPPED_TIERS_ENV] = saved;
  }
});

test("npm test's runner ends with the counts from bun's own report, skips included", () => {
  const dir = tempDir("runner");
  const file = join(dir, "sample.test.ts");
  writeFileSync(
    file,
    'import { test } from "bun:test";\ntest("a", () => {});\ntest("b", () => {});\ntest.skip("c", () => {});\n',
  );
  const run = Bun.spawnSync([process.execPath, "scripts/test/run.ts", file], {
    cwd: REPO,
    env: { ...process.env, FLEET_REQUIRE_ALL_TIERS: "" },
    stdout: "pipe",
    stderr: "pipe",
  });
  const lines = run.stderr.toString().trim().split("\n");
  expect({ code: run.exitCode, last: lines.at(-1) }).toEqual({
    code: 0,
    last: "2 passed, 0 failed, 1 skipped",
  });
});

test("docs/testing.md's table of tiers is the list in scripts/test/tiers.ts", () => {
  const doc = readFileSync(join(REPO, "docs/testing.md"), "utf8");
  const rows = [...doc.matchAll(/^\| `([a-z]+)` +\| ([^|]+) \| ([^|]+) \|$/gm)].map((m) => [
    m[1],
    m[2]!.trim(),
    m[3]!.trim(),
  ]);
  expect(rows).toEqual(TIERS.map((t) => [t.name, t.debian.join(" "), t.covers]));
});

test("the system tier refuses to nest in an nspawn or podman container ($container), not on Docker's marker", () => {
  const saved = process.env.container;
  try {
    process.env.container = "systemd-nspawn";
    expect(insideContainer()).toBe(true);
    delete process.env.container;
    // This project's CI machines carry /.dockerenv and boot nspawn containers fine.
    expect(insideContainer()).toBe(existsSync("/run/systemd/container"));
  } finally {
    if (saved === undefined) delete process.env.container;
    else process.env.container = saved;
  }
});
