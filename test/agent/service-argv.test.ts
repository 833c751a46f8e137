// `fleet-agent run` as a service manager starts it is recognised without citty (agent/main.ts,
// to keep citty and node:util out of the idle agent); anything else still gets citty's parsing,
// help and usage errors. The compiled binary is run for what a host sees.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { serviceRunArgs } from "../../agent/commands/service-argv.ts";
import { ensureBinaries, runToEnd, tempDir } from "../harness/index.ts";

describe("serviceRunArgs", () => {
  test("the argv of a service: run, with or without --state-dir", () => {
    expect(serviceRunArgs(["run"])).toEqual({ stateDir: undefined });
    expect(serviceRunArgs(["run", "--state-dir", "/var/lib/fleet-agent"])).toEqual({
      stateDir: "/var/lib/fleet-agent",
    });
    expect(serviceRunArgs(["run", "--state-dir=/srv/a b"])).toEqual({ stateDir: "/srv/a b" });
  });

  test("anything else is citty's", () => {
    for (const argv of [
      [],
      ["status"],
      ["run", "--help"],
      ["run", "--state-dir"],
      ["run", "--state-dir="],
      ["run", "--state-dir", "--help"],
      ["run", "--state-dir", "/a", "--json"],
      ["run", "--stat-dir", "/a"],
      ["runner", "--state-dir", "/a"],
    ])
      expect({ argv, parsed: serviceRunArgs(argv) }).toEqual({ argv, parsed: null });
  });
});

describe("the compiled agent", () => {
  test("run on a state dir that is not enrolled: one clear line, exit 2", async () => {
    const { agent } = await ensureBinaries();
    const stateDir = join(tempDir("service-argv"), "state");
    const says = `[error] no config at ${join(stateDir, "config.json")}: this agent is not enrolled; run 'fleet-agent enroll --server URL --token T'`;
    for (const argv of [["--state-dir", stateDir], [`--state-dir=${stateDir}`]]) {
      const run = await runToEnd([agent, "run", ...argv]);
      expect({ code: run.code, stderr: run.stderr.trim() }).toEqual({ code: 2, stderr: says });
    }
  }, 120_000);

  test("run --help still gets citty's usage", async () => {
    const { agent } = await ensureBinaries();
    const help = await runToEnd([agent, "run", "--help"]);
    expect({ code: help.code, usage: help.stdout.includes("--state-dir") }).toEqual({ code: 0, usage: true });
  }, 120_000);
});
