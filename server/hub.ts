// The long-poll hub: at most one held poll per host, woken the moment there is something for it
// (a new job, a cancel, a finished job freeing the host), ended by a newer poll or by shutdown.

/** Why a held poll stopped waiting. Only "woken" sends it back to look for a command. */
export type WaitOutcome = "woken" | "timeout" | "superseded" | "aborted" | "shutdown";
type FinalOutcome = Exclude<WaitOutcome, "woken" | "timeout">;

export class PollTicket {
  /** Set once the poll must answer `{command: null}` and stop: a newer poll, a dropped client, shutdown. */
  ended: FinalOutcome | null = null;
  private pendingWake = false;
  private resolver: ((outcome: WaitOutcome) => void) | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly onAbort = () => this.end("aborted");
  private listening = false;

  constructor(
    readonly hostId: string,
    private readonly signal: AbortSignal | undefined,
    private readonly release: (ticket: PollTicket) => void,
  ) {
    if (signal?.aborted) this.ended = "aborted";
  }

  /** Waits up to `ms`; a wake that came while the poll was busy is not lost. */
  wait(ms: number): Promise<WaitOutcome> {
    if (this.ended) return Promise.resolve(this.ended);
    if (this.pendingWake) {
      this.pendingWake = false;
      return Promise.resolve("woken");
    }
    // Only a poll that waits needs to hear that its client went away; one answered at once (a
    // command was ready) skips the listener, a cost the benchmark measured per request.
    if (this.signal?.aborted) this.end("aborted");
    if (this.ended) return Promise.resolve(this.ended);
    if (this.signal && !this.listening) {
      this.listening = true;
      this.signal.addEventListener("abort", this.onAbort, { once: true });
    }
    return new Promise((resolve) => {
      this.resolver = resolve;
      this.timer = setTimeout(() => this.settle("timeout"), ms);
    });
  }

  wake(): void {
    if (this.resolver) this.settle("woken");
    else this.pendingWake = true;
  }

  end(outcome: FinalOutcome): void {
    this.ended ??= outcome;
    this.settle(this.ended);
  }

  /** The poll can no longer deliver: ended, or its client went away (heard without a listener too). */
  get gone(): boolean {
    return this.ended !== null || this.signal?.aborted === true;
  }

  close(): void {
    // A client that went away while the poll was busy (not waiting) had no listener to say so.
    if (this.signal?.aborted) this.ended ??= "aborted";
    if (this.listening) this.signal?.removeEventListener("abort", this.onAbort);
    if (this.timer) clearTimeout(this.timer);
    this.release(this);
  }

  private settle(outcome: WaitOutcome): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const resolve = this.resolver;
    this.resolver = null;
    resolve?.(outcome);
  }
}

export class PollHub {
  private readonly held = new Map<string, PollTicket>();
  private closed = false;

  /** Registers a poll for the host; the host's previous poll, if any, is answered with null. */
  open(hostId: string, signal?: AbortSignal): PollTicket {
    const ticket = new PollTicket(hostId, signal, (t) => {
      if (this.held.get(t.hostId) === t) this.held.delete(t.hostId);
    });
    if (this.closed) {
      ticket.end("shutdown");
      return ticket;
    }
    this.held.get(hostId)?.end("superseded");
    this.held.set(hostId, ticket);
    return ticket;
  }

  wake(hostId: string): void {
    this.held.get(hostId)?.wake();
  }

  /** Ends a host's held poll, e.g. when the host is deleted. */
  endHost(hostId: string): void {
    this.held.get(hostId)?.end("superseded");
  }

  isHeld(hostId: string): boolean {
    return this.held.has(hostId);
  }

  /** Polls waiting right now, one per host at most. */
  heldCount(): number {
    return this.held.size;
  }

  /** Answers every held poll and refuses new ones, so shutdown does not wait out poll windows. */
  shutdown(): void {
    this.closed = true;
    for (const ticket of this.held.values()) ticket.end("shutdown");
  }
}
