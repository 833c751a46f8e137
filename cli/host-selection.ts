// Which hosts a command acts on: named ones, --all, or --tag (the hosts whose config.json lists
// that tag, as fleetd filters them). One of the three, never a mix, so `run pull web1 --tag db`
// cannot be read two ways; a tag that matches nothing is an error, not a silent no-op.

import type { Host } from "../protocol/index.ts";
import { HostTag } from "../protocol/index.ts";
import type { ApiClient } from "./api.ts";
import { CliError } from "./errors.ts";
import { resolveHostRefs } from "./resolve-host.ts";

/** A --tag value checked as fleetd checks tags, so a typo is refused here with the rule. */
export function parseTag(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const parsed = HostTag.safeParse(raw);
  if (!parsed.success) throw new CliError(`--tag "${raw}": ${parsed.error.issues[0]?.message ?? "invalid"}`);
  return parsed.data;
}

export interface HostSelection {
  refs: readonly string[];
  all: boolean;
  tag: string | undefined;
}

/** Refuses a mix of names, --all and --tag, or none of them; checked before anything is sent. */
export function checkSelection({ refs, all, tag }: HostSelection): void {
  const given = [refs.length > 0, all, tag !== undefined].filter(Boolean).length;
  if (given > 1) throw new CliError("give host names, --all or --tag, only one of them");
  if (given === 0) throw new CliError("which hosts? give host ids/names, --all or --tag <tag>");
}

export async function selectHosts(client: ApiClient, selection: HostSelection): Promise<Host[]> {
  checkSelection(selection);
  const { refs, all, tag } = selection;
  if (refs.length) return resolveHostRefs(client, refs);
  const { hosts } = await client.call("listHosts", { query: tag ? { tag } : {} });
  if (all && hosts.length === 0) throw new CliError("no hosts are enrolled");
  if (tag && hosts.length === 0)
    throw new CliError(
      `no host is tagged "${tag}" (a host's tags are in its config.json; see fleetctl hosts -o wide)`,
    );
  return hosts;
}
