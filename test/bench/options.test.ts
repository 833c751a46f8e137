// The benchmark's flags: the full run measures the rollout with fleetd's own soak and growing
// batches, --quick keeps its smoke check short, --only runs one phase, and bad flags are refused
// with the flag named (before anything is started).
import { describe, expect, test } from "bun:test";
import { parseOptions } from "../../bench/options.ts";
import { DEFAULT_LIMITS } from "../../server/config.ts";

describe("bench options", () => {
  test("the full run: 1,000 hosts rolled out with the default soak and growing batches", () => {
    const opts = parseOptions([]);
    expect(opts).toMatchObject({ only: null, rolloutHosts: 1000, rolloutBatch: null });
    expect(opts.updateSoakMs).toBe(DEFAULT_LIMITS.updateSoakMs);
  });

  test("--quick is a smoke check: short soaks, still growing batches", () => {
    expect(parseOptions(["--quick"])).toMatchObject({
      updateSoakMs: 1000,
      rolloutBatch: null,
      rolloutHosts: 20,
    });
  });

  test("--only rollout and --rollout-batch N", () => {
    expect(parseOptions(["--only", "rollout", "--rollout-batch", "50"])).toMatchObject({
      only: "rollout",
      rolloutBatch: 50,
    });
  });

  test("an unknown phase or a batch that is not a positive number is refused, naming the flag", () => {
    expect(() => parseOptions(["--only", "footprint"])).toThrow('--only takes rollout, got "footprint"');
    for (const bad of ["0", "ten", "2.5"])
      expect(() => parseOptions(["--rollout-batch", bad])).toThrow(
        `--rollout-batch is a whole number of hosts ≥ 1, got "${bad}"`,
      );
  });
});
