// Running a command to its end and collecting what it printed: the one spawn-and-collect every
// test uses, so output is always read concurrently with the exit (a full pipe never deadlocks).

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  /** `env` stands alone (plus NO_COLOR) instead of going on top of this process's. */
  clean?: boolean;
  /** Written to the command's stdin; without it stdin is empty. */
  stdin?: string;
  /** Killed (SIGTERM, Bun's `timeout`) once it has run this long. */
  timeoutMs?: number;
}

/**
 * Runs a command to its end and collects its output. `env` goes on top of this process's, or,
 * with `clean`, stands alone (plus NO_COLOR), like a fresh login shell's.
 */
export async function runToEnd(
  argv: string[],
  env: Record<string, string> = {},
  opts: RunOptions = {},
): Promise<RunResult> {
  const proc = Bun.spawn(argv, {
    cwd: opts.cwd,
    env: { ...(opts.clean ? {} : process.env), NO_COLOR: "1", ...env },
    stdin: opts.stdin === undefined ? "ignore" : new TextEncoder().encode(opts.stdin),
    stdout: "pipe",
    stderr: "pipe",
    timeout: opts.timeoutMs,
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}
