// Group commit for one whole-file collection: every change made before the write starts is
// carried by that one write, and every caller waiting on it is answered when it is on disk.
import { writeFileAtomic } from "../../lib/atomic-write.ts";

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class GroupCommit {
  private dirty = false;
  private scheduled = false;
  private waiters: Waiter[] = [];

  constructor(
    private readonly path: string,
    private readonly serialize: () => string,
    private readonly mode: number,
    private readonly onWriteError: (path: string, err: unknown) => void,
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
   */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.write());
  }

  private write(): void {
    this.scheduled = false;
    const waiters = this.waiters;
    this.waiters = [];
    if (this.dirty) {
      this.dirty = false;
      try {
        writeFileAtomic(this.path, this.serialize(), this.mode);
      } catch (err) {
        // Memory still holds the change; keep it dirty so the next write retries it.
        this.dirty = true;
        this.onWriteError(this.path, err);
        for (const w of waiters) w.reject(err);
        return;
      }
    }
    for (const w of waiters) w.resolve();
  }
}
