// What the agent costs a host while it waits: the real compiled fleet-agent, enrolled against a
// fleetd of its own and long-polling, next to a compiled Bun binary that only sleeps. Both are
// measured the same way, over the same window, at the same time.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { track } from "../children.ts";
import { measure, type Usage } from "../proc.ts";
import { startFleetd, stopTarget } from "../targets.ts";
import { waitUntil } from "./drive.ts";

export interface FootprintResult {
  agent: Usage;
  bare: Usage;
  /** The agent's idle poll window during the measurement. */
  pollWindowMs: number;
}

export interface FootprintSetup {
  fleetd: string;
  agent: string;
  /** What idles instead of the agent once it enrolled (bench/footprint/floor.ts); default the agent. */
  idler?: string;
  artifactsDir: string;
  runDir: string;
  log: (line: string) => void;
}

/** Compiles the sleeper; done before any timed phase since a compile takes a core for seconds. */
export async function compileSleeper(runDir: string): Promise<string> {
  const out = join(runDir, "bare-sleeper");
  const proc = Bun.spawn(
    [
      process.execPath,
      "build",
      "--compile",
      join(import.meta.dir, "..", "footprint", "sleeper.ts"),
      "--outfile",
      out,
    ],
    { stdout: "ignore", stderr: "pipe" },
  );
  if ((await proc.exited) !== 0)
    throw new Error(`compiling the sleeper failed: ${await new Response(proc.stderr).text()}`);
  return out;
}

export async function measureFootprint(
  setup: FootprintSetup,
  sleeper: string,
  ms: number,
  warmupMs: number,
): Promise<FootprintResult> {
  const { runDir, log } = setup;
  const pollWindowMs = 25_000;
  const fleetd = await startFleetd({
    binary: setup.fleetd,
    dataDir: join(runDir, "footprint-data"),
    artifactsDir: setup.artifactsDir,
    logFile: join(runDir, "footprint-fleetd.log"),
    limits: { pollWindowMs },
  });
  const stateDir = join(runDir, "footprint-agent");
  const procs: { kill(): void; exited: Promise<number> }[] = [];
  try {
    // biome-ignore lint/suspicious/noExplicitAny: two loosely read admin answers
    const api = (method: string, path: string, body?: unknown): Promise<any> =>
      fetch(`${fleetd.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${fleetd.adminToken}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      }).then((r) => r.json());
    const { token } = await api("POST", "/api/v1/enroll-tokens", {});
    const enroll = Bun.spawnSync(
      [
        setup.agent,
        "enroll",
        "--server",
        fleetd.url,
        "--token",
        token,
        "--name",
        "footprint",
        "--state-dir",
        stateDir,
      ],
      { stdout: "pipe", stderr: "pipe" },
    );
    if (enroll.exitCode !== 0) throw new Error(`fleet-agent enroll failed: ${enroll.stderr}`);
    // No service manager here: the agent is started and stopped by this benchmark.
    const configPath = join(stateDir, "config.json");
    const config = JSON.parse(readFileSync(configPath, "utf8"));
    writeFileSync(configPath, JSON.stringify({ ...config, service: { manager: "none" } }, null, 2));

    const logFile = Bun.file(join(runDir, "footprint-agent.log"));
    const agent = track(
      Bun.spawn([setup.idler ?? setup.agent, "run", "--state-dir", stateDir], {
        env: { ...process.env, NO_COLOR: "1" },
        stdout: logFile,
        stderr: logFile,
      }),
    );
    procs.push(agent);
    const bare = track(Bun.spawn([sleeper], { stdout: "ignore", stderr: "ignore" }));
    procs.push(bare);
    await waitUntil(
      async () => (await api("GET", "/api/v1/hosts")).hosts?.[0]?.online === true,
      30_000,
      "the footprint agent online",
    );
    // Start-up work (hashing its own binary, first hello) is not idling; let it pass.
    await Bun.sleep(warmupMs);
    log(
      `footprint: measuring the idle agent (pid ${agent.pid}) and a bare sleeping binary for ${ms / 1000} s`,
    );
    const [agentUsage, bareUsage] = await Promise.all([measure(agent.pid, ms), measure(bare.pid, ms)]);
    return { agent: agentUsage, bare: bareUsage, pollWindowMs };
  } finally {
    for (const p of procs) p.kill();
    await Promise.all(procs.map((p) => p.exited));
    await stopTarget(fleetd).catch(() => {});
  }
}
