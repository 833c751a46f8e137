// The status board's document: everything an operator glancing at the fleet needs, built from
// the store in one pass and kept for a moment (boardCacheMs) so that many open pages polling
// every few seconds cost one build, not one each. Its ETag leaves out generatedAt, so a page
// polling an unchanged fleet gets 304s. Host vitals are not in it (vitals/board-vitals.ts serves
// them apart): at 10,000 hosts a sample lands every few ms, and each would change the ETag.
import type { Alert } from "../../protocol/alerts.ts";
import type { Board, BoardHost, BoardHostDetail, BoardRollout, RolloutCounts } from "../../protocol/board.ts";
import { VERSION } from "../../protocol/build-info.ts";
import { ConfigStateName, type ConfigTarget } from "../../protocol/config-state.ts";
import type { OutputLine } from "../../protocol/jobs.ts";
import type { ServerContext } from "../context.ts";
import { StoreCorruptError } from "../store/load.ts";
import type { HostRecord } from "../store/records/host.ts";
import type { JobRecord } from "../store/records/job.ts";
import { type RolloutRecord, rolloutToWire } from "../store/records/rollout.ts";
import { listAlerts } from "./alerts.ts";
import { listAudit } from "./audit.ts";
import { serverConditions } from "./conditions.ts";
import { testVerdict } from "./config/derive.ts";
import { installCommand } from "./enroll.ts";
import { jobSummary } from "./host-activity.ts";
import { hostView, RECENT_JOBS_IN_HOST_DETAIL, requireHost } from "./hosts.ts";
import { activeRollout } from "./rollouts/control.ts";
import { type Versioned, versioned } from "./versioned-doc.ts";

/** Audit entries the board lists. */
export const BOARD_AUDIT_ENTRIES = 15;
/** Jobs a host's detail shows, and the output lines kept of each (the tail). */
export const BOARD_DETAIL_JOBS = Math.min(10, RECENT_JOBS_IN_HOST_DETAIL);
export const BOARD_OUTPUT_LINES = 200;

const _cache = new WeakMap<ServerContext, { at: number; value: Versioned<Board> }>();

/** The board, rebuilt when the cached one is older than boardCacheMs. */
export function currentBoard(ctx: ServerContext, now = Date.now()): Versioned<Board> {
  const cached = _cache.get(ctx);
  if (cached && now - cached.at < ctx.config.boardCacheMs) return cached.value;
  const value = versioned(buildBoard(ctx, now));
  _cache.set(ctx, { at: now, value });
  return value;
}

export function buildBoard(ctx: ServerContext, now = Date.now()): Board {
  const openAlerts = listAlerts(ctx, false);
  // One target for every host, as the hosts list compares with (services/hosts.ts listHosts).
  const { target, repo } = ctx.configTarget.describe();
  const hosts = ctx.store
    .listHosts()
    .map((record) => boardHost(ctx, record, openAlerts, now, target))
    .sort((a, b) => a.name.localeCompare(b.name));
  const online = hosts.filter((h) => h.online).length;
  return {
    generatedAt: new Date(now).toISOString(),
    serverVersion: VERSION,
    agentVersion: ctx.artifacts.manifest()?.version ?? null,
    installCommand: installCommand(ctx.publicUrl, "<enroll-token>"),
    summary: {
      hosts: hosts.length,
      online,
      offline: hosts.length - online,
      outdated: hosts.filter((h) => h.outdated).length,
      failing: hosts.filter((h) => h.failing).length,
      running: hosts.filter((h) => h.running).length,
      config: _configCounts(hosts),
    },
    target,
    configRepo: repo,
    hosts,
    rollout: boardRollout(ctx),
    alerts: openAlerts,
    conditions: serverConditions(ctx),
    audit: listAudit(ctx, { limit: BOARD_AUDIT_ENTRIES }),
  };
}

