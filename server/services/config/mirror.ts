// A bare mirror of the config repo in the data dir (<data>/config-mirror.git): cloned once,
// fetched when the branch head moved, so fleetd can count how far behind a host's commit is and
// show the target's subject. What it answers is cached per commit: hosts share a few commits.
import { existsSync, renameSync, rmSync } from "node:fs";
import { runGit } from "./git.ts";

export const MIRROR_DIR_NAME = "config-mirror.git";

export interface CommitInfo {
  subject: string;
  committedAt: string;
}

export class ConfigMirror {
  /** For the current target: host commit → commits from it to the target (null: unknown to the mirror). */
  private counts: { target: string; byCommit: Map<string, number | null> } = {
    target: "",
    byCommit: new Map(),
  };
  /** Counts git is computing now, so hosts on one commit share one rev-list. */
  private readonly pending = new Map<string, Promise<number | null>>();
  private ready: Promise<void> | null = null;

  constructor(
    private readonly dir: string,
    private readonly url: string,
    private readonly timeoutMs: number,
  ) {}

  /** Clones on first use (into a temp dir, renamed when whole), then fetches. */
  async update(): Promise<void> {
    if (!existsSync(this.dir)) {
      const tmp = `${this.dir}.tmp-${process.pid}`;
      rmSync(tmp, { recursive: true, force: true });
      await runGit(["clone", "--mirror", "--quiet", "--", this.url, tmp], { timeoutMs: this.timeoutMs });
      renameSync(tmp, this.dir);
      return;
    }
    this.ready ??= this._pointAtUrl();
    await this.ready;
    await runGit(["fetch", "--prune", "--quiet", "origin"], { cwd: this.dir, timeoutMs: this.timeoutMs });
  }

  /** Whether the mirror has the commit (it may have been fetched since the host pulled it). */
  async hasCommit(sha: string): Promise<boolean> {
    if (!existsSync(this.dir)) return false;
    try {
      await runGit(["cat-file", "-e", `${sha}^{commit}`], { cwd: this.dir, timeoutMs: this.timeoutMs });
      return true;
    } catch {
      return false;
    }
  }

  async commitInfo(sha: string): Promise<CommitInfo | null> {
    try {
      const out = await runGit(["log", "-1", "--format=%cI%x00%s", sha, "--"], {
        cwd: this.dir,
        timeoutMs: this.timeoutMs,
      });
      const [time, subject] = out.replace(/\n$/, "").split("\0");
      if (!time) return null;
      return { subject: (subject ?? "").slice(0, 500), committedAt: new Date(time).toISOString() };
    } catch {
      return null;
    }
  }

  /** Commits in the target not in the host's commit; null when the mirror does not know it. */
  async behindBy(hostCommit: string, target: string): Promise<number | null> {
    const known = this.knownBehindBy(hostCommit, target);
    if (known !== undefined) return known;
    const key = `${hostCommit}..${target}`;
    let pending = this.pending.get(key);
    if (!pending) {
      pending = this._count(hostCommit, target).finally(() => this.pending.delete(key));
      this.pending.set(key, pending);
    }
    const count = await pending;
    // One target at a time: counts against an older one are never asked for again.
    if (this.counts.target !== target) this.counts = { target, byCommit: new Map() };
    this.counts.byCommit.set(hostCommit, count);
    return count;
  }

  /** What behindBy answered already, without asking git; undefined when it was not asked yet. */
  knownBehindBy(hostCommit: string, target: string): number | null | undefined {
    return this.counts.target === target ? this.counts.byCommit.get(hostCommit) : undefined;
  }

  private async _count(hostCommit: string, target: string): Promise<number | null> {
    if (!(await this.hasCommit(hostCommit))) return null;
    try {
      const out = await runGit(["rev-list", "--count", `${hostCommit}..${target}`, "--"], {
        cwd: this.dir,
        timeoutMs: this.timeoutMs,
      });
      const n = Number(out.trim());
      return Number.isInteger(n) && n >= 0 ? n : null;
    } catch {
      return null;
    }
  }

  /** --config-repo may have changed since the mirror was cloned. */
  private async _pointAtUrl(): Promise<void> {
    await runGit(["remote", "set-url", "origin", this.url], { cwd: this.dir, timeoutMs: this.timeoutMs });
  }
}
