// Operators type host names, the API takes ids: every command that takes a host accepts
// either, resolved against the hosts list. Ambiguity is an error, never a guess.
import type { Host } from "../protocol/index.ts";
import type { ApiClient } from "./api.ts";
import { CliError } from "./errors.ts";
import { relativeTime } from "./format/time.ts";

/** Finds the one host `ref` names: an id first, then an exact name, then a name ignoring case. */
export function resolveHost(hosts: readonly Host[], ref: string, now = Date.now()): Host {
  const byId = hosts.find((h) => h.id === ref);
  if (byId) return byId;
  let matches = hosts.filter((h) => h.name === ref);
  if (matches.length === 0) matches = hosts.filter((h) => h.name.toLowerCase() === ref.toLowerCase());
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) {
    const listed = matches.map((h) => `  ${h.name}  id ${h.id}  last seen ${relativeTime(h.lastSeen, now)}`);
    throw new CliError(
      `host name "${ref}" matches ${matches.length} hosts; use an id:\n${listed.join("\n")}`,
    );
  }
  const known = hosts.length === 0 ? "no hosts are enrolled" : _knownHosts(hosts);
  throw new CliError(`no host with id or name "${ref}" (${known})`);
}

/** Resolves several refs with one hosts request, dropping duplicates but keeping order. */
export async function resolveHostRefs(client: ApiClient, refs: readonly string[]): Promise<Host[]> {
  const { hosts } = await client.call("listHosts");
  const seen = new Set<string>();
  const out: Host[] = [];
  for (const ref of refs) {
    const host = resolveHost(hosts, ref);
    if (!seen.has(host.id)) out.push(host);
    seen.add(host.id);
  }
  return out;
}

function _knownHosts(hosts: readonly Host[]): string {
  const names = hosts.map((h) => h.name).sort();
  if (names.length > 10) return `${names.length} hosts enrolled; see \`fleetctl hosts\``;
  return `known: ${names.join(", ")}`;
}

/** id → name of every enrolled host, so tables can show names where the API gives ids. */
export async function hostNames(client: ApiClient): Promise<Map<string, string>> {
  const { hosts } = await client.call("listHosts");
  return new Map(hosts.map((h) => [h.id, h.name]));
}
