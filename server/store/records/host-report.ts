// A host's config report as fleetd keeps it: the whole report (HostState) stays on disk as the
// canonical JSON it was validated and hashed as, and memory holds only this summary of it, the
// fields the hosts list, the board and the derivation (services/config/derive.ts) read. The rest,
// generations and locked inputs, ~60% of a report, is read from disk for one host's detail.
// bench/RESULTS.md: 10,000 parsed reports in memory and in hosts.json cost 100 MB of RSS and made
// every hosts.json write and read four times longer.
import { createHash } from "node:crypto";
import type { z } from "zod";
import { CheckoutState, HostState, LockedInput } from "../../../protocol/config-state.ts";

export const ReportSummary = HostState.pick({
  system: true,
  lastSwitch: true,
  lastSwitchFailed: true,
  lastTest: true,
}).extend({
  checkout: CheckoutState.omit({ branch: true, lockInputs: true })
    .extend({ oldestLockInput: LockedInput.nullable() })
    .nullable(),
});
export type ReportSummary = z.infer<typeof ReportSummary>;

/** SHA-256 of a report's JSON. */
export const reportHash = (json: string): string => createHash("sha256").update(json).digest("hex");

const _encoded = new WeakMap<HostState, { json: string; hash: string }>();

/**
 * The stored form of a validated report and its hash: what was hashed is what is kept, so the hash
 * names the stored bytes. A parsed report has its keys in the schema's order, so the same report
 * sent again hashes the same. Kept per report object: hello compares, then the store writes it.
 */
export function encodeReport(state: HostState): { json: string; hash: string } {
  let encoded = _encoded.get(state);
  if (!encoded) {
    const json = JSON.stringify(state);
    encoded = { json, hash: reportHash(json) };
    _encoded.set(state, encoded);
  }
  return encoded;
}

/** Field by field, in the schema's order, so no field of the report rides along unnamed. */
export function summarizeReport(state: HostState): ReportSummary {
  const c = state.checkout;
  return {
    system: state.system,
    lastSwitch: state.lastSwitch,
    lastSwitchFailed: state.lastSwitchFailed,
    lastTest: state.lastTest,
    checkout: c && {
      commit: c.commit,
      subject: c.subject,
      committedAt: c.committedAt,
      dirty: c.dirty,
      remoteCommit: c.remoteCommit,
      fetchedAt: c.fetchedAt,
      lockHash: c.lockHash,
      oldestLockInput: oldestLockInput(c.lockInputs),
    },
  };
}

/** The input locked longest ago is what "how old is this lock" means; inputs without a date say nothing. */
export function oldestLockInput(inputs: readonly LockedInput[]): LockedInput | null {
  let oldest: LockedInput | null = null;
  for (const input of inputs) {
    if (input.lastModified === null) continue;
    if (!oldest?.lastModified || Date.parse(input.lastModified) < Date.parse(oldest.lastModified))
      oldest = input;
  }
  return oldest;
}
