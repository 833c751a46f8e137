// The sizes of a rollout's batches after its canary, one rule for fleetd's plan and for the board's
// preview of it: of the size asked for, or growing (GROWING_BATCH_PERCENTS of the hosts after the
// canary, at least one host each, then the rest), so a large fleet takes a few soaks, not hundreds.
import { GROWING_BATCH_PERCENTS } from "./rollouts.ts";

/** The batch sizes for `count` hosts after the canary; `batch` undefined: growing. None is empty. */
export function batchSizes(count: number, batch?: number): number[] {
  const sizes: number[] = [];
  let planned = 0;
  const add = (size: number) => {
    const take = Math.min(size, count - planned);
    if (take <= 0) return;
    sizes.push(take);
    planned += take;
  };
  if (batch !== undefined) {
    while (planned < count) add(batch);
    return sizes;
  }
  for (const percent of GROWING_BATCH_PERCENTS) add(Math.max(1, Math.ceil((count * percent) / 100)));
  add(count - planned);
  return sizes;
}
