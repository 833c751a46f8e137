// install.sh and the files it installs, checked without a container: shellcheck, the
// GET /install.sh route, the unit's hardening and the plist's shape, and the clear message
// for each way an install can be refused before it changes anything.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { tierSkipReason } from "../../scripts/test/tiers.ts";
import { renderInstallScript } from "../../server/routes/install/render.ts";
import { freePort, tempDir } from "../harness/index.ts";
import { startTestApp, type TestApp } from "../server/helpers.ts";
import { parsePlist } from "./plist.ts";
import { makeStubs, runInstall } from "./script.ts";

const REPO = resolve(import.meta.dir, "../..");
const read = (path: string) => readFileSync(join(REPO, path), "utf8");
const SOURCE = read("scripts/install.sh");
const UNIT = read("systemd/fleet-agent.service");
const PLIST = read("launchd/dev.fleet.agent.plist");

const noShellcheck = tierSkipReason("shellcheck");
if (noShellcheck) console.log(`test/install: skipping the lint: ${noShellcheck}`);
const shellcheck = noShellcheck ? null : Bun.which("shellcheck");

/** `Key=value` lines of a unit file, all values per key. */
function unitKeys(text: string): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  for (const line of text.split("\n")) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m) keys.set(m[1]!, [...(keys.get(m[1]!) ?? []), m[2]!]);
  }
  return keys;
}

describe("install.sh source", () => {
  test.skipIf(!shellcheck)("is shellcheck clean as POSIX sh, as written and as fleetd serves it", () => {
    const served = join(tempDir("served"), "install.sh");
    Bun.write(served, renderInstallScript("https://fleet.example.com"));
    for (const file of [join(REPO, "scripts/install.sh"), served]) {
      const run = Bun.spawnSync([shellcheck!, "--shell=sh", "--severity=style", file]);
      expect({ file, out: run.stdout.toString() }).toEqual({ file, out: "" });
      expect(run.exitCode).toBe(0);
    }
  });

  test("parses with sh -n, and --help prints the options without doing anything", async () => {
    expect(Bun.spawnSync(["sh", "-n", join(REPO, "scripts/install.sh")]).exitCode).toBe(0);
    const help = await runInstall(SOURCE, ["--help"], makeStubs());
    expect(help.code).toBe(0);
    for (const flag of [
      "--token",
      "--name",
      "--prefix",
      "--no-start",
      "--system",
      "--uninstall",
      "--purge",
    ]) {
      expect(help.stdout).toContain(flag);
    }
  });
});

describe("GET /install.sh", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  test("serves the script with fleetd's public URL and the unit and plist embedded", async () => {
    const reply = await app.call("GET", "/install.sh");
    expect(reply.status).toBe(200);
    expect(reply.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(reply.headers.get("cache-control")).toBe("no-store");
    const text = reply.body as string;
    expect(text).toStartWith("#!/bin/sh\n");
    expect(text).toContain("FLEET_SERVER_DEFAULT='http://fleet.test:8080'\n");
    expect(text).toContain(`cat <<'FLEET_UNIT_EOF'\n${UNIT.trimEnd()}\nFLEET_UNIT_EOF\n`);
    expect(text).toContain(`cat <<'FLEET_PLIST_EOF'\n${PLIST.trimEnd()}\nFLEET_PLIST_EOF\n`);
    for (const placeholder of ["@FLEET_PUBLIC_URL@", "@FLEET_AGENT_SERVICE@", "@FLEET_AGENT_PLIST@"]) {
      expect(text).not.toContain(placeholder);
    }
  });

  test("needs no token, and a POST is a 405", async () => {
    expect((await app.call("GET", "/install.sh", { token: "nonsense" })).status).toBe(200);
    const post = await app.call("POST", "/install.sh", { json: {} });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET");
  });

  test("a quote in the URL cannot break out of the script's quoting", async () => {
    const url = "https://fleet.example.com/it's;$(touch /tmp/x)";
    const script = renderInstallScript(url);
    const line = script.split("\n").find((l) => l.startsWith("FLEET_SERVER_DEFAULT="))!;
    const echoed = Bun.spawnSync(["sh", "-c", `${line}\nprintf %s "$FLEET_SERVER_DEFAULT"`]);
    expect(echoed.stdout.toString()).toBe(url);
  });
});

