// system.stateCommand on a host without a Nix profile: its two-line answer read as documented in
// docs/agent.md, and every other answer (garbage, a failure, a hang) read as "not known" with the
// reason logged, never as a guessed generation.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { parseStateOutput } from "../../agent/state/state-command.ts";
import { readSystem } from "../../agent/state/system.ts";
import { tempDir, writeExecutable } from "../harness/index.ts";

const dir = tempDir("state-command");

async function run(body: string, timeoutMs = 5_000) {
  const script = join(dir, `state-${Math.random().toString(36).slice(2)}.sh`);
  writeExecutable(script, body);
  const logged: string[] = [];
  const started = Date.now();
  const reading = await readSystem({
    profile: "/nonexistent/profile",
    stateCommand: [script, "--state"],
    nixos: false,
    limits: { timeoutMs, killGraceMs: 200 },
    log: (reason) => logged.push(reason),
  });
  return { ...reading, logged, ms: Date.now() - started };
}

describe("a good answer", () => {
  test("generation and path, from the command rather than any profile", async () => {
    const r = await run('[ "$1" = --state ] || exit 9\necho 412\necho /opt/releases/412');
    expect(r).toMatchObject({
      system: { generation: 412, path: "/opt/releases/412", needsReboot: null },
      generations: [],
      logged: [],
    });
  });

  test("a generation alone; blank lines and surrounding spaces do not matter", async () => {
    expect((await run("echo\necho '  7  '\necho")).system).toEqual({
      generation: 7,
      path: null,
      needsReboot: null,
    });
  });
});

describe("anything else is not known, and the log says why", () => {
  test("garbage output", async () => {
    const r = await run("echo 'generation: twelve'");
    expect({ system: r.system, logged: r.logged }).toEqual({
      system: null,
      logged: ['system.stateCommand: line 1 is not a generation number up to 1000000: "generation: twelve"'],
    });
  });

  test("a non-zero exit, with its last stderr line", async () => {
    const r = await run("echo 3\necho 'no release dir' >&2\nexit 2");
    expect({ system: r.system, logged: r.logged }).toEqual({
      system: null,
      logged: [expect.stringMatching(/exited with 2: no release dir$/)],
    });
  });

  test("a command that hangs is killed at the timeout", async () => {
    const r = await run("echo 5\nexec sleep 30", 300);
    expect({ system: r.system, logged: r.logged }).toEqual({
      system: null,
      logged: [expect.stringContaining("timed out after 0.3 s")],
    });
    expect(r.ms).toBeLessThan(5_000);
  });

  test("a command that does not exist", async () => {
    const logged: string[] = [];
    const reading = await readSystem({
      profile: null,
      stateCommand: [join(dir, "missing")],
      nixos: false,
      limits: { timeoutMs: 1_000, killGraceMs: 100 },
      log: (reason) => logged.push(reason),
    });
    expect({ system: reading.system, logged }).toEqual({
      system: null,
      logged: [expect.stringContaining("could not start")],
    });
  });

  test("the parser's refusals", () => {
    expect(parseStateOutput("")).toEqual({ error: "printed nothing (expected a generation number)" });
    expect(parseStateOutput("1000001")).toMatchObject({ error: expect.stringContaining("line 1") });
    expect(parseStateOutput("-3")).toMatchObject({ error: expect.stringContaining("line 1") });
    expect(parseStateOutput("1.5")).toMatchObject({ error: expect.stringContaining("line 1") });
    expect(parseStateOutput("3\nrelative/path")).toMatchObject({ error: expect.stringContaining("line 2") });
    expect(parseStateOutput(`3\n/${"p".repeat(1000)}`)).toMatchObject({
      error: expect.stringContaining("line 2"),
    });
    expect(parseStateOutput("3\n/p\nextra")).toEqual({ error: "printed 3 lines (expected at most 2)" });
    expect(parseStateOutput("1000000\n/p")).toEqual({ generation: 1_000_000, path: "/p" });
  });
});
