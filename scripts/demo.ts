// `npm run demo`: a live fleet on this machine for someone evaluating Fleet. fleetd on a
// temp data dir, five real compiled agents in sandboxes (safe local scripts stand in for
// pull/switch/test; db1 has a failing test, nas runs an older agent), the board URL and
// ready-to-paste fleetctl commands. Ctrl-C stops everything it started, job runners
// included, and removes the temp dir; nothing outside it is touched.
// Usage: bun scripts/demo.ts [--port N] [--keep]
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { freePort } from "../lib/free-port.ts";
import { renderBanner } from "./demo/banner.ts";
import { ensureDemoBuilds, OLDER_VERSION } from "./demo/build.ts";
import { createConfigRepo, DEMO_HOSTS, REPLICA_LAG_FILE } from "./demo/config-repo.ts";
import { DemoAgent, DemoFleetd } from "./demo/fleet.ts";
import { reapDemoProcesses } from "./demo/reap.ts";

/** How long agents, runners and fleetd each get to stop before SIGKILL. */
const STOP_GRACE_MS = 5_000;
const ONLINE_TIMEOUT_MS = 60_000;

const { values } = parseArgs({ options: { port: { type: "string" }, keep: { type: "boolean" } } });
const say = (line: string) => console.log(`demo: ${line}`);

const root = mkdtempSync(join(tmpdir(), "fleet-demo-"));
let fleetd: DemoFleetd | null = null;
const agents: DemoAgent[] = [];
let stopping: Promise<void> | null = null;

/** Agents first (so none is restarted or reconnects), then their runners, then fleetd. */
async function stopEverything(why: string): Promise<void> {
  say(`${why}: stopping the agents, their jobs and fleetd...`);
  await Promise.all(agents.map((a) => a.stop(STOP_GRACE_MS)));
  const runners = await reapDemoProcesses(root, STOP_GRACE_MS);
  if (runners) say(`stopped ${runners} job process(es)`);
  if (fleetd && fleetd.proc.exitCode === null) {
    fleetd.proc.kill("SIGTERM");
    const timer = setTimeout(() => fleetd?.proc.kill("SIGKILL"), STOP_GRACE_MS * 2);
    await fleetd.proc.exited;
    clearTimeout(timer);
  }
  if (values.keep) say(`kept ${root}`);
  else rmSync(root, { recursive: true, force: true });
  say("stopped; nothing left running");
}

function onSignal(signal: NodeJS.Signals): void {
  if (stopping) {
    say("still stopping; a moment please");
    return;
  }
  stopping = stopEverything(signal).then(() => process.exit(0));
}
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(sig, onSignal);

async function main(): Promise<void> {
  say("building the demo's binaries (cached in dist/demo; the first run takes a few minutes)...");
  const { current, older } = await ensureDemoBuilds((line) => say(line));
  if (stopping) return;
  for (const dir of ["logs", "bin"]) mkdirSync(join(root, dir));
  symlinkSync(current.path("fleetctl"), join(root, "bin", "fleetctl"));
  const origin = createConfigRepo(join(root, "config-repo"), DEMO_HOSTS, join(root, REPLICA_LAG_FILE));

  const port = values.port ? Number(values.port) : await freePort();
  fleetd = await DemoFleetd.start({ bin: current.path("fleetd"), artifacts: current.dir, root, port });
  for (const host of DEMO_HOSTS) {
    const { token } = await fleetd.api<{ token: string }>("POST", "/api/v1/enroll-tokens", {});
    const build = host.older ? older.path("fleet-agent") : current.path("fleet-agent");
    const agent = DemoAgent.enroll(host, root, build, fleetd, token);
    if (stopping) return;
    agents.push(agent);
    agent.supervise(join(root, "logs"));
  }
  say(`config repo ${origin}; waiting for the five agents to say hello...`);
  await _waitOnline(fleetd, DEMO_HOSTS.length);
  // A first pull, switch and test everywhere, so the board has history (and db1 a failure).
  const { hosts } = await fleetd.api<{ hosts: { id: string }[] }>("GET", "/api/v1/hosts");
  for (const op of ["pull", "switch", "test"])
    for (const h of hosts) await fleetd.api("POST", `/api/v1/hosts/${h.id}/jobs`, { op });
  if (stopping) return;
  console.log(
    renderBanner({
      url: fleetd.url,
      adminToken: fleetd.adminToken,
      boardToken: fleetd.boardToken,
      binDir: join(root, "bin"),
      root,
      version: current.version,
      olderVersion: OLDER_VERSION,
    }),
  );
}

async function _waitOnline(server: DemoFleetd, count: number): Promise<void> {
  const deadline = Date.now() + ONLINE_TIMEOUT_MS;
  while (!stopping) {
    const { hosts } = await server.api<{ hosts: { online: boolean }[] }>("GET", "/api/v1/hosts");
    if (hosts.filter((h) => h.online).length >= count) return;
    if (Date.now() > deadline) throw new Error(`agents not online after 60 s; see ${root}/logs/`);
    await Bun.sleep(200);
  }
}

try {
  await main();
} catch (err) {
  console.error(`demo: ${(err as Error).message}`);
  if (!stopping) stopping = stopEverything("error").then(() => process.exit(1));
}
