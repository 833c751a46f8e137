// The status board's entry point. Live: polls fleetd (see poll.ts) and renders in place.
// Snapshot (`fleetctl board export`): the data is embedded in the page, nothing is fetched,
// and the page says when the snapshot was taken.
import type { Board, BoardHostDetail } from "../protocol/board.ts";
import { renderActivity } from "./activity.ts";
import { notify, renderAdminToggle, setupAdmin } from "./admin.ts";
import { wireControls } from "./controls.ts";
import { renderDetail } from "./detail.ts";
import { byId, tickTimes } from "./dom.ts";
import { renderHosts } from "./hosts.ts";
import { conditionalGet, HttpError, Poller } from "./poll.ts";
import { renderRollout } from "./rollout.ts";
import { adoptTokenFromFragment, readHeaders, setBoardToken } from "./session.ts";
import { boardNow, state } from "./state.ts";
import { renderConnection, renderSnapshotNote, showTokenForm } from "./status.ts";
import { renderSummary } from "./summary.ts";

interface Snapshot {
  board: Board;
  details: Record<string, BoardHostDetail>;
}

const etags = new Map<string, string>();
let snapshot: Snapshot | null = null;
let poller: Poller | null = null;

function render(): void {
  const board = state.board;
  renderAdminToggle();
  if (!board) return;
  renderSummary(board);
  renderHosts(board.hosts);
  renderRollout(board);
  renderActivity(board);
  byId("detail").hidden = state.detailId === null;
  byId("overview").hidden = state.detailId !== null;
  if (state.detailId) renderDetail(state.detail);
  tickTimes(document, boardNow());
}

async function round(): Promise<void> {
  const board = await conditionalGet<Board>("api/v1/board", readHeaders(), etags);
  if (board) state.board = board;
  if (board) state.skewMs = Date.parse(board.generatedAt) - Date.now();
  const id = state.detailId;
  if (id) {
    try {
      const detail = await conditionalGet<BoardHostDetail>(
        `api/v1/board/hosts/${encodeURIComponent(id)}`,
        readHeaders(),
        etags,
      );
      if (detail && state.detailId === id) state.detail = detail;
    } catch (err) {
      if (!(err instanceof HttpError && err.status === 404)) throw err;
      notify("That host no longer exists.", "bad");
      location.hash = "";
    }
  }
  render();
}

/** #host=ID opens a host's detail; anything else is the overview. */
function followFragment(focus: boolean): void {
  const previous = state.detailId;
  const id = new URLSearchParams(location.hash.slice(1)).get("host");
  state.detailId = id;
  if (id !== previous) state.detail = snapshot && id ? (snapshot.details[id] ?? null) : null;
  render();
  if (!focus) return;
  if (id) byId("detail-title").focus();
  else if (previous) document.querySelector<HTMLElement>(`tr[data-id="${CSS.escape(previous)}"] a`)?.focus();
  poller?.poke();
}

function boot(): void {
  const embedded = document.getElementById("fleet-snapshot");
  setupAdmin({ changed: render, refresh: () => poller?.poke() });
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
    document.body.classList.add("snapshot");
    renderSnapshotNote(snapshot.board.generatedAt);
    followFragment(false);
    return;
  }
  adoptTokenFromFragment();
  byId("token-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = byId<HTMLInputElement>("board-token");
    setBoardToken(input.value.trim() || null);
    input.value = "";
    byId("token-section").hidden = true;
    poller?.poke();
  });
  poller = new Poller({
    round,
    onSuccess: () => renderConnection({ ok: true }),
    onFailure: (err, retryInMs) => {
      if (err instanceof HttpError && (err.status === 401 || err.status === 403)) showTokenForm(err.message);
      renderConnection({ ok: false, err, retryInMs });
    },
  });
  followFragment(false);
  poller.start();
}

boot();
