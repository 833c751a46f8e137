// The target without a config repo: the newest remote commit any host fetched (by the time of
// its fetch). Kept as each report arrives instead of scanned for, so 10,000 hosts reporting
// once cost 10,000 comparisons, not 10,000 scans of the fleet.
import type { CheckoutState, ConfigTarget } from "../../../protocol/config-state.ts";

/** What the target is read from: a whole report, or its stored summary. */
export interface FetchReport {
  checkout: Pick<CheckoutState, "commit" | "subject" | "committedAt" | "remoteCommit" | "fetchedAt"> | null;
}

export class HostsTarget {
  private best: ConfigTarget | null = null;

  constructor(states: Iterable<FetchReport>) {
    for (const state of states) this.note(state);
  }

  current(): ConfigTarget | null {
    return this.best;
  }

  /** True when the report changed the target (a newer fetch, or the target's subject learnt). */
  note(state: FetchReport): boolean {
    const checkout = state.checkout;
    if (!checkout?.remoteCommit || !checkout.fetchedAt) return false;
    const best = this.best;
    // A host checked out at the commit knows its subject and time; others do not.
    const knows = checkout.commit === checkout.remoteCommit;
    if (!best || Date.parse(checkout.fetchedAt) > Date.parse(best.checkedAt)) {
      const learnt = best?.commit === checkout.remoteCommit && best.subject !== null;
      this.best = {
        commit: checkout.remoteCommit,
        source: "hosts",
        subject: knows ? checkout.subject : learnt ? best.subject : null,
        committedAt: knows ? checkout.committedAt : learnt ? best.committedAt : null,
        checkedAt: checkout.fetchedAt,
      };
      return best?.commit !== this.best.commit || best.subject !== this.best.subject;
    }
    if (best.commit === checkout.commit && best.subject === null) {
      this.best = { ...best, subject: checkout.subject, committedAt: checkout.committedAt };
      return true;
    }
    return false;
  }
}
