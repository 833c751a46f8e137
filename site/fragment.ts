// The page's address says what it shows, so a reload or a shared link shows the same thing: the
// open host (#host=ID or #host=NAME) and the host list's filters and sort
// (#state=failing&platform=linux&config=behind&tag=web&q=web&sort=state&desc=1). Defaults are left out of it. The
// fragment never reaches fleetd.
import { type SortKey, state, type View } from "./state.ts";

const SORTS: readonly SortKey[] = ["name", "state", "config", "platform", "lastSeen", "version"];
const STATES: readonly View["state"][] = ["all", "ok", "offline", "failing", "outdated", "running"];
// The protocol's ConfigStateName, spelt out: the page bundles no zod.
const CONFIGS: readonly View["config"][] = [
  "all",
  "current",
  "untested",
  "pulled",
  "behind",
  "dirty",
  "failed",
  "unknown",
];
const VIEW_KEYS = ["q", "state", "platform", "config", "tag", "sort", "desc"];

/** Takes the view from the fragment when it names any of it; a bare #host= keeps the current one. */
export function readFragment(hash: string): { host: string | null } {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  if (VIEW_KEYS.some((key) => params.has(key))) {
    const wantedState = params.get("state") as View["state"] | null;
    const sort = params.get("sort") as SortKey | null;
    const config = params.get("config") as View["config"] | null;
    state.view = {
      name: params.get("q") ?? "",
      state: wantedState && STATES.includes(wantedState) ? wantedState : "all",
      platform: params.get("platform") ?? "all",
      config: config && CONFIGS.includes(config) ? config : "all",
      tag: params.get("tag") ?? "",
      sort: sort && SORTS.includes(sort) ? sort : "name",
      descending: params.get("desc") === "1",
    };
  }
  return { host: params.get("host") || null };
}

/** The fragment for what the page shows now: the open host, then the view where not default. */
export function currentFragment(): string {
  const params = new URLSearchParams();
  if (state.detailId) params.set("host", state.detailId);
  const { name, state: wanted, platform, config, tag, sort, descending } = state.view;
  if (name) params.set("q", name);
  if (wanted !== "all") params.set("state", wanted);
  if (platform !== "all") params.set("platform", platform);
  if (config !== "all") params.set("config", config);
  if (tag) params.set("tag", tag);
  if (sort !== "name") params.set("sort", sort);
  if (descending) params.set("desc", "1");
  const text = params.toString();
  return text ? `#${text}` : "";
}

/** Rewrites the address in place (no history entry, no hashchange) when it no longer matches. */
export function syncFragment(): void {
  const wanted = currentFragment();
  // An in-page anchor (#hosts-h, from the skip link or "← All hosts") is left alone until the
  // view has something to say.
  const shown = /[=]/.test(location.hash) ? location.hash : "";
  if (shown === wanted || (!wanted && !shown)) return;
  history.replaceState(null, "", `${location.pathname}${location.search}${wanted}`);
}
