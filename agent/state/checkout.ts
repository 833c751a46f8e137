// The host's checkout of the config repo, read with a handful of local git calls (no network):
// what it is at, whether it was edited by hand, what the remote had at the last fetch, and its
// flake.lock. null when repoDir is not the top of a git checkout with a commit.
import { realpathSync, statSync } from "node:fs";
import { join } from "node:path";
import type { CheckoutState } from "../../protocol/config-state.ts";
import { type CaptureLimits, capture } from "./capture.ts";
import { readFlakeLock } from "./flake-lock.ts";

export interface CheckoutOptions {
  /** The remote and branch the agent pulls (config.json `repo`): the fallback for the remote commit. */
  remote?: string;
  branch?: string;
  limits: CaptureLimits;
}

/** The contract's bounds: a longer subject is cut, a longer branch name is not reported. */
const MAX_SUBJECT = 500;
const MAX_BRANCH = 255;
/** A state read must not prompt, or take the index lock a pull running beside it may be waiting for. */
const GIT_ENV = { GIT_TERMINAL_PROMPT: "0", GIT_OPTIONAL_LOCKS: "0" };

export async function readCheckout(repoDir: string, options: CheckoutOptions): Promise<CheckoutState | null> {
  const git = (...args: string[]) =>
    capture(["git", ...args], options.limits, { cwd: repoDir, env: GIT_ENV });
  const where = await git("rev-parse", "--show-toplevel", "--absolute-git-dir").catch(() => null);
  if (!where?.ok) return null;
  const [top, gitDir] = where.stdout.split("\n");
  // A directory inside some other repository is not a checkout of the config repo.
  if (!top || !gitDir || _real(top) !== _real(repoDir)) return null;

  const [head, branchOut, status] = await Promise.all([
    git("log", "-1", "--format=%H%n%ct%n%s", "HEAD"),
    git("symbolic-ref", "-q", "--short", "HEAD"),
    git("status", "--porcelain", "--untracked-files=no"),
  ]);
  if (!head.ok || !status.ok) return null;
  const [commit, seconds, ...subject] = head.stdout.split("\n");
  if (!commit || !seconds) return null;
  const branch = branchOut.ok && branchOut.stdout.length <= MAX_BRANCH ? branchOut.stdout || null : null;
  return {
    commit,
    branch,
    subject: subject.join(" ").slice(0, MAX_SUBJECT),
    committedAt: new Date(Number(seconds) * 1000).toISOString(),
    dirty: status.stdout.trim().length > 0,
    remoteCommit: await _remoteCommit(git, branch, options),
    fetchedAt: _mtime(join(gitDir, "FETCH_HEAD")),
    ...readFlakeLock(join(repoDir, "flake.lock")),
  };
}

/** The branch's upstream as of the last fetch, else `<remote>/<branch>`; no fetch happens here. */
async function _remoteCommit(
  git: (...args: string[]) => ReturnType<typeof capture>,
  branch: string | null,
  options: CheckoutOptions,
): Promise<string | null> {
  const refs: string[] = [];
  if (branch) refs.push(`${branch}@{upstream}`);
  const tracked = branch ?? options.branch;
  if (tracked) refs.push(`refs/remotes/${options.remote ?? "origin"}/${tracked}`);
  for (const ref of refs) {
    const found = await git("rev-parse", "-q", "--verify", `${ref}^{commit}`);
    if (found.ok && found.stdout) return found.stdout;
  }
  return null;
}

function _mtime(path: string): string | null {
  try {
    return statSync(path).mtime.toISOString();
  } catch {
    return null;
  }
}

function _real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