export function boardHostDetail(
  ctx: ServerContext,
  hostId: string,
  now = Date.now(),
): Versioned<BoardHostDetail> {
  const record = requireHost(ctx, hostId);
  const jobs = ctx.store.listJobs({ hostId, limit: BOARD_DETAIL_JOBS }).map((job) => {
    const { tail, clipped } = outputTail(ctx, job);
    return { ...jobSummary(job), tests: job.tests, output: tail, outputClipped: clipped };
  });
  const host = boardHost(ctx, record, listAlerts(ctx, false), now);
  return versioned({ generatedAt: new Date(now).toISOString(), host, jobs });
}

interface OutputTail {
  /** What the job's output looked like when the tail was read; a change means read again. */
  key: string;
  tail: OutputLine[];
  clipped: boolean;
}
const _tails = new WeakMap<ServerContext, Map<string, OutputTail>>();
const MAX_CACHED_TAILS = 1000;

/** One job's damaged output file must not take the whole board down: it shows none, and the log says why. */
function readOutputForBoard(ctx: ServerContext, jobId: string): OutputLine[] {
  try {
    return ctx.store.readOutput(jobId);
  } catch (err) {
    if (!(err instanceof StoreCorruptError)) throw err;
    ctx.log.error(`board: output of job ${jobId} not shown: ${err.path} is damaged (${err.problem})`);
    return [];
  }
}

/** Output lives on disk; a detail polled every few seconds reads it only when it grew. */
function outputTail(ctx: ServerContext, job: Readonly<JobRecord>): OutputTail {
  const cache = _tails.get(ctx) ?? new Map<string, OutputTail>();
  _tails.set(ctx, cache);
  const key = `${job.nextSeq}/${job.outputBytes}/${job.outputTruncated}`;
  const hit = cache.get(job.id);
  if (hit?.key === key) return hit;
  const output = readOutputForBoard(ctx, job.id);
  const entry = {
    key,
    tail: output.slice(-BOARD_OUTPUT_LINES),
    clipped: output.length > BOARD_OUTPUT_LINES || job.outputTruncated,
  };
  if (cache.size >= MAX_CACHED_TAILS) cache.clear();
  cache.set(job.id, entry);
  return entry;
}

function boardHost(
  ctx: ServerContext,
  record: Readonly<HostRecord>,
  alerts: Alert[],
  now: number,
  target: ConfigTarget | null = ctx.configTarget.current(),
): BoardHost {
  const view = hostView(ctx, record, now, alerts, target);
  const state = ctx.store.hostReportSummary(record.id);
  const verdict = testVerdict(state);
  return {
    id: view.id,
    name: view.name,
    platform: view.platform,
    arch: view.arch,
    os: view.os,
    version: view.version,
    outdated: view.outdated,
    online: view.online,
    lastSeen: view.lastSeen,
    last: view.last,
    running: view.running,
    queued: view.queued,
    failing: view.failing,
    alerts: alerts.filter((a) => a.subject === record.id),
    tags: view.tags,
    config: view.config,
    system: view.system,
    oldestLockInput: state?.checkout?.oldestLockInput ?? null,
    tests: verdict && state?.lastTest ? { verdict, at: state.lastTest.at } : null,
  };
}

function _configCounts(hosts: readonly BoardHost[]): Record<ConfigStateName, number> {
  const counts = Object.fromEntries(ConfigStateName.options.map((name) => [name, 0])) as Record<
    ConfigStateName,
    number
  >;
  for (const host of hosts) counts[host.config.state]++;
  return counts;
}

function boardRollout(ctx: ServerContext): BoardRollout | null {
  const rollout: Readonly<RolloutRecord> | undefined = activeRollout(ctx) ?? ctx.store.listRollouts().at(-1);
  if (!rollout) return null;
  const counts: RolloutCounts = {
    total: 0,
    pending: 0,
    in_progress: 0,
    soaking: 0,
    done: 0,
    skipped: 0,
    failed: 0,
  };
  for (const host of rollout.hosts) {
    counts.total++;
    counts[host.state]++;
  }
  return { ...rolloutToWire(rollout), counts };
}
