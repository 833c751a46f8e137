// Running git for the config target: every call has a timeout (a hung remote must not hang a
// refresh forever), never prompts for credentials, and fails with git's own words.

export class GitError extends Error {
  override name = "GitError";
}

export interface GitOptions {
  cwd?: string;
  timeoutMs: number;
}

/** git's stdout; a non-zero exit, a timeout or a missing git throws GitError with its stderr. */
export async function runGit(args: string[], options: GitOptions): Promise<string> {
  let child: ReturnType<typeof Bun.spawn>;
  try {
    child = Bun.spawn(["git", ...args], {
      cwd: options.cwd,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
      // No terminal to ask on, and no askpass either: a remote that wants credentials fails.
      env: { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_ASKPASS: "true", LC_ALL: "C" },
    });
  } catch (err) {
    throw new GitError(`cannot run git: ${(err as Error).message}`);
  }
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, options.timeoutMs);
  try {
    const [stdout, stderr, code] = await Promise.all([
      new Response(child.stdout as ReadableStream).text(),
      new Response(child.stderr as ReadableStream).text(),
      child.exited,
    ]);
    if (timedOut) throw new GitError(`git ${args[0]} did not finish within ${options.timeoutMs} ms`);
    if (code !== 0) throw new GitError(`git ${args[0]} failed (exit ${code}): ${_firstLines(stderr)}`);
    return stdout;
  } finally {
    clearTimeout(timer);
  }
}

/** The branch head's commit on the remote; throws when the remote or the branch is not there. */
export async function lsRemoteHead(url: string, branch: string, timeoutMs: number): Promise<string> {
  const ref = `refs/heads/${branch}`;
  const out = await runGit(["ls-remote", "--", url, ref], { timeoutMs });
  const line = out.split("\n").find((l) => l.endsWith(`\t${ref}`));
  const sha = line?.split("\t")[0];
  if (!sha || !/^([0-9a-f]{40}|[0-9a-f]{64})$/.test(sha))
    throw new GitError(`the config repo has no branch "${branch}"`);
  return sha;
}

function _firstLines(text: string): string {
  const trimmed = text.trim().split("\n").slice(0, 3).join(" / ");
  return trimmed.length > 300 ? `${trimmed.slice(0, 300)}…` : trimmed || "(no output)";
}
