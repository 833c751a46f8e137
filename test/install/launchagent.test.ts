// install.sh's macOS path end to end against a real fleetd, with launchctl stubbed (it cannot
// run here): a user's LaunchAgent install keeps everything under $HOME, which is a temp dir,
// so this runs safely on any machine. fleetd serves this machine's agent binary as the
// darwin-arm64 artifact, so the downloaded "Mac" agent really enrolls and says hello.
// Also: the enroll-token failures, which need an agent download to get that far.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, lstatSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { linkOrCopy } from "../../lib/link-or-copy.ts";
import type { Artifact } from "../../protocol/index.ts";
import {
  type ArtifactsDir,
  type Binaries,
  copyArtifacts,
  ensureBinaries,
  TestFleet,
  tempDir,
  waitFor,
} from "../harness/index.ts";
import { parsePlist } from "./plist.ts";
import { makeStubs, runInstall } from "./script.ts";

let fleet: TestFleet;
let artifacts: ArtifactsDir;
let v1: Binaries;
let v2: Binaries;
const stubs = makeStubs();
const home = tempDir("mac-home");
const mac = { os: "Darwin", machine: "arm64", uid: 501, user: "ada", home };
const lib = join(home, ".local/lib/fleet-agent");
const bin = join(lib, "fleet-agent");
const state = join(home, "Library/Application Support/fleet-agent");
const plistPath = join(home, "Library/LaunchAgents/dev.fleet.agent.plist");
const logs = join(home, "Library/Logs/fleet-agent");

/** Serves `bins`' agent as both its own target and darwin-arm64 (the install under test). */
function serveAgentsOf(bins: Binaries) {
  const agent = bins.manifest.artifacts.find((a) => a.program === "fleet-agent")!;
  const file = `fleet-agent-darwin-arm64-${bins.version}`;
  linkOrCopy(join(bins.dir, agent.file), join(artifacts.dir, file));
  const darwin: Artifact = { ...agent, target: "darwin-arm64", platform: "darwin", arch: "arm64", file };
  const others = bins.manifest.artifacts.filter(
    (a) => a.program !== "fleet-agent" || a.target !== "darwin-arm64",
  );
  artifacts.write({ ...bins.manifest, artifacts: [...others, darwin] });
}

const script = async () => (await fetch(`${fleet.url}/install.sh`)).text();
const calls = () =>
  existsSync(join(stubs.launchd, "calls"))
    ? readFileSync(join(stubs.launchd, "calls"), "utf8").trim().split("\n")
    : [];
const stubPid = () => Number(readFileSync(join(stubs.launchd, "pid"), "utf8"));

beforeAll(async () => {
  [v1, v2] = await Promise.all([ensureBinaries("1.0.0-test"), ensureBinaries("2.0.0-test")]);
  artifacts = copyArtifacts(v1);
  serveAgentsOf(v1);
  fleet = await TestFleet.start({ ...v1, dir: artifacts.dir });
}, 300_000);

afterAll(async () => {
  // The stub's "launchd job" is ours: stop it by its pid if a test left it running.
  if (existsSync(join(stubs.launchd, "pid"))) {
    try {
      process.kill(stubPid(), "SIGTERM");
    } catch {
      // already gone
    }
  }
  await fleet?.stop();
});

describe("enroll token refused", () => {
  test("an unknown token: fleetd's reason, a hint, and nothing installed", async () => {
    const h = { ...mac, home: tempDir("mac-bad") };
    const run = await runInstall(await script(), ["--token", "fe_bogus"], stubs, h);
    expect(run.stderr).toContain("fleetd refused the enroll token: enroll token unknown");
    expect(run.stderr).toContain("fleetctl enroll-token create");
    expect(run.code).toBe(1);
    expect(existsSync(join(h.home, ".local"))).toBe(false);
    expect(existsSync(join(h.home, "Library"))).toBe(false);
  }, 60_000);

  test("a used token says so", async () => {
    const token = await fleet.enrollToken();
    await fleet.api("POST", "/api/v1/enroll", { token, name: "someone-else" });
    const run = await runInstall(await script(), ["--token", token], stubs, {
      ...mac,
      home: tempDir("mac-used"),
    });
    expect(run.stderr).toContain("fleetd refused the enroll token: enroll token already used");
    expect(run.code).toBe(1);
  }, 60_000);

  test("no token on a host that is not enrolled", async () => {
    const run = await runInstall(await script(), [], stubs, { ...mac, home: tempDir("mac-none") });
    expect(run.stderr).toContain("this host is not enrolled yet and no --token was given");
    expect(run.code).toBe(1);
  }, 60_000);

  test("a build without this platform's agent names the missing target", async () => {
    const run = await runInstall(await script(), ["--token", "t"], stubs, { ...mac, machine: "x86_64" });
    expect(run.stderr).toContain("fleetd's build (1.0.0-test) has no fleet-agent for darwin-x64");
    expect(run.stderr).toContain("bun scripts/build.ts --targets darwin-x64");
    expect(run.code).toBe(1);
  }, 60_000);
});

