// `fleetd` as a real process: first start says where the admin token is (never the token itself),
// every start says how to enroll a host, SIGTERM flushes and exits 0, --version prints the version.
import { afterEach, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runToEnd } from "../harness/run-to-end.ts";
import { removeTempDirs, spawnSourceFleetd, tempDir } from "./helpers.ts";

const MAIN = join(import.meta.dir, "../../server/main.ts");
afterEach(removeTempDirs);

async function runUntilListening(env: Record<string, string>, args: string[] = []) {
  const run = spawnSourceFleetd(args, env);
  const url = await run.listening();
  const stop = async () => {
    run.child.kill("SIGTERM");
    return run.exited();
  };
  return { url, stop, output: run.output };
}

test("first start says where the admin token is, never the token; every start prints the board URL and how to enroll", async () => {
  const dataDir = join(tempDir(), "data");
  const first = await runUntilListening({
    FLEET_DATA: dataDir,
    FLEET_PUBLIC_URL: "https://fleet.example.org",
  });
  expect(first.url).toBeString();
  const health = await fetch(`${first.url}/api/v1/health`);
  expect(await health.json()).toEqual({ ok: true, version: "0.0.0-dev" });
  const firstRun = await first.stop();
  expect(firstRun.code).toBe(0);
  const token = readFileSync(join(dataDir, "admin-token"), "utf8").trim();
  // Where the token is, never the token: stdout ends up in logs.
  expect(firstRun.output).not.toContain(token);
  expect(firstRun.output).toContain(`export FLEET_TOKEN="$(cat ${join(dataDir, "admin-token")})"`);
  // From a source tree fleetctl is run through npm; a fleetd on another URL says so too.
  expect(firstRun.output).toContain("  npm run fleetctl -- enroll-token create");
  expect(firstRun.output).toContain(`export FLEET_SERVER=${first.url}`);
  expect(firstRun.output).toContain(
    "curl -fsSL https://fleet.example.org/install.sh | sh -s -- --token <enroll-token>",
  );
  expect(firstRun.output).toContain("Board: https://fleet.example.org/");

  const second = await runUntilListening({}, ["--data", dataDir]);
  const secondRun = await second.stop();
  expect(secondRun.code).toBe(0);
  expect(secondRun.output).not.toContain(token);
  expect(secondRun.output).toContain("  npm run fleetctl -- enroll-token create");
  expect(secondRun.output).toContain(`curl -fsSL ${second.url}/install.sh | sh -s -- --token <enroll-token>`);
});

test("fleetd refuses to start on a damaged state file and names it", async () => {
  const dataDir = tempDir();
  await Bun.write(join(dataDir, "jobs.json"), "{ not json");
  const run = await runToEnd([process.execPath, MAIN, "serve", "--port", "0", "--data", dataDir]);
  expect(run.code).not.toBe(0);
  expect(run.stdout + run.stderr).toContain(`${join(dataDir, "jobs.json")} is damaged`);
});

test("fleetd --version prints the build version", async () => {
  const run = await runToEnd([process.execPath, MAIN, "--version"]);
  expect(run.code).toBe(0);
  expect(run.stdout.trim()).toBe("0.0.0-dev");
});
