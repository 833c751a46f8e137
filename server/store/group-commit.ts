// Group commit for one whole-file collection: every change made before the write starts is
// carried by that one write, and every caller waiting on it is answered when it is on disk. A
// refused write (ENOSPC) puts memory back as the last write left it (see restore), so a refused
// change, a rollout say, neither shows nor runs; it is not kept to retry.
import { writeFileAtomic } from "../../lib/atomic-write.ts";

/** Files this large are paced (see schedule): jobs.json of ~500 jobs, hosts.json of ~500 hosts. */
export const PACED_FROM_BYTES = 256 * 1024;

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

export interface GroupCommitHooks {
  onWriteError: (path: string, err: unknown) => void;
  /** A write landed, having taken `seconds` (serialize, write, fsync). */
  onWriteOk?: (seconds: number) => void;
  /** Memory as the last durable write left it: called when a write is refused. */
  restore?: () => void;
  /** The write landed: what memory holds now is what restore must bring back. */
  written?: () => void;
}

export class GroupCommit {
  private dirty = false;
  private scheduled = false;
  private waiters: Waiter[] = [];
  /** performance.now() before which the next write waits (see schedule). */
  private nextWriteAt = 0;

  constructor(
    private readonly path: string,
    private readonly serialize: () => string,
    private readonly mode: number,
    private readonly hooks: GroupCommitHooks,
  ) {}

  /** Marks the collection changed; resolves once a write that includes the change is durable. */
  commit(): Promise<void> {
    this.dirty = true;
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.schedule();
    return done;
  }

  /** Marks the collection changed without waiting; the next commit or flushIfDirty writes it. */
  markDirty(): void {
    this.dirty = true;
  }

  flushIfDirty(): Promise<void> {
    return this.dirty ? this.commit() : Promise.resolve();
  }

  /**
   * The write runs on the next turn of the event loop, so all changes made by requests handled
   * in this turn share it. writeFileAtomic is synchronous, so at most one write per file runs.
   * A large file (PACED_FROM_BYTES and up) that took d ms to write is written again no sooner than
   * d ms later: under a stream of changes (10,000 hosts saying hello, commands dispatched to them)
   * the event loop then spends at most about half its time writing it, and every change made in
   * between shares the next write. Smaller files are written at once, as before.
   */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const wait = this.nextWriteAt - performance.now();
    if (wait > 0) setTimeout(() => this.write(), wait);
    else setImmediate(() => this.write());
  }

  private write(): void {
    this.scheduled = false;
    const waiters = this.waiters;
    this.waiters = [];
    if (this.dirty) {
      this.dirty = false;
      const started = performance.now();
      try {
        const data = this.serialize();
        writeFileAtomic(this.path, data, this.mode);
        const ended = performance.now();
        this.nextWriteAt = data.length >= PACED_FROM_BYTES ? ended + (ended - started) : 0;
      } catch (err) {
        if (this.hooks.restore) this.hooks.restore();
        // Without restore, memory still holds the change: keep it dirty so the next write retries it.
        else this.dirty = true;
        this.hooks.onWriteError(this.path, err);
        for (const w of waiters) w.reject(err);
        return;
      }
      this.hooks.written?.();
      this.hooks.onWriteOk?.((performance.now() - started) / 1000);
    }
    for (const w of waiters) w.resolve();
  }
}
