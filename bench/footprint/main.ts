// The benchmark's agent footprint phase on its own: the compiled fleet-agent idling against a
// fleetd of its own next to a compiled sleeping Bun binary, measured exactly as in `npm run bench`
// (bench/phases/footprint.ts), without the 10,000 simulated hosts. RSS does not depend on them.
// Usage: bun bench/footprint/main.ts [--seconds 20] [--warmup-seconds 5] [--agent PATH] [--runs N]
// --agent measures another fleet-agent binary (e.g. one built with other flags) against the same
// fleetd; by default the host-target binaries of this tree are built (test/harness) and used.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
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
  },
});

const MB = 1024 * 1024;
const mb = (bytes: number) => (bytes / MB).toFixed(1);
const describe = (u: Usage) =>
  `RSS ${mb(u.rssEndBytes)} MB (anon ${mb(u.rssAnonEndBytes)} / file ${mb(u.rssEndBytes - u.rssAnonEndBytes)}), ` +
  `VmHWM ${mb(u.rssHighWaterBytes)} MB, CPU ${u.cpuPercent.toFixed(3)} %`;

const runDir = mkdtempSync(join(tmpdir(), "fleet-footprint-"));
try {
  const bins = await ensureBinaries();
  const agent = values.agent ?? bins.agent;
  const sleeper = await compileSleeper(runDir);
  for (let run = 1; run <= Number(values.runs); run++) {
    const dir = join(runDir, `run-${run}`);
    mkdirSync(dir);
    const result = await measureFootprint(
      { fleetd: bins.fleetd, agent, artifactsDir: bins.dir, runDir: dir, log: () => {} },
      sleeper,
      Number(values.seconds) * 1000,
      Number(values["warmup-seconds"]) * 1000,
    );
    const ratio = result.agent.rssEndBytes / result.bare.rssEndBytes;
    console.log(`run ${run}: agent ${describe(result.agent)}`);
    console.log(`run ${run}: bare  ${describe(result.bare)}`);
    console.log(`run ${run}: ratio ${ratio.toFixed(2)}×  (target ≤ 1.5×)`);
  }
} finally {
  await killAll();
  rmSync(runDir, { recursive: true, force: true });
}
