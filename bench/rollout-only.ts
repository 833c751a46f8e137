// `npm run bench -- --only rollout`: fleetd and its simulated fleet set up as for the full run
// (every host enrolled, said hello and holding a poll), then only the rollout phase: the update and
// the deploy of `rolloutHosts` hosts. No baseline, bursts or other phases: the figure for a change
// to the rollout engine without the half hour of the full run. Same table rows, same results file.
import type { GeneratorPool } from "./generators.ts";
import type { BenchOptions } from "./options.ts";
import { waitUntil } from "./phases/drive.ts";
import { measureRollouts } from "./phases/rollout.ts";
import { machine, machineReport } from "./proc.ts";
import { formatTable, rolloutBroken, rolloutRows } from "./report.ts";
import { writeResultsFile } from "./results-file.ts";
import { stopTarget, type Target } from "./targets.ts";

export interface RolloutOnlyRun {
  fleetd: Target;
  pool: GeneratorPool;
  opts: BenchOptions;
  /** The config commit the deploy brings hosts to. */
  commit: string;
  before: ReturnType<typeof machine>;
  version: string;
  log: (line: string) => void;
}

export async function runRolloutOnly(run: RolloutOnlyRun): Promise<number> {
  const { fleetd, pool, opts, log } = run;
  await pool.all({ op: "longPoll" });
  await waitUntil(
    async () => (await pool.stats()).holding >= opts.agents,
    60_000,
    "every host holding a poll",
  );
  log(`fleetd: all ${opts.agents} hosts holding a poll`);
  // As in the full run: the ramp's aftermath (first sightings written) settles before measuring.
  await Bun.sleep(5000);
  const { rollout, deploy } = await measureRollouts(fleetd, pool, opts, run.commit, log);
  const final = await pool.stats();
  await stopTarget(fleetd);
  await pool.stop();

  const rows = rolloutRows(rollout, deploy);
  const after = machine();
  console.log();
  console.log(formatTable(rows));
  console.log();
  console.log(machineReport(run.before, after));
  const results = { rollout, deploy, agents: opts.agents, final };
  const outFile = writeResultsFile({
    options: opts,
    machine: { before: run.before, after },
    version: run.version,
    rows,
    results,
  });
  log(`results written to ${outFile}`);

  const broken = rolloutBroken(rollout, deploy);
  if (final.agentsWithErrors > 0)
    broken.push(`${final.agentsWithErrors} hosts saw errors ${JSON.stringify(final.errors)}`);
  for (const reason of broken) console.error(`BROKEN: ${reason}`);
  return broken.length ? 1 : 0;
}
