// What each host runs of its configuration, as fleetctl shows it: the CONFIG and GEN cells, the
// target line above the hosts table, a host's last generations. fleetd derives every state
// (server/services/config/derive.ts); this only puts it in words.
import type {
  ConfigStateName,
  ConfigTarget,
  ConfigTargetResponse,
  HostConfig,
  HostState,
  HostSystem,
} from "../../protocol/index.ts";
import { paint } from "../output.ts";
import { formatTable } from "./table.ts";
import { relativeTime } from "./time.ts";

/** Seven hex digits, as git abbreviates: enough to tell a fleet's commits apart at a glance. */
export const shortSha = (sha: string | null | undefined): string => (sha ? sha.slice(0, 7) : "-");

/** Green when nothing is to do, yellow for a step still to take, red when someone has to look. */
export function paintConfigState(state: ConfigStateName): string {
  if (state === "current") return paint.green(state);
  if (state === "failed" || state === "dirty") return paint.red(state);
  if (state === "unknown") return paint.gray(state);
  return paint.yellow(state);
}

/** "a1b2c3d behind 3", "a1b2c3d current", "- unknown": the checkout's commit and its state. */
export function formatConfigCell(config: HostConfig): string {
  const behind = config.state === "behind" && config.behindBy !== null ? ` ${config.behindBy}` : "";
  return `${shortSha(config.commit)} ${paintConfigState(config.state)}${behind}`;
}

/** "gen 412", or "-" before the host reported a generation. */
export function formatGeneration(system: HostSystem | null): string {
  return system?.generation === null || system?.generation === undefined ? "-" : `gen ${system.generation}`;
}

export function formatNeedsReboot(system: HostSystem | null): string {
  if (system?.needsReboot === null || system?.needsReboot === undefined) return "-";
  return system.needsReboot ? paint.yellow("yes") : "no";
}

const _SOURCES: Record<ConfigTarget["source"], string> = {
  repo: "from repo",
  pin: "pinned",
  hosts: "newest a host fetched",
};

/** `target a1b2c3d "subject" (from repo, 5m ago)`: the age is the commit's, else when fleetd read it. */
export function formatTargetLine(target: ConfigTarget, now = Date.now()): string {
  const subject = target.subject === null ? "" : ` ${JSON.stringify(target.subject)}`;
  const age = target.committedAt
    ? relativeTime(target.committedAt, now)
    : `checked ${relativeTime(target.checkedAt, now)}`;
  return `target ${shortSha(target.commit)}${subject} (${_SOURCES[target.source]}, ${age})`;
}

/** Why fleetd has no target, from GET /config/target: what the operator can do about it. */
export function noTargetReason(described: ConfigTargetResponse | null): string {
  if (!described) return "fleetd knows no config target";
  const { repo, error } = described;
  if (repo && error) return `fleetd cannot read ${repo.url} (${repo.branch}): ${error}`;
  if (repo) return `fleetd has not read ${repo.url} (${repo.branch}) yet; try fleetctl target refresh`;
  return "fleetd has no --config-repo and no host has reported a fetch of its config repo";
}

/** The line above the hosts table: the target, or `no target: …` saying why. */
export function formatTargetHeader(
  target: ConfigTarget | null,
  described: ConfigTargetResponse | null,
  now = Date.now(),
): string {
  return target ? formatTargetLine(target, now) : `no target: ${noTargetReason(described)}`;
}

/** A host's last generations with the commit each was built from, newest first; the active one marked. */
export function formatGenerations(
  generations: HostState["generations"],
  active: number | null,
  now = Date.now(),
): string {
  const rows = generations.map((g) => [
    String(g.generation),
    g.commit ?? "-",
    relativeTime(g.at, now),
    g.generation === active ? paint.green("active") : "",
  ]);
  return formatTable([{ header: "GEN", align: "right" }, "BUILT FROM", "SWITCHED", ""], rows);
}
