// The coordinator of a single fleetd: every poll is held here, so a wake goes straight to the poll
// hub; this process is the only one, so it leads every singleton task from start to close; and
// presence is what this process sees (LocalPresence).
import { LocalPresence, type PresenceTimings } from "./local-presence.ts";
import type { Coordinator, Leadership, LeaderTerm, SingletonTask, WakeListener } from "./types.ts";
import { WakeListeners } from "./wake-listeners.ts";

export class InProcessCoordinator implements Coordinator {
  readonly replicaId = "local";
  readonly presence: LocalPresence;
  private readonly wakes = new WakeListeners();
  private readonly leaderships = new Map<SingletonTask, SoleLeadership>();
  /** One term for every task, from start to close: nobody else can lead. */
  private readonly lifetime = new AbortController();

  constructor(timings: PresenceTimings) {
    this.presence = new LocalPresence(timings);
  }

  wake(hostId: string): void {
    this.wakes.emit(hostId);
  }

  onWake(listener: WakeListener): () => void {
    return this.wakes.add(listener);
  }

  leadership(task: SingletonTask): Leadership {
    let handle = this.leaderships.get(task);
    if (!handle) {
      handle = new SoleLeadership(task, { epoch: 1, signal: this.lifetime.signal });
      this.leaderships.set(task, handle);
    }
    return handle;
  }

  async close(): Promise<void> {
    this.lifetime.abort(new Error("the coordinator closed"));
  }
}

class SoleLeadership implements Leadership {
  constructor(
    readonly task: SingletonTask,
    private readonly lifetime: LeaderTerm,
  ) {}

  isLeader(): boolean {
    return !this.lifetime.signal.aborted;
  }

  term(): LeaderTerm | null {
    return this.isLeader() ? this.lifetime : null;
  }
}