describe("systemd/fleet-agent.service", () => {
  const keys = unitKeys(UNIT);
  const one = (key: string) => {
    expect(keys.get(key)).toHaveLength(1);
    return keys.get(key)![0];
  };

  test("restarts always and quickly, after the network, and never gives up", () => {
    expect(one("Restart")).toBe("always");
    expect(one("RestartSec")).toBe("2s");
    expect(one("StartLimitIntervalSec")).toBe("0");
    expect(one("Wants")).toBe("network-online.target");
    expect(one("After")).toBe("network-online.target");
    expect(one("WantedBy")).toBe("multi-user.target");
  });

  test("is sandboxed, with writes allowed exactly where the agent and self-update write", () => {
    expect(one("ProtectSystem")).toBe("strict");
    expect(one("NoNewPrivileges")).toBe("yes");
    expect(one("PrivateTmp")).toBe("yes");
    expect(one("ProtectHome")).toBe("yes");
    const [binary, verb, flag, stateDir] = one("ExecStart")!.split(" ");
    expect([verb, flag, stateDir]).toEqual(["run", "--state-dir", "/var/lib/fleet-agent"]);
    // The binary's own directory (for <bin>.new/.old/.rejected) and the state dir, nothing else.
    expect(keys.get("ReadWritePaths")).toEqual([binary!.slice(0, binary!.lastIndexOf("/"))]);
    expect(one("StateDirectory")).toBe("fleet-agent");
    expect(binary).toBe("/usr/local/lib/fleet-agent/fleet-agent");
    // systemd-run reaches PID 1 over AF_UNIX; Bun's JIT needs W+X memory.
    expect(one("RestrictAddressFamilies")!.split(" ")).toContain("AF_UNIX");
    expect(keys.has("MemoryDenyWriteExecute")).toBe(false);
    expect(keys.has("User")).toBe(false);
    expect(keys.has("DynamicUser")).toBe(false);
  });

  test("fleetd.service runs as a dynamic user with its state dir", () => {
    const server = unitKeys(read("systemd/fleetd.service"));
    expect(server.get("DynamicUser")).toEqual(["yes"]);
    expect(server.get("StateDirectory")).toEqual(["fleetd"]);
    expect(server.get("ExecStart")?.[0]).toContain("--data /var/lib/fleetd");
    expect(server.get("Restart")).toEqual(["always"]);
    expect(server.has("MemoryDenyWriteExecute")).toBe(false);
  });
});

describe("launchd/dev.fleet.agent.plist", () => {
  test("is a valid plist that keeps the agent alive and lets its job runners outlive it", () => {
    const plist = parsePlist(PLIST) as Record<string, any>;
    expect(plist).toEqual({
      Label: "dev.fleet.agent",
      ProgramArguments: ["@FLEET_AGENT_BIN@", "run", "--state-dir", "@FLEET_STATE_DIR@"],
      EnvironmentVariables: { PATH: "@FLEET_PATH@", NO_COLOR: "1" },
      RunAtLoad: true,
      KeepAlive: true,
      ThrottleInterval: 5,
      AbandonProcessGroup: true,
      ProcessType: "Standard",
      StandardOutPath: "@FLEET_LOG_DIR@/agent.log",
      StandardErrorPath: "@FLEET_LOG_DIR@/agent.log",
    });
  });

  test("the plist reader rejects what plutil would", () => {
    const bad = [
      PLIST.replace("<true/>", "<true>"),
      PLIST.replace("<key>RunAtLoad</key>", ""),
      PLIST.replace("<integer>5</integer>", "<integer>five</integer>"),
      PLIST.replace("<string>run</string>", "<string>a & b</string>"),
      PLIST.replace("<!DOCTYPE", "<!-- -- --><!DOCTYPE"),
      PLIST.replace("<key>Label</key>", "<key>Label</key><key>x</key>"),
    ];
    for (const text of bad) expect(() => parsePlist(text)).toThrow();
  });
});

describe("install.sh refuses clearly, before changing anything", () => {
  const stubs = makeStubs();
  const served = renderInstallScript("http://127.0.0.1:9");

  test.each([
    [{ os: "FreeBSD", machine: "amd64" }, [], "unsupported platform: FreeBSD (amd64)"],
    [{ os: "Linux", machine: "mips" }, [], "unsupported CPU architecture: mips on Linux"],
    [{ os: "Linux", uid: 1000 }, ["--token", "t"], "needs root (you are uid 1000)"],
    [
      { os: "Darwin", machine: "arm64", uid: 0 },
      ["--token", "t"],
      "a LaunchAgent belongs to a logged-in user",
    ],
    [
      { os: "Darwin", machine: "arm64", uid: 501 },
      ["--system"],
      "--system installs a LaunchDaemon and needs root",
    ],
    [{ os: "Linux" }, ["--system"], "--system is for macOS"],
    [{}, ["--purge"], "--purge only goes with --uninstall"],
    [{}, ["--bogus"], "unknown option: --bogus"],
    [{}, ["--token"], "--token needs a value"],
    [{}, ["--prefix", "relative/dir"], "--prefix must be an absolute path"],
  ] as const)("%j %j → %s", async (host, args, message) => {
    const run = await runInstall(served, [...args], stubs, host);
    expect(run.stderr).toContain(message);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
  });

  test("the root hint is the same one-liner with sudo", async () => {
    const run = await runInstall(served, ["--token", "t"], stubs, { uid: 1000 });
    expect(run.stderr).toContain("curl -fsSL http://127.0.0.1:9/install.sh | sudo sh -s -- --token …");
  });

  test("server unreachable", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const run = await runInstall(renderInstallScript(url), ["--token", "t"], stubs, { uid: 0 });
    expect(run.stderr).toContain(`cannot reach fleetd at ${url}`);
    expect(run.stderr).toContain("check the URL, that fleetd is running");
    expect(run.code).toBe(1);
  });

  test("a copy not served by fleetd asks for --server", async () => {
    const run = await runInstall(SOURCE, ["--token", "t"], stubs, { uid: 0 });
    expect(run.stderr).toContain("no fleetd URL: this copy of install.sh was not served by fleetd");
    expect(run.code).toBe(1);
  });
});
