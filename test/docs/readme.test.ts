// Every command in the README, run: the set-up commands on this checkout, and the five-step
// real install line by line against a temp fleet, as a reader would type it. The install line
// runs on a pretend Mac (install.sh's LaunchAgent path keeps everything under a temp $HOME, with
// uname/id/launchctl stubbed, see test/install/script.ts). `npm run demo` is run by
// test/e2e/demo.test.ts, which takes its command from the README too.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, symlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { linkOrCopy } from "../../lib/link-or-copy.ts";
import pkg from "../../package.json" with { type: "json" };
import { Manifest } from "../../protocol/index.ts";
import { hostTarget } from "../../scripts/build.ts";
import { resolveConfig } from "../../server/config.ts";
import {
  type ArtifactsDir,
  type Binaries,
  copyArtifacts,
  ensureBinaries,
  freePort,
  runToEnd,
  tempDir,
  waitFor,
} from "../harness/index.ts";
import { makeStubs } from "../install/script.ts";
import { commandsOf, fencedBlocks, README, readmeBlocks } from "./readme-blocks.ts";

const REPO = resolve(import.meta.dir, "../..");
const background: ChildProcess[] = [];

/** Runs one shell line to its end; env on top of PATH/HOME only, like a fresh login shell. */
const sh = (line: string, env: Record<string, string>, cwd: string) =>
  runToEnd(["bash", "-c", line], env, { cwd, clean: true });

/** Starts a line in the background in its own process group, as `cmd &` does in a shell. */
function shBackground(line: string, env: Record<string, string>, cwd: string): ChildProcess {
  const child = spawn("bash", ["-c", line], {
    cwd,
    env: { NO_COLOR: "1", ...env },
    detached: true,
    stdio: "ignore",
  });
  background.push(child);
  return child;
}

afterAll(() => {
  for (const child of background) {
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      // already gone
    }
  }
});

