// The config target every host is compared with, and where it comes from: a pin (stored, so it
// survives a restart) over the config repo's branch head (read with `git ls-remote` every
// configRefreshSeconds and on POST /config/refresh) over the newest commit a host fetched.
// A failing read keeps the last target read and shows a condition; it never stops fleetd.
// behindBy comes from the mirror, computed once per distinct host commit and target.
import { join } from "node:path";
import type { ServerCondition } from "../../../protocol/common.ts";
import type { ConfigTarget, HostState } from "../../../protocol/config-state.ts";
import type { ConfigTargetResponse } from "../../../protocol/config-target.ts";
import type { ServerConfig } from "../../config.ts";
import type { Store } from "../../store/types.ts";
import { lsRemoteHead } from "./git.ts";
import { HostsTarget } from "./hosts-target.ts";
import { type CommitInfo, ConfigMirror, MIRROR_DIR_NAME } from "./mirror.ts";
import { displayRepoUrl } from "./repo-url.ts";

interface Log {
  info(message: string): void;
  warn(message: string): void;
}

interface Failure {
  message: string;
  since: string;
}

export class ConfigTargetTracker {
  private readonly mirror: ConfigMirror | null;
  /** Built on first use (see hostsTarget), not at start. */
  private hosts: HostsTarget | null = null;
  private repoTarget: ConfigTarget | null = null;
  private pinInfo: CommitInfo | null = null;
  private failure: Failure | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly branch: string;
  /** Refreshes run one at a time; calls made while one waits share it. */
  private running: Promise<void> = Promise.resolve();
  private queued: Promise<void> | null = null;

  constructor(
    private readonly config: ServerConfig,
    private readonly store: Store,
    private readonly log: Log,
  ) {
    const url = config.configRepo;
    this.mirror = url
      ? new ConfigMirror(join(config.dataDir, MIRROR_DIR_NAME), url, config.configGitTimeoutMs)
      : null;
    this.branch = config.configBranch ?? "main";
  }

