// `--watch`: show a snapshot every few seconds until Ctrl-C. On a terminal the screen is
// cleared and redrawn, like watch(1); into a pipe each snapshot is printed once, after a line
// with its time, so a log of them reads in order. Ctrl-C is how a watch ends, so it exits 0.
import { errorMessage } from "./errors.ts";
import { logger } from "./output.ts";

const CLEAR_SCREEN = "\u001b[H\u001b[2J";

export interface WatchOptions {
  intervalMs: number;
  tty: boolean;
  /** Shown above each snapshot on a terminal; null prints bare snapshots (one JSON document per line). */
  title: string | null;
  snapshot: () => Promise<string>;
  write: (text: string) => void;
  /** Ends the watch (with 0) once aborted; Ctrl-C does the same for the operator. */
  signal?: AbortSignal;
}

export async function watchLoop(opts: WatchOptions): Promise<number> {
  if (!opts.signal) {
    process.once("SIGINT", () => {
      if (opts.tty) opts.write("\n");
      process.exit(0);
    });
  }
  for (let first = true; !opts.signal?.aborted; first = false) {
    const at = new Date().toISOString();
    let text: string;
    try {
      text = await opts.snapshot();
    } catch (err) {
      // A first failure (wrong token, wrong URL) would never go away by itself.
      if (first) throw err;
      // Later ones are fleetd restarting or a blip on the network: say so and keep watching.
      if (!opts.tty) logger.warn(`${at}: ${errorMessage(err)}`);
      text = opts.tty ? `${errorMessage(err)}\n(retrying every ${opts.intervalMs / 1000}s)` : "";
    }
    if (opts.tty) opts.write(`${CLEAR_SCREEN}${opts.title ? `${opts.title}    ${at}\n\n` : ""}${text}\n`);
    else if (text && opts.title === null) opts.write(`${text}\n`);
    else if (text) opts.write(`${first ? "" : "\n"}# ${at}\n${text}\n`);
    await Bun.sleep(opts.intervalMs);
  }
  return 0;
}
