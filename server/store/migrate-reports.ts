// Data dirs written before host-states.jsonl kept each host's report in its hosts.json record
// (`configState`). Opening one moves the reports over: first durably into host-states.jsonl, then
// hosts.json is rewritten without them, so a crash in between finds them in both and moves only
// those not moved yet. A report that no longer passes HostState is dropped: it read as "not
// reported" before too, and the host's next report replaces it.
import { HostState } from "../../protocol/config-state.ts";
import type { HostReportLog } from "./host-reports.ts";
import type { HostRecordAsRead } from "./records/host.ts";

export class ReportsInHosts {
  private readonly found: [hostId: string, raw: unknown][] = [];

  /** The record as kept from now on, without its report; the report is noted for moveTo. */
  take(record: HostRecordAsRead): HostRecordAsRead {
    if (record.configState === undefined) return record;
    const { configState, ...rest } = record;
    this.found.push([record.id, configState]);
    return rest;
  }

  get count(): number {
    return this.found.length;
  }

  /** Writes the reports not moved yet; returns how many were dropped as damaged. */
  moveTo(reports: HostReportLog, hostExists: (id: string) => boolean): number {
    const valid: [string, HostState][] = [];
    let damaged = 0;
    for (const [hostId, raw] of this.found) {
      if (reports.has(hostId) || !hostExists(hostId)) continue;
      const parsed = HostState.safeParse(raw);
      if (parsed.success) valid.push([hostId, parsed.data]);
      else damaged++;
    }
    if (valid.length > 0) reports.putAllNow(valid);
    return damaged;
  }
}
