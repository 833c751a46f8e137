// A real terminal for tests: a tmux session of fixed size on a private server socket in a temp
// dir (so the operator's own tmux is never touched, and no socket file is left behind), keys typed into it, and the screen read back with
// capture-pane. Used to see what fleetctl draws on a TTY and what shells complete.
import { join } from "node:path";
import { tempDir } from "./temp-dir.ts";
import { waitFor } from "./wait-for.ts";

let _sessions = 0;
/** Servers still running; a test that times out never reaches its `finally`, so exit stops them. */
const _live = new Set<string>();
process.on("exit", () => {
  for (const socket of _live)
    Bun.spawnSync(["tmux", "-S", socket, "kill-server"], { stdout: "ignore", stderr: "ignore" });
});

export class Tmux {
  private constructor(readonly socket: string) {}

  /** Starts `argv` in a new session `width` × `height`, with `env` on top of this process's. */
  static start(argv: string[], opts: { width?: number; height?: number; env?: Record<string, string> } = {}) {
    const socket = join(tempDir("tmux"), `s${++_sessions}`);
    const tmux = new Tmux(socket);
    const size = ["-x", String(opts.width ?? 100), "-y", String(opts.height ?? 30)];
    tmux.run(["-f", "/dev/null", "new-session", "-d", "-s", "t", ...size, ...argv], opts.env);
    _live.add(socket);
    return tmux;
  }

  /** Runs a tmux command on this session's server; throws with tmux's stderr if it fails. */
  run(args: string[], env: Record<string, string> = {}): string {
    const r = Bun.spawnSync(["tmux", "-S", this.socket, ...args], {
      env: { ...process.env, ...env },
      stdout: "pipe",
      stderr: "pipe",
    });
    if (r.exitCode !== 0) throw new Error(`tmux ${args.join(" ")}: ${r.stderr.toString()}`);
    return r.stdout.toString();
  }

  /** Types text literally (no key-name lookup), then optional named keys such as "Tab" or "Enter". */
  type(text: string, ...keys: string[]): void {
    if (text) this.run(["send-keys", "-t", "t", "-l", text]);
    if (keys.length) this.run(["send-keys", "-t", "t", ...keys]);
  }

  /** The visible screen, trailing blank lines dropped. */
  screen(): string {
    return this.run(["capture-pane", "-p", "-t", "t"]).replace(/\n+$/, "");
  }

  /** Waits until the screen satisfies `check`; the timeout error shows the last screen. */
  async waitForScreen(check: (screen: string) => boolean, what: string, timeoutMs = 15_000): Promise<string> {
    let last = "";
    try {
      return await waitFor(
        () => {
          last = this.screen();
          return check(last) ? last : false;
        },
        { what, timeoutMs, intervalMs: 100 },
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}\nlast screen:\n${last}`);
    }
  }

  /** Ends the session's tmux server (only ours: it has its own socket). */
  kill(): void {
    _live.delete(this.socket);
    Bun.spawnSync(["tmux", "-S", this.socket, "kill-server"], { stdout: "ignore", stderr: "ignore" });
  }
}
