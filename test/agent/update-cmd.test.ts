// scripts/update.cmd, the Windows swap helper, run by Wine's cmd with stand-in files:
// it waits for the given process to exit, swaps the exe (keeping .old), runs the restart
// command, and leaves everything untouched when the new exe is missing.
import { beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tierSkipReason } from "../../scripts/test/tiers.ts";
import { tempDir } from "../harness/index.ts";

const noWine = tierSkipReason("wine");
if (noWine) console.log(`test/agent/update-cmd: skipping: ${noWine}`);
const wine = noWine ? null : Bun.which("wine");
const env = { ...process.env, WINEDEBUG: "-all", WINEPREFIX: join(tempDir("wineprefix"), "prefix") };
const dir = tempDir("update-cmd");
const win = (path: string) => `Z:${path.replaceAll("/", "\\")}`;

function wineCmd(args: string[]) {
  return Bun.spawn([wine!, "cmd", "/d", "/c", ...args], { env, stdout: "pipe", stderr: "pipe" });
}

/** A Wine process (ping.exe) that lives `seconds`, and its Windows pid from wmic's list. */
async function windowsSleeper(seconds: number): Promise<{ pid: number; done: Promise<number> }> {
  const before = await windowsPids("ping.exe");
  const proc = wineCmd([`ping -n ${seconds + 1} 127.0.0.1 >nul`]);
  for (let i = 0; i < 100; i++) {
    const ping = (await windowsPids("ping.exe")).find((p) => !before.includes(p));
    if (ping) return { pid: ping, done: proc.exited };
    await Bun.sleep(200);
  }
  throw new Error("could not find the Wine sleeper's pid");
}

async function windowsPids(name: string): Promise<number[]> {
  const proc = Bun.spawn([wine!, "wmic", "process", "get", "name,processid"], { env, stdout: "pipe" });
  const text = new TextDecoder("utf-16le").decode(await new Response(proc.stdout).arrayBuffer());
  return [...text.matchAll(/^(\S+)\s+(\d+)\s*$/gm)].filter((m) => m[1] === name).map((m) => Number(m[2]));
}

describe.skipIf(!wine)("update.cmd under wine", () => {
  const script = join(dir, "update.cmd");
  const restart = join(dir, "restart.cmd");
  beforeAll(async () => {
    copyFileSync(join(import.meta.dir, "../../scripts/update.cmd"), script);
    writeFileSync(restart, `@echo off\r\necho restarted>"${win(join(dir, "restarted"))}"\r\n`);
    await wineCmd(["echo warm"]).exited; // first start creates the prefix
  }, 120_000);

  test("waits for the pid, swaps with .old kept, restarts, exits 0", async () => {
    const exe = join(dir, "fleet-agent.exe");
    writeFileSync(exe, "old build");
    writeFileSync(`${exe}.new`, "new build");
    const sleeper = await windowsSleeper(4);
    let sleeperExited = 0;
    void sleeper.done.then(() => {
      sleeperExited = Date.now();
    });
    const log = join(dir, "update.log");
    const run = wineCmd([
      win(script),
      String(sleeper.pid),
      win(exe),
      win(`${exe}.new`),
      win(log),
      win(restart),
    ]);
    expect(await run.exited).toBe(0);
    const finished = Date.now();
    expect(sleeperExited).toBeGreaterThan(0);
    expect(finished).toBeGreaterThanOrEqual(sleeperExited);
    expect(readFileSync(exe, "utf8")).toBe("new build");
    expect(readFileSync(`${exe}.old`, "utf8")).toBe("old build");
    expect(existsSync(`${exe}.new`)).toBe(false);
    expect(existsSync(join(dir, "restarted"))).toBe(true);
    const text = readFileSync(log, "utf8");
    expect(text).toContain(`pid ${sleeper.pid} has exited`);
    expect(text).toContain("swapped");
  }, 120_000);

  test("a missing new exe changes nothing and fails", async () => {
    const exe = join(dir, "untouched.exe");
    writeFileSync(exe, "current build");
    const log = join(dir, "missing.log");
    const run = wineCmd([win(script), "99999", win(exe), win(`${exe}.new`), win(log), win(restart)]);
    expect(await run.exited).not.toBe(0);
    expect(readFileSync(exe, "utf8")).toBe("current build");
    expect(existsSync(`${exe}.old`)).toBe(false);
    expect(readFileSync(log, "utf8")).toContain("is missing, nothing changed");
  }, 60_000);
});
