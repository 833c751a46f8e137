// The benchmark's agent footprint phase on its own: the compiled fleet-agent idling against a
// fleetd of its own next to a compiled sleeping Bun binary, measured exactly as in `npm run bench`
// (bench/phases/footprint.ts), without the 10,000 simulated hosts. RSS does not depend on them.
// Usage: bun bench/footprint/main.ts [--seconds 20] [--warmup-seconds 5] [--runs N] [--agent PATH] [--floor]
// --agent measures another fleet-agent binary (e.g. one built with other flags) against the same
// fleetd; by default the host-target binaries of this tree are built (test/harness) and used.
// --floor also measures bench/footprint/floor.ts, the agent's system calls and nothing else,
// compiled with the agent's build flags: the least an agent can cost on this Bun.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { PROGRAM_FLAGS } from "../../scripts/build.ts";
import { ensureBinaries } from "../../test/harness/binaries.ts";
import { killAll } from "../children.ts";
import { compileSleeper, measureFootprint } from "../phases/footprint.ts";
import type { Usage } from "../proc.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "20" },
    "warmup-seconds": { type: "string", default: "5" },
    agent: { type: "string" },
    runs: { type: "string", default: "1" },
    floor: { type: "boolean", default: false },
  },
});

const MB = 1024 * 1024;
const mb = (bytes: number) => (bytes / MB).toFixed(1);
const describe = (u: Usage) =>
  `RSS ${mb(u.rssEndBytes)} MB (anon ${mb(u.rssAnonEndBytes)} / file ${mb(u.rssEndBytes - u.rssAnonEndBytes)}), ` +
  `VmHWM ${mb(u.rssHighWaterBytes)} MB, CPU ${u.cpuPercent.toFixed(3)} %`;

async function compileFloor(runDir: string): Promise<string> {
  const out = join(runDir, "floor");
  const flags = PROGRAM_FLAGS["fleet-agent"] ?? [];
  const entry = join(import.meta.dir, "floor.ts");
  const proc = Bun.spawn(
    [process.execPath, "build", "--compile", "--minify", ...flags, entry, "--outfile", out],
    {
      stdout: "ignore",
      stderr: "pipe",
    },
  );
  if ((await proc.exited) !== 0)
    throw new Error(`compiling the floor failed: ${await new Response(proc.stderr).text()}`);
  return out;
}

const runDir = mkdtempSync(join(tmpdir(), "fleet-footprint-"));
try {
  const bins = await ensureBinaries();
  const sleeper = await compileSleeper(runDir);
  const idlers: [string, string | undefined][] = [["agent", undefined]];
  if (values.floor) idlers.push(["floor", await compileFloor(runDir)]);
  for (let run = 1; run <= Number(values.runs); run++) {
    for (const [name, idler] of idlers) {
      const dir = join(runDir, `${name}-${run}`);
      mkdirSync(dir);
      const agent = values.agent ?? bins.agent;
      const result = await measureFootprint(
        { fleetd: bins.fleetd, agent, idler, artifactsDir: bins.dir, runDir: dir, log: () => {} },
        sleeper,
        Number(values.seconds) * 1000,
        Number(values["warmup-seconds"]) * 1000,
      );
      const ratio = result.agent.rssEndBytes / result.bare.rssEndBytes;
      console.log(`run ${run}: ${name.padEnd(5)} ${describe(result.agent)}`);
      console.log(`run ${run}: bare  ${describe(result.bare)}`);
      console.log(`run ${run}: ratio ${ratio.toFixed(2)}x (target <= 1.5x)`);
    }
  }
} finally {
  await killAll();
  rmSync(runDir, { recursive: true, force: true });
}
