// `npm run demo`, as a newcomer runs it (the command comes from the README's demo block):
// five hosts come online, `fleetctl update --all --wait` brings the outdated one current,
// db1's failing test raises a job_failed alert that a passing rerun resolves, and Ctrl-C (SIGINT to the whole foreground process group, as a terminal sends it) leaves
// no process behind: not npm, not fleetd, not an agent, not a detached job runner or the
// script it was running, and the demo's temp dir is gone.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ensureDemoBuilds } from "../../scripts/demo/build.ts";
import { listProcesses } from "../../scripts/demo/reap.ts";
import { commandsOf, readmeBlocks } from "../docs/readme-blocks.ts";
import { waitFor } from "../harness/index.ts";
import { runToEnd } from "../harness/run-to-end.ts";

const REPO = resolve(import.meta.dir, "../..");
let demo: ChildProcess;
let output = "";

beforeAll(async () => {
  // Built here, with a long timeout, so the demo itself starts from the cache.
  const started = performance.now();
  await ensureDemoBuilds();
  console.log(`demo builds ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}, 600_000);

afterAll(async () => {
  // Only if the test failed midway: the demo's process group is ours to stop.
  if (demo?.exitCode === null && demo.signalCode === null) {
    process.kill(-demo.pid!, "SIGINT");
    await Bun.sleep(15_000);
    try {
      process.kill(-demo.pid!, "SIGKILL");
    } catch {
      // stopped
    }
  }
});

/** Everything `pid` started that is still its descendant. */
function descendantsOf(pid: number): Set<number> {
  const all = listProcesses();
  const found = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all)
      if (found.has(p.ppid) && !found.has(p.pid)) {
        found.add(p.pid);
        grew = true;
      }
  }
  return found;
}

test("npm run demo: five hosts, a rolling update, and nothing left after Ctrl-C", async () => {
  const [command] = commandsOf(readmeBlocks("demo")[0]!);
  expect(command).toBe("npm run demo");
  const t0 = performance.now();
  const at = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
  // Its own process group, so SIGINT can go to the group as a terminal's Ctrl-C does.
  demo = spawn("sh", ["-c", command!], { cwd: REPO, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  demo.stdout!.on("data", (d) => (output += d));
  demo.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<{ code: number | null; signal: string | null }>((done) =>
    demo.on("exit", (code, signal) => done({ code, signal })),
  );

  const banner = await waitFor(() => /export PATH="([^"]+):\$PATH"/.exec(output), {
    what: "the demo's banner",
    timeoutMs: 120_000,
  });
  const env = {
    FLEET_SERVER: /export FLEET_SERVER=(\S+)/.exec(output)![1]!,
    FLEET_TOKEN: /export FLEET_TOKEN=(\S+)/.exec(output)![1]!,
  };
  const root = /Demo files \(.*\) are in (\S+)/.exec(output)![1]!;
  const fleetctl = (...args: string[]) => runToEnd([join(banner[1]!, "fleetctl"), ...args], env);
  console.log(`banner after ${at()}`);
  // The printed board link works as printed: the token in its fragment reads the board, which
  // without one is refused.
  const board = new URL(/Board: +(\S+)/.exec(output)![1]!);
  const boardToken = new URLSearchParams(board.hash.slice(1)).get("token");
  expect(boardToken).toBeTruthy();
  const boardApi = `${board.origin}/api/v1/board`;
  expect((await fetch(boardApi)).status).toBe(401);
  expect((await fetch(boardApi, { headers: { authorization: `Bearer ${boardToken}` } })).status).toBe(200);

  const hosts = async () => JSON.parse((await fleetctl("hosts", "--json")).stdout).hosts as any[];
  await waitFor(async () => (await hosts()).filter((h) => h.online).length === 5, {
    what: "five hosts online via fleetctl hosts --json",
    timeoutMs: 30_000,
  });
  const before = await hosts();
  expect(before.filter((h) => h.outdated).map((h) => h.name)).toEqual(["nas"]);

  const update = await fleetctl("update", "--all", "--wait");
  console.log(`update --all --wait done after ${at()}:\n${update.stdout}`);
  expect(update.code).toBe(0);
  // The one outdated host is the canary; the current ones are skipped up front.
  expect(update.stdout).toContain("nas (canary): done");
  expect(update.stdout).toMatch(/skipped, already at \S+: .*db1/);
  const after = await hosts();
  expect(after.every((h) => h.online && !h.outdated && h.version === after[0].version)).toBe(true);

  // The banner's alert steps: db1's failing test (run once by the demo at start, and again here)
  // raised job_failed, one alert saying what to do; once its replica "caught up" (the lag file
  // the banner names), a passing rerun resolves it.
  const openAlerts = async () => JSON.parse((await fleetctl("alerts", "--json")).stdout).alerts as any[];
  expect((await fleetctl("run", "test", "db1", "--wait")).code).not.toBe(0);
  const raised = await openAlerts();
  const db1 = after.find((h) => h.name === "db1");
  expect(raised).toMatchObject([{ kind: "job_failed", subject: db1.id, silenced: false }]);
  expect(raised[0].message).toContain("test failed on db1");
  expect(raised[0].message).toContain("fleetctl run test db1 --wait");
  const table = (await fleetctl("alerts")).stdout;
  expect(table).toContain("job_failed");
  expect(table).toContain("db1");
  const lagFile = /echo 5 > (\S+)/.exec(output)![1]!;
  writeFileSync(lagFile, "5\n");
  expect((await fleetctl("run", "test", "db1", "--wait")).code).toBe(0);
  expect(await openAlerts()).toEqual([]);
  const [resolved] = JSON.parse((await fleetctl("alerts", "--all", "--json")).stdout).alerts;
  expect(resolved).toMatchObject({
    id: raised[0].id,
    resolution: expect.stringContaining("test succeeded on db1"),
  });
  console.log(`db1's alert raised and resolved after ${at()}`);

  // Jobs in flight at Ctrl-C: their runners are detached on purpose and must be stopped too.
  expect((await fleetctl("run", "switch", "--all")).code).toBe(0);
  await waitFor(() => listProcesses().filter((p) => p.args.join(" ").includes("switch.sh")).length === 5, {
    what: "five switch scripts running",
    timeoutMs: 30_000,
  });
  const mine = (p: { pid: number; args: string[] }) => p.args.join(" ").includes(root);
  // pid and argv, so a pid the kernel hands to something else meanwhile is not mistaken for ours.
  const key = (p: { pid: number; args: string[] }) => `${p.pid} ${p.args.join(" ")}`;
  const tree = descendantsOf(demo.pid!);
  const started = new Set(
    listProcesses()
      .filter((p) => tree.has(p.pid) || mine(p))
      .map(key),
  );
  console.log(`${started.size} processes before Ctrl-C`);

  process.kill(-demo.pid!, "SIGINT");
  const end = await Promise.race([exited, Bun.sleep(30_000).then(() => null)]);
  console.log(`stopped ${at()}; exit ${JSON.stringify(end)}`);
  expect(end).not.toBeNull();
  expect(output).toContain("stopped; nothing left running");
  const left = listProcesses().filter((p) => started.has(key(p)) || mine(p));
  expect(left.map(key)).toEqual([]);
  expect(existsSync(root)).toBe(false);
}, 240_000);
