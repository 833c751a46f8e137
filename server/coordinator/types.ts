// The coordinator: what fleetd replicas must agree on beyond the stored intents. It wakes a host's
// held poll wherever the poll is held, elects one leader per singleton task, and says which hosts
// are online on any replica. One process has the in-process coordinator (in-process.ts); several
// replicas share one on PostgreSQL (postgres/). Services never know which one they have.

/** The work that must run on one replica at a time. */
export const SINGLETON_TASKS = ["sweeper", "rollouts", "alerts", "notify"] as const;
export type SingletonTask = (typeof SINGLETON_TASKS)[number];

export type WakeListener = (hostId: string) => void;

export interface Coordinator {
  /** Names this replica in shared state and logs. */
  readonly replicaId: string;
  /**
   * Something is waiting for the host (a job, a cancel, a freed slot): its held poll, on whichever
   * replica holds it, looks again. A poll held here hears it at once, without a round trip.
   */
  wake(hostId: string): void;
  /** Hears the wakes for hosts whose polls this replica holds; returns the unsubscribe. */
  onWake(listener: WakeListener): () => void;
  /** The handle for one singleton task; the same handle for every call with that task. */
  leadership(task: SingletonTask): Leadership;
  readonly presence: FleetPresence;
  /** Gives up leadership and this replica's share of presence. */
  close(): Promise<void>;
}

export interface Leadership {
  readonly task: SingletonTask;
  /** Asked at every tick of the task: false means skip the work, now. */
  isLeader(): boolean;
  /** The term this replica leads, or null when it does not lead the task. */
  term(): LeaderTerm | null;
}

export interface LeaderTerm {
  /** Fencing epoch: higher for each new term of the task, carried by the leader's writes. */
  readonly epoch: number;
  /** Aborted the moment the term is lost, for work that runs longer than a tick. */
  readonly signal: AbortSignal;
}

/**
 * Which hosts are online. A host holding a poll here is online; so is one held by any live
 * replica, or heard from within the grace after its last request. Read synchronously on hot
 * paths (listings, the sweeper): shared implementations answer from a copy refreshed in batches.
 */
export interface FleetPresence {
  /** Hosts not heard from since this replica started count as offline since then. */
  readonly startedAt: number;
  /** A poll for the host is held here from now on. */
  hold(hostId: string): void;
  /** A poll held here ended: answered (the agent polls again at once) or dropped. */
  release(hostId: string, how: "answered" | "dropped", now?: number): void;
  /** Any other agent request: the host is alive now. Shared implementations batch these. */
  seen(hostId: string, now?: number): void;
  isOnline(hostId: string, now?: number): boolean;
  /** When the host went offline, or null while it is online. */
  offlineSince(hostId: string, now?: number): number | null;
  /** Any agent traffic from the host, on any replica, since this replica started. */
  heardSinceStart(hostId: string): boolean;
  /** The hosts whose online state may have changed since the last call (for the sweeper). */
  takeCandidates(): Set<string>;
  /** The host was deleted: nothing about it is kept. */
  forget(hostId: string): void;
}
