// The status board's entry point. Live: polls fleetd (see poll.ts) and renders in place.
// Snapshot (`fleetctl board export`): the data is embedded in the page, nothing is fetched,
// and the page says when the snapshot was taken.
import type { Board, BoardHostDetail, BoardHostVitals } from "../protocol/board.ts";
import { ApiError } from "../protocol/errors.ts";
import { renderActivity } from "./activity.ts";
import { isAdminToken, notify, renderAdminToggle, setupAdmin, signInAsAdmin } from "./admin.ts";
import { boardApi } from "./api.ts";
import { reflectView, wireControls } from "./controls.ts";
import { setupDeploy } from "./deploy.ts";
import { renderDetail } from "./detail.ts";
import { byId, tickTimes } from "./dom.ts";
import { readFragment, syncFragment } from "./fragment.ts";
import { renderHosts } from "./hosts.ts";
import { Poller, VITALS_INTERVAL_MS } from "./poll.ts";
import { renderRollout } from "./rollout.ts";
import { wireSizes } from "./rollout-sizes.ts";
import { adoptTokenFromFragment, readToken, setBoardToken } from "./session.ts";
import { boardNow, state } from "./state.ts";
import {
  hideTokenForm,
  renderConnection,
  renderRedactedNote,
  renderSnapshotNote,
  showTokenForm,
} from "./status.ts";
import { renderSummary } from "./summary.ts";
import { renderTarget } from "./target.ts";

interface Snapshot {
  board: Board;
  details: Record<string, BoardHostDetail>;
  /** Absent from exports made before vitals left the board document. */
  vitals?: BoardHostVitals;
}

const etags = new Map<string, string>();
/** When the vitals were last asked for (performance.now()), or null before the first time. */
let vitalsAskedAt: number | null = null;
let snapshot: Snapshot | null = null;
let poller: Poller | null = null;

function render(): void {
  const board = state.board;
  renderAdminToggle();
  reflectView();
  syncFragment();
  if (!board) return;
  renderRedactedNote(board.redacted === true);
  renderSummary(board);
  renderTarget(board);
  renderHosts(board);
  renderRollout(board);
  renderActivity(board);
  byId("detail").hidden = state.detailId === null;
  byId("overview").hidden = state.detailId !== null;
  if (state.detailId) renderDetail(state.detail);
  tickTimes(document, boardNow());
}

async function round(): Promise<void> {
  const board = await boardApi.callIfChanged("board", etags);
  if (board) state.board = board;
  if (board) state.skewMs = Date.parse(board.generatedAt) - Date.now();
  if (vitalsAskedAt === null || performance.now() - vitalsAskedAt >= VITALS_INTERVAL_MS) {
    const vitals = await boardApi.callIfChanged("boardVitals", etags);
    vitalsAskedAt = performance.now();
    if (vitals) state.vitals = vitals;
  }
  const id = state.detailId;
  if (id) {
    try {
      const detail = await boardApi.callIfChanged("boardHost", etags, { params: { id } });
      if (detail && state.detailId === id) state.detail = detail;
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) throw err;
      notify("That host no longer exists.", "bad");
      // Closed here, not only by the hashchange: that comes after the render below, whose
      // syncFragment would write #host= back and keep the page on a host that is gone.
      state.detailId = null;
      state.detail = null;
      location.hash = "";
    }
  }
  render();
}

/** #host=ID (or NAME) opens a host's detail; anything else is the overview. Filters: fragment.ts. */
function followFragment(focus: boolean): void {
  const previous = state.detailId;
  const { host: id } = readFragment(location.hash);
  const previousHost = state.detail?.host ?? null;
  state.detailId = id;
  if (id !== previous) state.detail = snapshot && id ? snapshotDetail(snapshot, id) : null;
  render();
  if (!focus) return;
  if (id) byId("detail-title").focus();
  const back = previousHost?.id ?? previous;
  if (!id && back) document.querySelector<HTMLElement>(`tr[data-id="${CSS.escape(back)}"] a`)?.focus();
  poller?.poke();
}

/** A snapshot's details are keyed by id; a #host=NAME link finds its host by name. */
function snapshotDetail(snap: Snapshot, key: string): BoardHostDetail | null {
  const id = snap.board.hosts.find((h) => h.id === key || h.name === key)?.id;
  return id ? (snap.details[id] ?? null) : null;
}

function boot(): void {
  const embedded = document.getElementById("fleet-snapshot");
  setupAdmin({ changed: render, refresh: () => poller?.poke() });
  setupDeploy(() => poller?.poke());
  wireSizes(document);
  wireControls(render);
  window.addEventListener("hashchange", () => followFragment(true));
  setInterval(() => {
    tickTimes(document, boardNow());
    renderConnection();
  }, 1000);

  if (embedded) {
    snapshot = JSON.parse(embedded.textContent ?? "{}") as Snapshot;
    state.snapshot = true;
    state.admin = false;
    state.board = snapshot.board;
    state.vitals = snapshot.vitals ?? null;
    document.body.classList.add("snapshot");
    renderSnapshotNote(snapshot.board.generatedAt);
    followFragment(false);
    return;
  }
  adoptTokenFromFragment();
  byId("token-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = byId<HTMLInputElement>("board-token");
    const token = input.value.trim();
    input.value = "";
    hideTokenForm();
    // The admin token reads the board too, and also turns on admin mode: one form for both.
    if (isAdminToken(token)) void signInAsAdmin(token);
    else setBoardToken(token || null);
    poller?.poke();
  });
  byId("sign-in").addEventListener("click", () => showTokenForm(null));
  poller = new Poller({
    round,
    onSuccess: () => {
      hideTokenForm();
      renderConnection({ ok: true });
    },
    onFailure: (err, retryInMs) => {
      const refused = err instanceof ApiError && err.tokenRefused;
      if (refused) showTokenForm(err.message);
      // No token sent yet: the sign-in prompt is the answer, not an error banner.
      if (refused && !readToken()) return;
      renderConnection({ ok: false, err, retryInMs });
    },
  });
  followFragment(false);
  poller.start();
}

boot();
