// Runs one child process (git, a switch, a test script) in its own process group with a
// timeout. On expiry the whole group gets SIGTERM, then SIGKILL after a grace period, so
// grandchildren cannot outlive it; the caller learns `timedOut` distinctly from failure.

/** Loaded at the first spawn: an idle agent spawns nothing, and it costs ~0.6 MB resident (docs/agent.md, "Memory"). */
const childProcess = () => process.getBuiltinModule("node:child_process");

export interface ChildOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  timeoutMs: number;
  killGraceMs: number;
  /**
   * Called with each complete output line (without the newline). A line longer than
   * MAX_LINE_CHARS arrives cut to that length with LINE_CUT_NOTE appended.
   */
  onLine: (stream: "stdout" | "stderr", line: string) => void;
  signal?: AbortSignal;
}

export interface ChildResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  aborted: boolean;
  /** Set when the program could not be started at all (e.g. not found). */
  spawnError?: string;
}

/** After the child exits, how long to wait for its pipes to drain before moving on. */
const PIPE_DRAIN_MS = 1_000;
/**
 * Longest output line kept, in characters. The cut happens while reading, so a child that prints
 * 200 MB without a newline costs this much memory, not 200 MB (it did: 1.7 GiB and 100 s).
 */
export const MAX_LINE_CHARS = 16 * 1024;
export const LINE_CUT_NOTE = "… [line cut]";

export function runChild(argv: string[], opts: ChildOptions): Promise<ChildResult> {
  return new Promise((resolve) => {
    const [cmd, ...args] = argv;
    if (!cmd)
      return resolve({
        exitCode: null,
        signal: null,
        timedOut: false,
        aborted: false,
        spawnError: "empty command",
      });
    // A cancel that came between two steps has fired its event already: the next step must not
    // start, or it would run to its timeout (a switch: 30 min) with nothing left to stop it.
    if (opts.signal?.aborted)
      return resolve({ exitCode: null, signal: null, timedOut: false, aborted: true });
    let timedOut = false;
    let aborted = false;
    let settled = false;
    const child = childProcess().spawn(cmd, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      // Own process group (setsid), so the whole tree can be signalled at once.
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      windowsHide: true,
    });
    const flushers = [
      _lines(child.stdout, (l) => opts.onLine("stdout", l)),
      _lines(child.stderr, (l) => opts.onLine("stderr", l)),
    ];

    const killTree = () => {
      _signalGroup(child.pid, "SIGTERM");
      const hard = setTimeout(() => _signalGroup(child.pid, "SIGKILL"), opts.killGraceMs);
      hard.unref?.();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killTree();
    }, opts.timeoutMs);
    const onAbort = () => {
      aborted = true;
      killTree();
    };
    opts.signal?.addEventListener("abort", onAbort, { once: true });

    const finish = (result: ChildResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      for (const flush of flushers) flush();
      resolve(result);
    };
    child.on("error", (err) =>
      finish({ exitCode: null, signal: null, timedOut, aborted, spawnError: err.message }),
    );
    child.on("exit", (exitCode, signal) => {
      // A grandchild holding our pipes open must not hang the job: give the pipes a
      // moment to drain, then move on.
      const drained = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        finish({ exitCode, signal, timedOut, aborted });
      }, PIPE_DRAIN_MS);
      child.on("close", () => {
        clearTimeout(drained);
        finish({ exitCode, signal, timedOut, aborted });
      });
    });
  });
}

function _signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    if (process.platform === "win32") {
      // No process groups on Windows: taskkill walks the tree.
      childProcess().spawn("taskkill", ["/T", "/F", "/PID", String(pid)], {
        stdio: "ignore",
        windowsHide: true,
      });
    } else {
      process.kill(-pid, signal);
    }
  } catch {
    // Already gone.
  }
}

/**
 * Splits a stream into lines, keeping at most MAX_LINE_CHARS of each: the rest of a long line is
 * counted and dropped as it arrives, never buffered. Returns a function that emits a trailing
 * partial line.
 */
function _lines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): () => void {
  let buf = "";
  let cut = false;
  const take = (part: string) => {
    const room = MAX_LINE_CHARS - buf.length;
    if (part.length <= room) buf += part;
    else {
      if (room > 0) buf += part.slice(0, room);
      cut = true;
    }
  };
  const end = () => {
    onLine(cut ? `${buf}${LINE_CUT_NOTE}` : buf.replace(/\r$/, ""));
    buf = "";
    cut = false;
  };
  stream?.setEncoding("utf8");
  stream?.on("data", (chunk: string) => {
    let start = 0;
    for (let nl = chunk.indexOf("\n"); nl >= 0; nl = chunk.indexOf("\n", start)) {
      take(chunk.slice(start, nl));
      end();
      start = nl + 1;
    }
    take(chunk.slice(start));
  });
  return () => {
    if (buf || cut) end();
  };
}
