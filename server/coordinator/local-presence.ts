// Which hosts are online as this process sees them, derived in memory from agent traffic and never
// written per poll. It is the whole of presence for one process (in-process.ts) and this replica's
// part of it on PostgreSQL (postgres/shared-presence.ts).
// A held poll means online. However a poll ends, the host stays online only offlineGraceMs
// longer: an answered agent polls again at once (agent/loop.ts), and a dropped connection is the
// first sign of an agent going away. Two poll windows after an answer (as before) kept a frozen
// (SIGSTOPped) agent online for 50 s after fleetd handed it a command it would never read.
// A frozen agent holding a poll still shows online until that poll's window ends: the kernel
// keeps its connection open, so that is the first sign fleetd can see. The bound, in the limits of
// server/config.ts: pollWindowMs + offlineGraceMs + sweepIntervalMs (36 s by default).

import type { FleetPresence } from "./types.ts";

export interface PresenceTimings {
  offlineGraceMs: number;
}

interface HostEntry {
  heldPolls: number;
  onlineUntil: number;
}

export class LocalPresence implements FleetPresence {
  private readonly hosts = new Map<string, HostEntry>();
  /** Hosts not holding a poll: the only ones that can go offline as time passes. */
  private readonly notHolding = new Set<string>();
  /** Hosts with agent traffic since the last takeCandidates(): the only ones that can come online. */
  private readonly touched = new Set<string>();

  constructor(
    private readonly timings: PresenceTimings,
    /** Hosts not heard from since fleetd started count as offline since then. */
    readonly startedAt = Date.now(),
  ) {}

  hold(hostId: string): void {
    this.entry(hostId).heldPolls++;
    this.notHolding.delete(hostId);
    this.touched.add(hostId);
  }

  release(hostId: string, how: "answered" | "dropped", now = Date.now()): void {
    const entry = this.entry(hostId);
    entry.heldPolls = Math.max(0, entry.heldPolls - 1);
    if (entry.heldPolls === 0) this.notHolding.add(hostId);
    this.touched.add(hostId);
    const until = now + this.timings.offlineGraceMs;
    entry.onlineUntil = how === "answered" ? Math.max(entry.onlineUntil, until) : until;
  }

  /** Any other agent request shows the agent is alive right now. */
  seen(hostId: string, now = Date.now()): void {
    const entry = this.entry(hostId);
    entry.onlineUntil = Math.max(entry.onlineUntil, now + this.timings.offlineGraceMs);
    this.touched.add(hostId);
  }

  /**
   * The hosts whose online state may have changed since the last call: those not holding a poll,
   * and those with any traffic since. With 10,000 hosts holding polls that is a few hundred a
   * second, so the sweeper no longer walks the whole fleet every second.
   */
  takeCandidates(): Set<string> {
    const out = new Set(this.notHolding);
    for (const id of this.touched) out.add(id);
    this.touched.clear();
    return out;
  }

  isOnline(hostId: string, now = Date.now()): boolean {
    return this.offlineSince(hostId, now) === null;
  }

  /** When the host went offline, or null while it is online. */
  offlineSince(hostId: string, now = Date.now()): number | null {
    const entry = this.hosts.get(hostId);
    if (!entry) return this.startedAt;
    if (entry.heldPolls > 0 || now < entry.onlineUntil) return null;
    return Math.max(entry.onlineUntil, this.startedAt);
  }

  /** A poll for the host is held here right now. */
  holds(hostId: string): boolean {
    return (this.hosts.get(hostId)?.heldPolls ?? 0) > 0;
  }

  /** The hosts whose polls are held here right now. */
  *heldHosts(): Iterable<string> {
    for (const [hostId, entry] of this.hosts) if (entry.heldPolls > 0) yield hostId;
  }

  /** Any agent traffic from the host since fleetd started. */
  heardSinceStart(hostId: string): boolean {
    return this.hosts.has(hostId);
  }

  forget(hostId: string): void {
    this.hosts.delete(hostId);
    this.notHolding.delete(hostId);
    this.touched.delete(hostId);
  }

  private entry(hostId: string): HostEntry {
    const existing = this.hosts.get(hostId);
    if (existing) return existing;
    const entry = { heldPolls: 0, onlineUntil: 0 };
    this.hosts.set(hostId, entry);
    this.notHolding.add(hostId);
    return entry;
  }
}