  /** Reads the repo now and then every configRefreshSeconds; without a repo there is nothing to read. */
  start(): void {
    if (!this.mirror) return;
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.config.configRefreshSeconds * 1000);
    this.timer.unref?.();
    const pin = this.store.getConfigPin();
    if (pin) void this.pinChanged();
  }

  /** Waits for a read in flight, so nothing writes the mirror once fleetd is stopped. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  current(): ConfigTarget | null {
    const pin = this.store.getConfigPin();
    if (pin) {
      const info = this.pinInfo;
      const at = { subject: info?.subject ?? null, committedAt: info?.committedAt ?? null };
      return { commit: pin.commit, source: "pin", ...at, checkedAt: pin.pinnedAt };
    }
    // Until the repo was read once (it may be down as fleetd starts), the hosts' fetches stand in.
    return this.repoTarget ?? this.hostsTarget().current();
  }

  /**
   * From the stored summaries when first asked: with a config repo it stands in only until the repo
   * was read, and reading every host's report at start undid the store's lazy checks of them.
   */
  private hostsTarget(): HostsTarget {
    this.hosts ??= new HostsTarget(this.store.hostReportSummaries());
    return this.hosts;
  }

  /** A host reported: it may move the hosts' target, and its commit's behindBy is computed now. */
  async noteHostState(state: HostState): Promise<void> {
    // Not built yet: when it is, it reads this report from the store.
    this.hosts?.note(state);
    const commit = state.checkout?.commit;
    if (commit) await this.countBehind([commit]);
  }

  /** Commits from the host's commit to the target, if already counted; counting starts otherwise. */
  behindBy(hostCommit: string, target: ConfigTarget | null): number | null {
    if (!this.mirror || !target || hostCommit === target.commit) return null;
    const known = this.mirror.knownBehindBy(hostCommit, target.commit);
    if (known !== undefined) return known;
    void this.mirror.behindBy(hostCommit, target.commit);
    return null;
  }

  refresh(): Promise<void> {
    if (this.queued) return this.queued;
    const next = this.running.then(() => {
      this.queued = null;
      return this._readRepo();
    });
    this.queued = next;
    this.running = next;
    return next;
  }

  /** The mirror checks the commit when there is one; a pin elsewhere is a mistyped sha. */
  async knowsCommit(commit: string): Promise<boolean> {
    if (!this.mirror) return true;
    if (await this.mirror.hasCommit(commit)) return true;
    await this.refresh();
    return this.mirror.hasCommit(commit);
  }

  /** A commit's subject and time: from the mirror when there is one, else from a host that reported it. */
  async commitInfo(commit: string): Promise<CommitInfo | null> {
    return (await this.mirror?.commitInfo(commit)) ?? _infoFromHosts(this.store, commit);
  }

  /** After the store took the pin (or unpin): its subject, and every host's count against it. */
  async pinChanged(): Promise<void> {
    const pin = this.store.getConfigPin();
    this.pinInfo = pin
      ? ((await this.mirror?.commitInfo(pin.commit)) ?? _infoFromHosts(this.store, pin.commit))
      : null;
    await this.countBehind(_hostCommits(this.store));
  }

  condition(): ServerCondition | null {
    if (!this.failure) return null;
    const kept = this.repoTarget
      ? `the target stays ${this.repoTarget.commit.slice(0, 12)}`
      : "there is no target";
    return {
      code: "config_repo_unreachable",
      message: `fleetd cannot read the config repo's branch head (${kept}); see fleetd's log or GET /api/v1/config/target`,
      since: this.failure.since,
    };
  }

  describe(): ConfigTargetResponse {
    const pin = this.store.getConfigPin();
    const url = this.config.configRepo;
    return {
      target: this.current(),
      repo: url ? { url: displayRepoUrl(url), branch: this.branch } : null,
      pin: pin ? { commit: pin.commit, pinnedAt: pin.pinnedAt } : null,
      error: this.failure?.message ?? null,
    };
  }

  /** Counts before the answer is wanted, so a list never shows a host behind by "unknown" for long. */
  private async countBehind(commits: Iterable<string>, target = this.current()?.commit): Promise<void> {
    const mirror = this.mirror;
    if (!mirror || !target) return;
    const distinct = [...new Set(commits)].filter((c) => c !== target);
    await Promise.all(distinct.map((c) => mirror.behindBy(c, target)));
  }

  private async _readRepo(): Promise<void> {
    const mirror = this.mirror;
    const url = this.config.configRepo;
    if (!mirror || !url) return;
    const timeout = this.config.configGitTimeoutMs;
    try {
      const commit = await lsRemoteHead(url, this.branch, timeout);
      const checkedAt = new Date().toISOString();
      const known = this.repoTarget;
      if (known?.commit === commit && known.subject !== null) {
        this.repoTarget = { ...known, checkedAt };
      } else {
        await mirror.update();
        const info = await mirror.commitInfo(commit);
        const next: ConfigTarget = {
          commit,
          source: "repo",
          subject: info?.subject ?? null,
          committedAt: info?.committedAt ?? null,
          checkedAt,
        };
        // Counted before the target moves, so hosts go from one count to the next.
        if (!this.store.getConfigPin()) await this.countBehind(_hostCommits(this.store), next.commit);
        if (known?.commit !== commit)
          this.log.info(`config target: ${commit.slice(0, 12)} ${next.subject ?? ""}`);
        this.repoTarget = next;
      }
      if (this.failure) this.log.info("config repo readable again");
      this.failure = null;
    } catch (err) {
      // git may name the URL in its complaint, with whatever token it carries.
      const message = (err as Error).message.replaceAll(url, displayRepoUrl(url));
      if (this.failure?.message !== message) this.log.warn(`reading the config repo failed: ${message}`);
      this.failure = { message, since: this.failure?.since ?? new Date().toISOString() };
    }
  }
}

function* _hostCommits(store: Store): Generator<string> {
  for (const state of store.hostReportSummaries()) if (state.checkout) yield state.checkout.commit;
}

function _infoFromHosts(store: Store, commit: string): CommitInfo | null {
  for (const state of store.hostReportSummaries())
    if (state.checkout?.commit === commit)
      return { subject: state.checkout.subject, committedAt: state.checkout.committedAt };
  return null;
}
