// A host's derived config as the hosts list shows it. Derived again only when the host's report
// or the target (or its behindBy) changed, never per list: each report object keeps the last
// answer, and reports are values that a new report replaces. It reads the report's summary
// (records/host-report.ts), which holds every field the derivation needs.
import type { ConfigTarget } from "../../../protocol/config-state.ts";
import type { ServerContext } from "../../context.ts";
import type { HostRecord } from "../../store/records/host.ts";
import type { ReportSummary } from "../../store/records/host-report.ts";
import { type DerivedConfig, deriveHostConfig } from "./derive.ts";

interface Cached {
  target: string | null;
  behindBy: number | null;
  derived: DerivedConfig;
}

const _derived = new WeakMap<Readonly<ReportSummary>, Cached>();
const _UNREPORTED = deriveHostConfig(null, null, null);

export function hostConfigOf(
  ctx: ServerContext,
  record: Readonly<HostRecord>,
  target: ConfigTarget | null = ctx.configTarget.current(),
): DerivedConfig {
  const state = ctx.store.hostReportSummary(record.id);
  if (!state) return _UNREPORTED;
  const commit = state.checkout?.commit;
  const behindBy = commit ? ctx.configTarget.behindBy(commit, target) : null;
  const cached = _derived.get(state);
  // The target's subject or check time changing does not change any host's state.
  if (cached && cached.target === (target?.commit ?? null) && cached.behindBy === behindBy)
    return cached.derived;
  const derived = deriveHostConfig(state, target, behindBy);
  _derived.set(state, { target: target?.commit ?? null, behindBy, derived });
  return derived;
}
