// What the page knows and how it is viewing it; one object the renderers read.
import type { Board, BoardHostDetail, BoardHostVitals } from "../protocol/board.ts";
import type { ConfigStateName } from "../protocol/config-state.ts";
import type { HostState } from "./format.ts";

export type SortKey = "name" | "state" | "config" | "platform" | "lastSeen" | "version";

export interface View {
  name: string;
  state: HostState | "all";
  platform: string;
  config: ConfigStateName | "all";
  /** A host tag, or "" for any. */
  tag: string;
  sort: SortKey;
  descending: boolean;
}

export interface AppState {
  board: Board | null;
  /** The hosts' vitals, fetched apart from the board and less often (poll.ts). */
  vitals: BoardHostVitals | null;
  /** The host whose detail is open (from the URL fragment #host=ID), or null. */
  detailId: string | null;
  detail: BoardHostDetail | null;
  /** A static export opened from a file: no polling, no actions, times relative to the snapshot. */
  snapshot: boolean;
  /** Admin token set: action buttons exist. */
  admin: boolean;
  /** Server clock minus ours, so "5 s ago" is measured on fleetd's clock. */
  skewMs: number;
  view: View;
}

export const state: AppState = {
  board: null,
  vitals: null,
  detailId: null,
  detail: null,
  snapshot: false,
  admin: false,
  skewMs: 0,
  view: {
    name: "",
    state: "all",
    platform: "all",
    config: "all",
    tag: "",
    sort: "name",
    descending: false,
  },
};

/** "Now" for relative times: fleetd's clock live, the snapshot's time in an export. */
export function boardNow(): number {
  if (state.snapshot && state.board) return Date.parse(state.board.generatedAt);
  return Date.now() + state.skewMs;
}
