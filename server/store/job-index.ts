// In-memory jobs with the indexes the services need often: per host and not-yet-finished, so the
// once-a-second sweeper and every poll touch only live jobs, not the whole history.
import { isTerminal } from "../../protocol/jobs.ts";
import type { JobRecord } from "./records/job.ts";
import type { JobQuery } from "./types.ts";

export class JobIndex {
  /** Insertion order is creation order; "newest first" walks it backwards. */
  private readonly byId = new Map<string, JobRecord>();
  private readonly byHost = new Map<string, Set<string>>();
  private readonly live = new Set<string>();
  private readonly liveByHost = new Map<string, Set<string>>();

  get(id: string): JobRecord | undefined {
    return this.byId.get(id);
  }

  put(job: JobRecord): void {
    this.byId.set(job.id, job);
    const hostJobs = this.byHost.get(job.hostId) ?? new Set<string>();
    this.byHost.set(job.hostId, hostJobs);
    hostJobs.add(job.id);
    if (isTerminal(job.state)) this.markFinished(job);
    else {
      this.live.add(job.id);
      const hostLive = this.liveByHost.get(job.hostId) ?? new Set<string>();
      this.liveByHost.set(job.hostId, hostLive);
      hostLive.add(job.id);
    }
  }

  private markFinished(job: JobRecord): void {
    this.live.delete(job.id);
    const hostLive = this.liveByHost.get(job.hostId);
    hostLive?.delete(job.id);
    if (hostLive?.size === 0) this.liveByHost.delete(job.hostId);
  }

  remove(id: string): void {
    const job = this.byId.get(id);
    if (!job) return;
    this.byId.delete(id);
    this.markFinished(job);
    const hostJobs = this.byHost.get(job.hostId);
    hostJobs?.delete(id);
    if (hostJobs?.size === 0) this.byHost.delete(job.hostId);
  }

  all(): JobRecord[] {
    return [...this.byId.values()];
  }

  ofHost(hostId: string): JobRecord[] {
    return this.resolve(this.byHost.get(hostId) ?? []);
  }

  active(hostId?: string): JobRecord[] {
    return this.resolve(hostId === undefined ? this.live : (this.liveByHost.get(hostId) ?? []));
  }

  newestFirst(query: JobQuery): JobRecord[] {
    const ids =
      query.hostId === undefined ? [...this.byId.keys()] : [...(this.byHost.get(query.hostId) ?? [])];
    const out: JobRecord[] = [];
    for (let i = ids.length - 1; i >= 0 && out.length < query.limit; i--) {
      const job = this.byId.get(ids[i]!);
      if (job && (query.state === undefined || job.state === query.state)) out.push(job);
    }
    return out;
  }

  private resolve(ids: Iterable<string>): JobRecord[] {
    const out: JobRecord[] = [];
    for (const id of ids) {
      const job = this.byId.get(id);
      if (job) out.push(job);
    }
    return out;
  }
}
