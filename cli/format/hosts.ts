// Host rows as `fleetctl hosts` shows them: a narrow table by default, `-o wide` adding what the
// status board shows (platform, CPU/memory/fullest disk of the last vitals, queue, the latest pull/switch/test, the config's lock, what the
// system was built from, tags). fleetd computes all of it (server/services/host-activity.ts and
// server/services/config/derive.ts, the same functions as the board's); this only displays it.
import type { Host, JobSummary } from "../../protocol/index.ts";
import { diskPercent, fullestDisk, memoryPercent } from "../../protocol/vitals-math.ts";
import { paint } from "../output.ts";
import { formatConfigCell, formatGeneration, formatNeedsReboot, shortSha } from "./config.ts";
import { paintState } from "./jobs.ts";
import { formatTable } from "./table.ts";
import { relativeTime } from "./time.ts";

export type HostsLayout = "narrow" | "wide";

export function formatVersion(host: Host): string {
  if (!host.version) return "-";
  return host.outdated ? `${host.version} ${paint.yellow("(outdated)")}` : host.version;
}

export function formatPlatform(host: Host): string {
  return host.platform && host.arch ? `${host.platform}/${host.arch}` : "-";
}

/** "45s", "2m", "1h05m": how long something has been going, short enough for a table cell. */
export function shortDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
}

/** The job in flight as "switch (2m)", "test 3/10 (45s)" or "pull (dispatched)". */
export function formatRunning(job: JobSummary | null, now = Date.now()): string {
  if (!job) return "-";
  const progress = job.progress ? ` ${job.progress.current}/${job.progress.total}` : "";
  const since = job.startedAt ? shortDuration(now - Date.parse(job.startedAt)) : "dispatched";
  return `${job.op}${progress} (${since})`;
}

/** A latest pull/switch/test as "succeeded 5m ago", "-" when it never ran. */
export function formatLast(job: JobSummary | null, now = Date.now()): string {
  if (!job) return "-";
  return `${paintState(job.state)} ${relativeTime(job.finishedAt ?? job.createdAt, now)}`;
}

/** A percentage as "42%", "-" when unknown. */
export function formatPercent(value: number | null | undefined): string {
  return value === null || value === undefined ? "-" : `${Math.round(value)}%`;
}

/** CPU, memory and the fullest disk of the host's last vitals sample. */
export function formatVitals(host: Host): [string, string, string] {
  const v = host.vitals;
  if (!v) return ["-", "-", "-"];
  const disk = fullestDisk(v);
  return [
    formatPercent(v.cpuPercent),
    formatPercent(memoryPercent(v)),
    disk ? `${formatPercent(disk.percent)} ${disk.disk.path}` : "-",
  ];
}

/** A host detail's vitals lines: the last sample's percentages, every disk, load and boot. */
export function formatVitalsFields(host: Host, now = Date.now()): [string, string][] {
  const v = host.vitals;
  if (!v) return [["Vitals", "none sent yet"]];
  const [cpu, mem] = formatVitals(host);
  const disks = (["root", "nix", "state"] as const).flatMap((which) => {
    const disk = v.disks[which];
    return disk ? [`${disk.path} ${formatPercent(diskPercent(disk))}`] : [];
  });
  return [
    ["Vitals", `CPU ${cpu}, MEM ${mem} (${relativeTime(v.at, now)})`],
    ["Disks", disks.length ? disks.join(", ") : "-"],
    ["Load", v.load ? v.load.map((l) => l.toFixed(2)).join(" ") : "-"],
    ["Booted", v.bootedAt ? `${relativeTime(v.bootedAt, now)} (${v.bootedAt})` : "-"],
  ];
}

function _status(host: Host): string {
  if (host.revokedAt) return paint.red("revoked");
  return host.online ? paint.green("online") : paint.red("offline");
}

export function formatHostsTable(
  hosts: readonly Host[],
  now = Date.now(),
  layout: HostsLayout = "narrow",
): string {
  const sorted = [...hosts].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  const wide = layout === "wide";
  const headers = wide
    ? [
        "NAME",
        "ID",
        "STATUS",
        "VERSION",
        "CONFIG",
        "GEN",
        "BUILT FROM",
        "LOCK",
        "NEEDS REBOOT",
        "PLATFORM",
        "CPU",
        "MEM",
        "DISK",
        "LAST SEEN",
        "RUNNING",
        "QUEUED",
        "LAST PULL",
        "LAST SWITCH",
        "LAST TEST",
        "FAILING",
        "TAGS",
      ]
    : ["NAME", "ID", "STATUS", "VERSION", "CONFIG", "GEN", "LAST SEEN", "RUNNING", "FAILING"];
  const rows = sorted.map((host) => {
    const failing = host.failing ? paint.red("yes") : "-";
    const running = formatRunning(host.running, now);
    const common = [
      host.name,
      host.id,
      _status(host),
      formatVersion(host),
      formatConfigCell(host.config),
      formatGeneration(host.system),
    ];
    if (!wide) return [...common, relativeTime(host.lastSeen, now), running, failing];
    return [
      ...common,
      shortSha(host.config.builtFrom),
      shortSha(host.config.lockHash),
      formatNeedsReboot(host.system),
      formatPlatform(host),
      ...formatVitals(host),
      relativeTime(host.lastSeen, now),
      running,
      String(host.queued),
      formatLast(host.last.pull, now),
      formatLast(host.last.switch, now),
      formatLast(host.last.test, now),
      failing,
      host.tags.length ? host.tags.join(",") : "-",
    ];
  });
  return formatTable(headers, rows);
}
