// One host in detail (#host=ID): its facts, open alerts and recent jobs, each with its tests
// and the tail of its output. Job entries are keyed <details> elements, so the ones a person
// opened stay open while the page refreshes.
import type { BoardHostDetail, BoardJobDetail } from "../protocol/board.ts";
import { compartments, configWords, shortSha } from "./compartments.ts";
import { byId, esc, patch, relTime } from "./dom.ts";
import { badge, jobBadge, platformText, progressText, runningJob } from "./format.ts";
import { hostActions, tagList } from "./hosts.ts";
import { boardNow, state } from "./state.ts";

const _jobs = new Map<string, HTMLDetailsElement>();

/** #host= names a host by id or by name (a link typed by hand: #host=db1). */
export function isDetailOf(host: { id: string; name: string }, key: string | null): boolean {
  return key !== null && (host.id === key || host.name === key);
}

export function renderDetail(detail: BoardHostDetail | null): void {
  if (!detail || !isDetailOf(detail.host, state.detailId)) {
    // Nothing of another host may linger while this one loads.
    patch(byId("detail-title"), "Host");
    patch(byId("detail-facts"), "");
    patch(byId("detail-actions"), "");
    patch(byId("detail-body"), `<p class="muted">Loading…</p>`);
    renderJobs([]);
    byId("detail-nojobs").hidden = true;
    return;
  }
  patch(byId("detail-body"), "");
  const h = detail.host;
  patch(byId("detail-title"), `Host ${esc(h.name)}`);
  const facts: [string, string][] = [
    ["State", `${h.online ? badge("online", "ok") : badge("offline", "bad")} seen ${relTime(h.lastSeen)}`],
    ["Platform", esc(platformText(h))],
    ["OS", esc(h.os ? `${h.os.distro ?? h.os.name} ${h.os.release}` : "unknown")],
    ["Agent", `${esc(h.version ?? "unknown")}${h.outdated ? ` ${badge("outdated", "warn")}` : ""}`],
    ["Running", runningJob(h.running, h.queued)],
    ["Alerts", h.alerts.length ? h.alerts.map((a) => esc(a.message)).join("<br>") : "none"],
    ["Tags", h.tags.length ? tagList(h.tags) : "none"],
    ...configFacts(detail.host),
  ];
  patch(byId("detail-facts"), facts.map(([k, v]) => `<div><dt>${esc(k)}</dt><dd>${v}</dd></div>`).join(""));
  patch(byId("detail-actions"), state.admin && !state.snapshot ? hostActions(h) : "");
  renderJobs(detail.jobs, detail.redacted === true);
}

/** The config and system as fleetd derived them, each compartment's comparison in words. */
function configFacts(h: BoardHostDetail["host"]): [string, string][] {
  const board = state.board;
  const against = {
    target: board?.target ?? null,
    agentVersion: board?.agentVersion ?? null,
    now: boardNow(),
  };
  const says = Object.fromEntries(compartments(h, against).map((c) => [c.id, esc(c.says)]));
  const c = h.config;
  const sys = h.system;
  const switched = c.switchedAt ? `, switched ${relTime(c.switchedAt)}` : "";
  const dirty = c.dirty === null ? "" : c.dirty ? ", checkout dirty" : ", checkout clean";
  return [
    ["Config", `${esc(configWords(h))} <span class="muted">${says.config}</span>`],
    ["Commit", c.commit ? `<code>${esc(c.commit)}</code>${esc(dirty)}` : "none reported"],
    ["Built from", `${c.builtFrom ? `<code>${esc(shortSha(c.builtFrom))}</code>` : "unknown"}${switched}`],
    [
      "Lock",
      c.lockHash ? `<code>${esc(c.lockHash)}</code> <span class="muted">${says.lock}</span>` : says.lock!,
    ],
    ["System", says.system!],
    ["Store path", sys?.path ? `<code>${esc(sys.path)}</code>` : "unknown"],
    ["Tests", says.tests!],
  ];
}

function renderJobs(jobs: BoardJobDetail[], redacted = false): void {
  const list = byId("detail-jobs");
  byId("detail-nojobs").hidden = jobs.length > 0;
  const keep = new Set(jobs.map((j) => j.id));
  for (const [id, el] of _jobs) {
    if (keep.has(id)) continue;
    el.remove();
    _jobs.delete(id);
  }
  let previous: Element | null = null;
  for (const job of jobs) {
    let el = _jobs.get(job.id);
    if (!el) {
      el = document.createElement("details");
      el.className = "job";
      el.dataset.job = job.id;
      el.append(document.createElement("summary"), document.createElement("div"));
      _jobs.set(job.id, el);
    }
    patch(el.children[0]!, jobSummary(job));
    patch(el.children[1]!, jobBody(job, redacted));
    const expected: Element | null = previous ? previous.nextElementSibling : list.firstElementChild;
    if (expected !== el) list.insertBefore(el, expected);
    previous = el;
  }
}

function jobSummary(job: BoardJobDetail): string {
  const counts = progressText(job);
  const progress = counts ? ` <span class="muted">${esc(counts)}</span>` : "";
  return `<span class="job-op">${esc(job.op)}</span> ${jobBadge(job)}${progress} ${relTime(job.finishedAt ?? job.startedAt ?? job.createdAt)}`;
}

function jobBody(job: BoardJobDetail, redacted: boolean): string {
  const reason = job.reason ? `<p>${esc(job.reason)}</p>` : "";
  const tests = job.tests?.length
    ? `<table class="tests"><caption>Tests</caption><thead><tr><th scope="col">Test</th><th scope="col">Result</th><th scope="col">Time</th></tr></thead><tbody>${job.tests
        .map(
          (t) =>
            `<tr><td>${esc(t.name)}</td><td>${badge(t.state.replace("_", " "), t.state === "passed" ? "ok" : "bad")}</td><td>${(t.durationMs / 1000).toFixed(1)} s</td></tr>`,
        )
        .join("")}</tbody></table>`
    : "";
  const clipped = job.outputClipped ? `<p class="muted">Earlier output left out.</p>` : "";
  const output = job.output.length
    ? `${clipped}<pre class="output" tabindex="0" aria-label="output of ${esc(job.op)} ${esc(job.id)}">${job.output
        .map((l) => `<span class="${l.stream}">${esc(l.data)}</span>`)
        .join("\n")}</pre>`
    : redacted
      ? `<p class="muted redacted-note">Output is left out of the public board: sign in with a token to see it.</p>`
      : `<p class="muted">No output.</p>`;
  return `<p class="muted">job ${esc(job.id)}, created ${relTime(job.createdAt)}</p>${reason}${tests}${output}`;
}
