// pull: bring the config repo to the remote branch head, as an operator would by hand
// (fetch, then hard reset to the remote branch), and refresh named flake inputs so a
// stale flake.lock cannot pin an old version. The inputs are refreshed with
// `nix flake lock --update-input <x>` per input: `nix flake update <x>` takes input names only
// from Nix 2.19 on (before, its argument is a flake reference, looked up in the registry), while
// `--update-input` works on every Nix with flakes (newer ones warn that it is deprecated).
import { existsSync } from "node:fs";
import { type Operation, runStep, stepFailure } from "./context.ts";

export const pull: Operation<"pull"> = async (ctx) => {
  const repo = ctx.config.repo;
  if (!repo)
    return { state: "failed", exitCode: null, reason: "no repo configured: set repo.dir in config.json" };
  const timeout = ctx.config.timeouts.gitSeconds;
  const steps: { argv: string[]; cwd?: string }[] = [];
  if (!existsSync(repo.dir)) {
    if (!repo.url) {
      return {
        state: "failed",
        exitCode: null,
        reason: `${repo.dir} does not exist and repo.url is not set`,
      };
    }
    steps.push({ argv: ["git", "clone", "--branch", repo.branch, repo.url, repo.dir] });
  } else {
    steps.push({ argv: ["git", "fetch", "--prune", repo.remote, repo.branch], cwd: repo.dir });
    steps.push({ argv: ["git", "reset", "--hard", `${repo.remote}/${repo.branch}`], cwd: repo.dir });
  }
  if (repo.flakeInputs.length > 0) {
    const updates = repo.flakeInputs.flatMap((input) => ["--update-input", input]);
    steps.push({ argv: ["nix", "flake", "lock", ...updates], cwd: repo.dir });
  }
  steps.push({ argv: ["git", "rev-parse", "HEAD"], cwd: repo.dir });
  for (const [i, step] of steps.entries()) {
    ctx.progress({ current: i, total: steps.length, label: step.argv.slice(0, 2).join(" ") });
    const result = await runStep(ctx, step.argv, timeout, step.cwd);
    const failure = stepFailure(step.argv, result, timeout);
    if (failure) return failure;
  }
  ctx.progress({ current: steps.length, total: steps.length });
  return { state: "succeeded", exitCode: 0 };
};
