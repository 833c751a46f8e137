// The current rollout, or the last one: what kind and target, how far along it is, a line per
// host (its state, what its job came to and, for a deploy, the generations), and why it halted
// (naming the failing host). With the admin token: start an update or a deploy, pause, resume, cancel.
import type { Board, BoardRollout } from "../protocol/board.ts";
import { HOST_STATE_WORDS } from "../protocol/rollout-text.ts";
import type { RolloutHost } from "../protocol/rollouts.ts";
import { deployControl } from "./deploy.ts";
import { byId, esc, patch, relTime } from "./dom.ts";
import { badge, type Tone } from "./format.ts";
import { orderWords, sizesHtml } from "./rollout-sizes.ts";
import { countsText, generationsText, outcomeWords, rolloutTitle } from "./rollout-words.ts";
import { state } from "./state.ts";

const ROLLOUT_TONES: Record<BoardRollout["state"], Tone> = {
  running: "info",
  paused: "warn",
  completed: "ok",
  halted: "bad",
  cancelled: "warn",
};

const HOST_TONES: Record<RolloutHost["state"], Tone> = {
  pending: "idle",
  in_progress: "info",
  soaking: "info",
  done: "ok",
  skipped: "idle",
  failed: "bad",
};

export function renderRollout(board: Board): void {
  const r = board.rollout;
  patch(byId("rollout"), r ? rolloutHtml(r) : `<p class="muted">No rollout has run yet.</p>`);
  patch(byId("rollout-controls"), state.admin && !state.snapshot ? controls(board) : "");
}

const isActive = (r: BoardRollout | null): r is BoardRollout =>
  r !== null && (r.state === "running" || r.state === "paused");

function rolloutHtml(r: BoardRollout): string {
  const c = r.counts;
  const finished = c.done + c.skipped + c.failed;
  const label = `${finished} of ${c.total} hosts finished`;
  const when = r.finishedAt ? `finished ${relTime(r.finishedAt)}` : `started ${relTime(r.createdAt)}`;
  return (
    `<p class="rollout-head">${badge(r.state, ROLLOUT_TONES[r.state], ` data-rollout-state="${r.state}"`)} ` +
    `<strong class="rollout-title" data-kind="${r.target.kind}">${esc(rolloutTitle(r.target))}</strong> ` +
    `<span class="muted">${when} by ${esc(r.createdBy)}</span></p>` +
    // Only a halt is bad news; "cancelled by admin" or a finished rollout's note is not.
    (r.reason
      ? `<p class="rollout-reason${r.state === "halted" ? " bad-text" : ""}">${esc(r.reason)}</p>`
      : "") +
    _orderLine(r) +
    `<div class="rollout-bar"><progress max="${c.total}" value="${finished}" aria-label="${esc(label)}"></progress>` +
    `<span class="rollout-counts">${esc(label)}: ${esc(countsText(c))}</span></div>` +
    `<ol class="rollout-hosts">${r.hosts.map(hostLine).join("")}</ol>`
  );
}

/** "Order: 1 canary, then 4 batches: 10, 50, 250 and 689 (growing)": the plan fleetd made. */
function _orderLine(r: BoardRollout): string {
  const perGroup = new Map<number, number>();
  for (const h of r.hosts) if (h.phase !== "none") perGroup.set(h.group, (perGroup.get(h.group) ?? 0) + 1);
  if (perGroup.size === 0) return "";
  const canary = perGroup.get(0) ?? 0;
  const sizes = [...perGroup.entries()]
    .filter(([group]) => group > 0)
    .sort(([a], [b]) => a - b)
    .map(([, n]) => n);
  const rule = r.options.batch === undefined ? "growing batches" : `batch size ${r.options.batch}`;
  return `<p class="rollout-order" data-order>Order: ${esc(orderWords(canary, sizes))} (${esc(rule)})</p>`;
}

function hostLine(h: RolloutHost): string {
  // "none": already on the target when the rollout started, so in no group at all.
  const group = h.phase === "canary" ? "canary" : h.phase === "none" ? "already current" : `batch ${h.group}`;
  const outcome = h.outcome ? outcomeWords(h.outcome) : null;
  const generations = h.outcome ? generationsText(h.outcome) : null;
  return (
    `<li data-host="${esc(h.hostId)}" data-state="${h.state}"><span class="rh-name">${esc(h.name)}</span> ` +
    `${badge(HOST_STATE_WORDS[h.state], HOST_TONES[h.state])} <span class="muted">${esc(group)}</span>` +
    (outcome
      ? ` <span class="rh-outcome${outcome.tone === "bad" ? " bad-text" : ""}" data-outcome="${esc(h.outcome?.kind)}">${esc(outcome.text)}</span>`
      : "") +
    (generations ? ` <span class="rh-generations">${esc(generations)}</span>` : "") +
    // "updated 1.0 → 2.0" and "already at 2.0" are outcomes, not failures: red only when failed.
    (h.reason
      ? ` <span class="rh-reason${h.state === "failed" ? " bad-text" : ""}">${esc(h.reason)}</span>`
      : "") +
    `</li>`
  );
}

function controls(board: Board): string {
  const r = board.rollout;
  if (isActive(r)) {
    const toggle = r.state === "running" ? "pause" : "resume";
    return (
      `<button type="button" class="act" data-action="rollout-${toggle}" data-rollout="${esc(r.id)}">${toggle === "pause" ? "Pause" : "Resume"} rollout</button> ` +
      `<button type="button" class="act danger" data-action="rollout-cancel" data-rollout="${esc(r.id)}">Cancel rollout</button>`
    );
  }
  return `<div class="rollout-update">${updateControl(board)}</div>${deployControl(board)}`;
}

function updateControl(board: Board): string {
  if (!board.agentVersion) return `<p class="muted">fleetd serves no agent builds to roll out.</p>`;
  if (board.hosts.length === 0) return `<p class="muted">No hosts to roll out to yet.</p>`;
  const target = board.agentVersion;
  // Revoked hosts are left out of rollouts; they say nothing about what is left to update.
  if (board.hosts.every((h) => h.version === target && !h.outdated))
    return `<p class="muted" data-all-current>Every host is on ${esc(target)}: nothing to roll out.</p>`;
  const count = board.hosts.filter((h) => h.version !== target || h.outdated).length;
  return (
    `<form class="rollout-start" data-action="rollout-start" data-hosts="${count}">${sizesHtml(count)}` +
    `<button type="submit" class="act">Start rollout to ${esc(target)}</button></form>`
  );
}
