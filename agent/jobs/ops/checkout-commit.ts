// A deploy's pull: the config checkout brought to exactly the commit fleetd pinned. Clone when
// there is no checkout yet, else fetch the branch; a commit the branch does not contain (a pin
// on another branch, or a branch moved on) is fetched by its sha, and a remote that does not have
// it refuses the deploy. Flake inputs are not refreshed: the commit's flake.lock is part of the pin.
import { existsSync } from "node:fs";
import type { JobResult } from "../../../protocol/index.ts";
import { type OpContext, runStep, stepFailure } from "./context.ts";

/** Resolves to null once HEAD is `commit`, else to the job's failure (nothing switched yet). */
export async function checkoutCommit(ctx: OpContext, commit: string): Promise<JobResult | null> {
  const repo = ctx.config.repo;
  if (!repo)
    return { state: "failed", exitCode: null, reason: "no repo configured: set repo.dir in config.json" };
  const timeout = ctx.config.timeouts.gitSeconds;
  const step = async (argv: string[], cwd?: string) => {
    const result = await runStep(ctx, argv, timeout, cwd);
    return { result, failure: stepFailure(argv, result, timeout) };
  };
  const first = existsSync(repo.dir)
    ? await step(["git", "fetch", "--prune", repo.remote, repo.branch], repo.dir)
    : repo.url
      ? await step(["git", "clone", "--branch", repo.branch, repo.url, repo.dir])
      : null;
  if (!first)
    return { state: "failed", exitCode: null, reason: `${repo.dir} does not exist and repo.url is not set` };
  if (first.failure) return first.failure;

  const onBranch = await step(
    ["git", "merge-base", "--is-ancestor", commit, `${repo.remote}/${repo.branch}`],
    repo.dir,
  );
  if (onBranch.failure) {
    if (onBranch.result.aborted) return onBranch.failure;
    ctx.line(
      "agent",
      `${commit.slice(0, 12)} is not on ${repo.remote}/${repo.branch}: fetching it by its sha`,
    );
    const bySha = await step(["git", "fetch", repo.remote, commit], repo.dir);
    if (bySha.result.aborted || bySha.result.timedOut) return bySha.failure;
    if (bySha.failure) {
      return {
        state: "failed",
        exitCode: null,
        reason: `the remote ${repo.remote} does not have commit ${commit}; nothing was changed`,
      };
    }
  }
  const reset = await step(["git", "reset", "--hard", commit], repo.dir);
  if (reset.failure) return reset.failure;
  ctx.line("agent", `checkout at ${commit}`);
  return null;
}
