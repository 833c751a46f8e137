// Token buckets keyed by client address, for the few things worth limiting per address:
// enroll attempts and requests with a bad token. Successful agent traffic never passes through
// here, so a fleet behind one NAT is not throttled by its own polls.

/** Addresses tracked at most; beyond it, buckets that are full again (idle clients) are dropped first. */
export const MAX_TRACKED_ADDRESSES = 100_000;

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;

  constructor(
    private readonly burst: number,
    perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.perMs = perMinute / 60_000;
  }

  /** Seconds `key` must wait before its next attempt; 0 when it may try now. Takes nothing. */
  retryAfter(key: string): number {
    const tokens = this.refilled(key);
    return tokens >= 1 ? 0 : Math.max(1, Math.ceil((1 - tokens) / this.perMs / 1000));
  }

  /** Spends one attempt of `key`; returns what retryAfter returned before spending. */
  take(key: string): number {
    const wait = this.retryAfter(key);
    if (wait > 0) return wait;
    const tokens = this.refilled(key) - 1;
    this.buckets.delete(key); // re-inserted last: the Map stays ordered by last use
    this.buckets.set(key, { tokens, at: this.now() });
    this.prune();
    return 0;
  }

  /** No key has used anything: every key may try now, so callers need not even name theirs. */
  isIdle(): boolean {
    return this.buckets.size === 0 && this.burst >= 1;
  }

  get size(): number {
    return this.buckets.size;
  }

  private refilled(key: string): number {
    const bucket = this.buckets.get(key);
    if (!bucket) return this.burst;
    return Math.min(this.burst, bucket.tokens + (this.now() - bucket.at) * this.perMs);
  }

  private prune(): void {
    if (this.buckets.size <= MAX_TRACKED_ADDRESSES) return;
    for (const key of this.buckets.keys()) {
      if (this.refilled(key) >= this.burst) this.buckets.delete(key);
    }
    // Still too many busy addresses: forget the least recently used; they start over with a full bucket.
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= MAX_TRACKED_ADDRESSES) break;
      this.buckets.delete(key);
    }
  }
}
