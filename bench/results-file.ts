// Where a run's raw figures go: bench/results/<timestamp>.json (ignored by git), one per run, with
// the options and the machine (its load before and after) they were measured under.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export function writeResultsFile(payload: Record<string, unknown>): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const outDir = join(import.meta.dir, "results");
  mkdirSync(outDir, { recursive: true });
  const outFile = join(outDir, `${stamp}.json`);
  writeFileSync(outFile, `${JSON.stringify(payload, null, 2)}\n`);
  return outFile;
}
