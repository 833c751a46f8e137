// How a rollout is shown while it runs: one bar for the rollout and a line per host, the
// bar redrawn in place on a terminal, plain lines (one per change) when piped.
import { HOST_STATE_WORDS, type Rollout, type RolloutHost } from "../protocol/index.ts";
import type { ApiClient } from "./api.ts";
import { followPollMs } from "./follow.ts";

const FINISHED = new Set(["done", "skipped", "failed"]);

const CLEAR_LINE = "\r\u001b[2K";

/** "[########--------] 2/5 · 1 in progress · 1 failed · running" */
export function renderRolloutBar(rollout: Rollout, width = 24): string {
  const total = rollout.hosts.length;
  const finished = rollout.hosts.filter((h) => FINISHED.has(h.state)).length;
  const count = (state: string) => rollout.hosts.filter((h) => h.state === state).length;
  const filled = total === 0 ? width : Math.round((finished / total) * width);
  const parts = [`${finished}/${total}`];
  for (const state of ["in_progress", "soaking", "failed", "skipped"])
    if (count(state)) parts.push(`${count(state)} ${HOST_STATE_WORDS[state as RolloutHost["state"]]}`);
  parts.push(rollout.state);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${parts.join(" · ")}`;
}

export function describeRolloutHost(h: RolloutHost): string {
  // A host left out of the order (already on the target) has no place in it to name.
  const where = h.phase === "none" ? "" : h.phase === "canary" ? " (canary)" : ` (batch ${h.group})`;
  const reason = h.reason && h.state !== "in_progress" ? ` — ${h.reason}` : "";
  return `${h.name}${where}: ${HOST_STATE_WORDS[h.state]}${_generations(h)}${reason}`;
}

/** " · generation 41 → 42" for a host whose deploy said where it went from and to. */
function _generations(h: RolloutHost): string {
  const outcome = h.outcome;
  if (outcome?.op !== "deploy") return "";
  const shown = (g: number | null) => (g === null ? "unknown" : String(g));
  return ` · generation ${shown(outcome.generationBefore)} → ${shown(outcome.generationAfter)}`;
}

/** Names a group shows in full; a larger one shows its first few and how many more (1,000 names help nobody). */
export const PLAN_NAMES_SHOWN = 8;

function _names(names: readonly string[]): string {
  if (names.length <= PLAN_NAMES_SHOWN) return names.join(", ");
  const first = names.slice(0, PLAN_NAMES_SHOWN - 1).join(", ");
  return `${names.length} hosts: ${first} and ${names.length - (PLAN_NAMES_SHOWN - 1)} more`;
}

/** "canary: b · batch 1: c, d · skipped, already at 2.0.0: a" */
export function describePlan(rollout: Rollout): string {
  const groups = new Map<number, string[]>();
  const left = new Map<string, string[]>();
  for (const h of rollout.hosts) {
    if (h.phase === "none") left.set(h.reason ?? "", [...(left.get(h.reason ?? "") ?? []), h.name]);
    else groups.set(h.group, [...(groups.get(h.group) ?? []), h.name]);
  }
  const order = [...groups.entries()]
    .sort(([a], [b]) => a - b)
    .map(([g, names]) => `${g === 0 ? "canary" : `batch ${g}`}: ${_names(names)}`);
  const skipped = [...left.entries()].map(([why, names]) => `skipped, ${why}: ${_names(names)}`);
  if (!order.length) return `nothing to ${rollout.target.kind} (${skipped.join(" · ")})`;
  return [...order, ...skipped].join(" · ");
}

export function createRolloutView(opts: { tty: boolean; write: (text: string) => void }) {
  const shown = new Map<string, string>();
  let lastBar = "";
  const changedLines = (rollout: Rollout) =>
    rollout.hosts
      .map(describeRolloutHost)
      .filter((line, i) => {
        const id = rollout.hosts[i]!.hostId;
        if (shown.get(id) === line) return false;
        shown.set(id, line);
        return true;
      })
      .map((line) => `${line}\n`);
  return {
    update(rollout: Rollout) {
      const lines = changedLines(rollout).join("");
      lastBar = renderRolloutBar(rollout);
      if (opts.tty) opts.write(`${CLEAR_LINE}${lines}${lastBar}`);
      else if (lines) opts.write(`${lines}${lastBar}\n`);
    },
    finish(rollout: Rollout) {
      const lines = changedLines(rollout).join("");
      const bar = renderRolloutBar(rollout);
      // Piped output already ends with this bar when nothing changed since; a log needs it once.
      if (opts.tty) opts.write(`${CLEAR_LINE}${lines}${bar}\n`);
      else if (lines || bar !== lastBar) opts.write(`${lines}${bar}\n`);
    },
  };
}

/** Polls a rollout until it is no longer running or paused. */
export async function followRollout(
  client: ApiClient,
  id: string,
  onUpdate: (rollout: Rollout) => void,
): Promise<Rollout> {
  for (;;) {
    const { rollout } = await client.call("getRollout", { params: { id } });
    onUpdate(rollout);
    if (rollout.state !== "running" && rollout.state !== "paused") return rollout;
    await Bun.sleep(followPollMs());
  }
}