describe("a LaunchAgent install, re-run, upgrade and uninstall", () => {
  test("installs under $HOME, loads the job and waits for the agent's hello", async () => {
    const token = await fleet.enrollToken();
    const run = await runInstall(await script(), ["--token", token, "--name", "mac1"], stubs, mac);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("loading gui/501/dev.fleet.agent");
    expect(run.stdout).toContain(`logs     ${logs}/agent.log`);
    expect(run.stdout).toMatch(/host\s+mac1 at .*: online \(agent pid \d+\)/);
    expect(calls()).toEqual([
      "enable gui/501/dev.fleet.agent",
      "bootout gui/501/dev.fleet.agent",
      `bootstrap gui/501 ${plistPath}`,
    ]);

    const plist = parsePlist(readFileSync(plistPath, "utf8")) as Record<string, any>;
    expect(plist.Label).toBe("dev.fleet.agent");
    expect(plist.ProgramArguments).toEqual([bin, "run", "--state-dir", state]);
    expect(plist).toMatchObject({ RunAtLoad: true, KeepAlive: true, AbandonProcessGroup: true });
    expect(plist.StandardOutPath).toBe(`${logs}/agent.log`);
    expect(plist.EnvironmentVariables.PATH.split(":")).toEqual(
      expect.arrayContaining([
        `${home}/.nix-profile/bin`,
        "/etc/profiles/per-user/ada/bin",
        "/opt/homebrew/bin",
      ]),
    );

    const config = JSON.parse(readFileSync(join(state, "config.json"), "utf8"));
    expect(config.service).toEqual({
      manager: "launchd",
      label: "dev.fleet.agent",
      domain: "gui/501",
      plist: plistPath,
      binary: bin,
    });
    expect(readlinkSync(join(home, ".local/bin/fleet-agent"))).toBe(bin);
    const [host] = (await fleet.hosts()).filter((h) => h.name === "mac1");
    expect(host).toMatchObject({ online: true, version: "1.0.0-test" });
  }, 60_000);

  test("a second run keeps the enrollment and the running agent", async () => {
    const pid = stubPid();
    const before = calls().length;
    const run = await runInstall(await script(), ["--token", "fe_used_already"], stubs, mac);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("already enrolled as mac1");
    expect(run.stdout).toContain("gui/501/dev.fleet.agent is loaded and up to date");
    expect(calls().slice(before)).toEqual([
      "enable gui/501/dev.fleet.agent",
      "print gui/501/dev.fleet.agent",
    ]);
    expect(stubPid()).toBe(pid);
    expect((await fleet.hosts()).filter((h) => h.name === "mac1")).toHaveLength(1);
  }, 60_000);

  test("when fleetd has a newer build, a re-run upgrades in place and restarts the job", async () => {
    serveAgentsOf(v2);
    const pid = stubPid();
    const run = await runInstall(await script(), [], stubs, mac);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`installing ${bin} (2.0.0-test)`);
    expect(calls().at(-1)).toBe("kickstart -k gui/501/dev.fleet.agent");
    expect(stubPid()).not.toBe(pid);
    expect(Bun.spawnSync([bin, "--version"]).stdout.toString().trim()).toBe("2.0.0-test");
    await waitFor(async () => (await fleet.host("mac1"))?.version === "2.0.0-test", {
      what: "mac1 on 2.0.0-test",
    });
  }, 60_000);

  test("--uninstall --purge removes the job, binary, link, state and logs", async () => {
    const pid = stubPid();
    const run = await runInstall(await script(), ["--uninstall", "--purge"], stubs, mac);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(calls().at(-1)).toBe("bootout gui/501/dev.fleet.agent");
    for (const path of [plistPath, lib, join(home, ".local/bin/fleet-agent"), state, logs]) {
      expect({ path, gone: !_lexists(path) }).toEqual({ path, gone: true });
    }
    expect(() => process.kill(pid, 0)).toThrow();
    expect(run.stdout).toContain("still listed in fleetd");
  }, 60_000);
});

function _lexists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