describe("set-up commands on the first screen", () => {
  const setup = readmeBlocks("setup");
  const firstScreen = readFileSync(README, "utf8").split("\n").slice(0, 25).join("\n");

  test("exactly `npm ci && npm start` and `npm ci && npm test`, both on the first screen", () => {
    expect(setup.map(commandsOf)).toEqual([["npm ci && npm start"], ["npm ci && npm test"]]);
    for (const block of setup) expect(firstScreen).toContain(block.lines.join("\n"));
  });

  test("`npm ci` and `npm test` are what CI runs on a fresh clone", () => {
    const ci = readFileSync(join(REPO, ".ci/run"), "utf8");
    expect(ci).toMatch(/^\s+timeout "\$NPM_CI_TIMEOUT" npm ci\b/m);
    expect(ci).toMatch(/^\s+npm test -- /m);
    // scripts/test/run.ts readies every tier (installing system packages), then runs `bun test`.
    expect(pkg.scripts.test).toBe("bun scripts/test/run.ts");
  });

  test("`npm start` runs fleetd on 127.0.0.1:8080 with data in ./data, serving this machine's agent, and its enroll steps work as printed", async () => {
    expect(resolveConfig({}, {})).toMatchObject({ host: "127.0.0.1", port: 8080, dataDir: resolve("data") });
    // Run for real, moved to a free port and a temp data dir by fleetd's documented variables.
    const port = await freePort();
    const data = join(tempDir("npm-start"), "data");
    const child = spawn("npm", ["start"], {
      cwd: REPO,
      env: { ...process.env, FLEET_PORT: String(port), FLEET_DATA: data },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    background.push(child);
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (out += d));
    // The first start after a source change compiles this machine's agent into dist/dev.
    await waitFor(() => out.includes("then on the host, with the token it printed:"), {
      what: "fleetd's banner",
      timeoutMs: 240_000,
    });
    expect((await fetch(`http://127.0.0.1:${port}/api/v1/health`)).ok).toBe(true);
    expect(existsSync(join(data, "admin-token"))).toBe(true);
    const manifest = Manifest.parse(
      await (await fetch(`http://127.0.0.1:${port}/api/v1/artifacts/manifest.json`)).json(),
    );
    expect(manifest.artifacts.map((a) => `${a.program}-${a.target}`)).toContain(
      `fleet-agent-${hostTarget()}`,
    );
    // The banner's steps, pasted into a shell as printed: exports, then fleetctl from the source tree.
    const steps = out
      .slice(out.indexOf("Enroll a host, from a shell on this machine:"))
      .split("\n")
      .slice(1, 4);
    expect(steps.map((l) => l.trim().split(" ")[0])).toEqual(["export", "export", "npm"]);
    const paste = spawnSync("sh", ["-c", steps.join("\n")], {
      cwd: REPO,
      encoding: "utf8",
      env: { ...process.env, FLEET_TOKEN: "", FLEET_SERVER: "" },
    });
    expect({ code: paste.status, stderr: paste.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    const printed = /--token (\S+)/.exec(paste.stdout)?.[1];
    expect(printed).toStartWith("fe_");
    process.kill(-child.pid!, "SIGTERM");
  }, 300_000);
});

test("every code block in the README is one of these tested kinds", () => {
  const blocks = fencedBlocks(readFileSync(README, "utf8"));
  const kinds = blocks.map(
    (b) => b.tags.find((t) => ["setup", "demo", "runnable"].includes(t)) ?? `untested (line ${b.line})`,
  );
  expect(kinds).toEqual(["setup", "setup", "demo", "runnable"]);
});

test("the demo block is `npm run demo`, which runs scripts/demo.ts", () => {
  expect(readmeBlocks("demo").map(commandsOf)).toEqual([["npm run demo"]]);
  expect(pkg.scripts.demo).toBe("bun scripts/demo.ts");
});

describe("the real install, line by line", () => {
  let bins: Binaries;
  let artifacts: ArtifactsDir;
  const stubs = makeStubs();

  beforeAll(async () => {
    bins = await ensureBinaries("1.0.0-test");
    // fleetd serves this machine's agent as the pretend Mac's darwin-arm64 agent too.
    artifacts = copyArtifacts(bins);
    const agent = bins.manifest.artifacts.find((a) => a.program === "fleet-agent")!;
    linkOrCopy(join(bins.dir, agent.file), join(artifacts.dir, "fleet-agent-darwin-arm64"));
    const mac = {
      ...agent,
      target: "darwin-arm64" as const,
      platform: "darwin" as const,
      arch: "arm64" as const,
    };
    artifacts.write({
      ...artifacts.manifest,
      artifacts: [...artifacts.manifest.artifacts, { ...mac, file: "fleet-agent-darwin-arm64" }],
    });
  }, 600_000);

  afterAll(() => {
    const pid = join(stubs.launchd, "pid");
    if (existsSync(pid)) process.kill(Number(readFileSync(pid, "utf8")), "SIGTERM");
  });

  test("start fleetd, token, install on a host, hosts, update --all", async () => {
    const [block] = readmeBlocks("runnable");
    const lines = commandsOf(block!);
    expect(lines).toHaveLength(6);
    const cwd = tempDir("readme-install");
    const bin = tempDir("readme-bin");
    symlinkSync(bins.fleetd, join(bin, "fleetd"));
    symlinkSync(bins.fleetctl, join(bin, "fleetctl"));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    // The temp fleet stands where the README's fleet.lan:8080 is; nothing else is changed.
    const env: Record<string, string> = {
      PATH: `${bin}:${process.env.PATH}`,
      HOME: tempDir("readme-home"),
      FLEET_PORT: String(port),
      FLEET_ARTIFACTS: artifacts.dir,
      FLEET_SERVER: url,
    };
    const here = (line: string) => line.replaceAll("http://fleet.lan:8080", url);
    let printed = "";
    for (const line of lines) {
      if (line.endsWith("&")) {
        shBackground(here(line.slice(0, -1)), env, cwd);
        await waitFor(() => fetch(`${url}/api/v1/health`).then((r) => r.ok), {
          what: `fleetd from: ${line}`,
        });
      } else if (line.startsWith("export ")) {
        const name = /^export (\w+)=/.exec(line)![1]!;
        const r = await sh(`${line}; printf %s "$${name}"`, env, cwd);
        expect(r.code).toBe(0);
        env[name] = r.stdout;
      } else if (line.includes("| sh -s --")) {
        // "the line it printed": step 2 printed exactly this line, with the real token.
        const token = /fe_[A-Za-z0-9_-]+/.exec(printed)![0];
        const install = here(line).replace("fe_…", token);
        expect(printed).toContain(install);
        const host = {
          PATH: `${stubs.dir}:/usr/local/bin:/usr/bin:/bin`,
          HOME: tempDir("mac-home"),
          FAKE_UNAME_S: "Darwin",
          FAKE_UNAME_M: "arm64",
          FAKE_UID: "501",
          FAKE_USER: "ada",
          FAKE_LAUNCHD: stubs.launchd,
        };
        const r = await sh(install, host, host.HOME);
        expect({ line, code: r.code, stderr: r.stderr }).toEqual({ line, code: 0, stderr: "" });
        expect(r.stdout).toMatch(/: online \(agent pid \d+\)/);
      } else {
        const r = await sh(here(line), env, cwd);
        expect({ line, code: r.code, stderr: r.stderr }).toEqual({ line, code: 0, stderr: r.stderr });
        printed = r.stdout;
        console.log(`$ ${line}\n${r.stdout}`);
      }
    }
    expect(printed).toMatch(/rollout r_\w+ completed/);
  }, 300_000);
});
