// The host list's controls: name filter, state, platform, config and tag filters, sortable column headers,
// summary tiles that filter, and Escape to leave a host's detail. The view they set lives in
// the address too (fragment.ts); reflectView puts it back into the controls.
import { byId } from "./dom.ts";
import type { HostState } from "./format.ts";
import { type SortKey, state, type View } from "./state.ts";

export function wireControls(render: () => void): void {
  const name = byId<HTMLInputElement>("f-name");
  const stateSelect = byId<HTMLSelectElement>("f-state");
  const platform = byId<HTMLSelectElement>("f-platform");
  const config = byId<HTMLSelectElement>("f-config");
  const tag = byId<HTMLSelectElement>("f-tag");
  const apply = () => {
    state.view.name = name.value;
    state.view.state = stateSelect.value as HostState | "all";
    state.view.platform = platform.value;
    state.view.config = config.value as View["config"];
    state.view.tag = tag.value;
    render();
  };
  const sort = byId<HTMLSelectElement>("f-sort");
  sort.addEventListener("change", () => {
    state.view.sort = sort.value as SortKey;
    state.view.descending = false;
    render();
  });
  name.addEventListener("input", apply);
  stateSelect.addEventListener("change", apply);
  platform.addEventListener("change", apply);
  config.addEventListener("change", apply);
  tag.addEventListener("change", apply);
  byId("filters").addEventListener("submit", (e) => e.preventDefault());

  byId<HTMLTableElement>("hosts").tHead!.addEventListener("click", (e) => {
    const button = (e.target as Element).closest<HTMLButtonElement>("button[data-sort]");
    if (!button) return;
    const key = button.dataset.sort as SortKey;
    state.view.descending = state.view.sort === key ? !state.view.descending : false;
    state.view.sort = key;
    render();
    // The header was re-rendered: put focus back on the same column's button.
    document.querySelector<HTMLButtonElement>(`button[data-sort="${key}"]`)?.focus();
  });

  byId("summary").addEventListener("click", (e) => {
    const tile = (e.target as Element).closest<HTMLButtonElement>("button[data-filter]");
    if (!tile) return;
    stateSelect.value = tile.dataset.filter ?? "all";
    apply();
  });
  byId("config-summary").addEventListener("click", (e) => {
    const tile = (e.target as Element).closest<HTMLButtonElement>("button[data-config]");
    if (!tile) return;
    config.value = tile.dataset.config ?? "all";
    apply();
  });

  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && state.detailId && !(e.target instanceof HTMLInputElement)) location.hash = "";
  });
}

/** The controls show state.view, e.g. after it was read from the address. */
export function reflectView(): void {
  const name = byId<HTMLInputElement>("f-name");
  if (name.value !== state.view.name) name.value = state.view.name;
  const stateSelect = byId<HTMLSelectElement>("f-state");
  if (stateSelect.value !== state.view.state) stateSelect.value = state.view.state;
  const config = byId<HTMLSelectElement>("f-config");
  if (config.value !== state.view.config) config.value = state.view.config;
  for (const [id, value] of [
    ["f-platform", state.view.platform],
    ["f-tag", state.view.tag],
  ] as const) {
    const select = byId<HTMLSelectElement>(id);
    const known = Array.from(select.options).some((o) => o.value === value);
    if (known && select.value !== value) select.value = value;
  }
}
