// `npm test`: readies every test tier (installing missing system packages, see install-packages.ts),
// runs `bun test` with the arguments given (e.g. `npm test -- test/cli`), and ends with the tiers
// it skipped and why, then the counts. With FLEET_REQUIRE_ALL_TIERS=1 (.ci/run) a skipped tier
// fails the run: a green run has then run everything.
import { parseConsoleSummary } from "../../.ci/junit-summary.ts";
import { ensureTierPackages, MissingPackagesError } from "./install-packages.ts";
import { SKIPPED_TIERS_ENV, TIERS, tierStatus } from "./tiers.ts";

/** Per test; e2e tests compile binaries and boot containers. Bun's default is 5 s. */
export const TEST_TIMEOUT_MS = 120_000;

// Plain writes: console.error would colour the runner's own lines, and tools read them.
const say = (line: string) => process.stderr.write(`${line}\n`);

try {
  ensureTierPackages(say);
} catch (err) {
  if (!(err instanceof MissingPackagesError)) throw err;
  say(`npm test: ${err.message}`);
  process.exit(2);
}

const skipped: Record<string, string> = {};
for (const tier of TIERS) {
  const status = tierStatus(tier);
  if (status.state === "cannot-run") skipped[tier.name] = status.reason;
}

const bun = Bun.spawn(
  [process.execPath, "test", "--timeout", String(TEST_TIMEOUT_MS), ...process.argv.slice(2)],
  {
    env: { ...process.env, [SKIPPED_TIERS_ENV]: JSON.stringify(skipped) },
    stdin: "inherit",
    stdout: "inherit",
    stderr: "pipe",
  },
);
// bun writes its report to stderr: pass it through and keep the end, where the counts are.
let tail = "";
const decoder = new TextDecoder();
const reader = bun.stderr.getReader();
for (let read = await reader.read(); !read.done; read = await reader.read()) {
  process.stderr.write(read.value);
  tail = (tail + decoder.decode(read.value, { stream: true })).slice(-65_536);
}
const code = await bun.exited;

say("");
for (const [name, reason] of Object.entries(skipped)) {
  say(`skipped tier ${name} (${TIERS.find((t) => t.name === name)?.covers}): ${reason}`);
}
const counts = parseConsoleSummary(tail);
if (counts) {
  const skips = counts.skip + counts.todo;
  const failed = counts.fail + counts.errors;
  say(`${counts.pass} passed, ${failed} failed${skips > 0 ? `, ${skips} skipped` : ""}`);
}
const mustRunAll = process.env.FLEET_REQUIRE_ALL_TIERS === "1";
if (mustRunAll && Object.keys(skipped).length > 0) {
  say("FLEET_REQUIRE_ALL_TIERS=1: every tier must run here, and the tiers above were skipped");
  process.exit(1);
}
process.exit(code);
