// An agent's hello: who it is now (version, hash, boot), whether it is current, and what it
// still holds. Jobs the server handed out but the agent has no record of are settled here.
import type { Hello, HelloResponse } from "../../protocol/agent.ts";
import { VERSION } from "../../protocol/build-info.ts";
import { PROTOCOL_VERSION } from "../../protocol/common.ts";
import { isAgentOutdated } from "../artifacts.ts";
import type { ServerContext } from "../context.ts";
import { ApiError, unauthorized } from "../errors.ts";
import type { SettleUnheldOutcome } from "../repository/types.ts";
import type { HostRecord } from "../store/records/host.ts";
import { noteReportedState, stateChanged } from "./config/report.ts";
import { isInFlight } from "./job-in-flight.ts";
import { afterJobEnded } from "./job-lifecycle.ts";
import { lastSeenStamp } from "./last-seen.ts";
import { kickRollouts } from "./rollouts/worker.ts";
import { noteUpdateHello } from "./updates.ts";

export const AGENT_FORGOT_JOB = "agent restarted without a record of this job";

/** Checked before the rest of the body, so an agent from another protocol hears why, not a schema error. */
export function assertProtocol(body: unknown): void {
  const protocol = (body as { protocol?: unknown } | null)?.protocol;
  if (typeof protocol !== "number" || protocol === PROTOCOL_VERSION) return;
  const action =
    protocol < PROTOCOL_VERSION
      ? "update the agent (reinstall it from this server's install.sh)"
      : "upgrade fleetd to the release the agent came from";
  throw new ApiError(
    409,
    "protocol_mismatch",
    `agent speaks protocol ${protocol}, fleetd ${VERSION} speaks protocol ${PROTOCOL_VERSION}: ${action}`,
    { details: { agentProtocol: protocol, serverProtocol: PROTOCOL_VERSION } },
  );
}

export async function recordHello(ctx: ServerContext, hostId: string, hello: Hello): Promise<HelloResponse> {
  const host = ctx.store.getHost(hostId);
  if (!host) throw unauthorized("host token revoked");
  if (host.version !== hello.version || host.sha256 !== hello.sha256) {
    ctx.log.info(
      `host ${host.name} (${hostId}) runs fleet-agent ${hello.version} (${hello.sha256.slice(0, 12)})`,
    );
  }
  const lastSeen = lastSeenStamp();
  const state = stateChanged(ctx, hostId, hello.state) ? hello.state : undefined;
  const persist = _saveHost(ctx, hostId, hello, lastSeen);
  const report = state && ctx.store.putHostReport(hostId, state);
  const [updated] = await Promise.all([
    persist,
    report,
    reconcileJobs(ctx, hostId, new Set(hello.activeJobs)),
  ]);
  if (state) await noteReportedState(ctx, state);
  noteUpdateHello(ctx, hostId, hello);
  // The host may be what a rollout waits for: back online, or on the target now.
  kickRollouts(ctx);
  return {
    protocol: PROTOCOL_VERSION,
    serverVersion: VERSION,
    pollSeconds: Math.max(1, Math.ceil(ctx.config.pollWindowMs / 1000)),
    outdated: isAgentOutdated(ctx.artifacts.manifest(), updated),
    stateWanted: _stateWanted(ctx, hostId, hello),
  };
}

/**
 * An agent reconnecting unchanged (a network blip, fleetd restarted under a whole fleet) changes
 * only lastSeen: no rewrite of hosts.json for it, so a reconnect storm costs no disk writes. A
 * change is written only onto the record it was made from, so it cannot undo a revoke.
 */
async function _saveHost(
  ctx: ServerContext,
  hostId: string,
  hello: Hello,
  lastSeen: string,
): Promise<HostRecord> {
  for (;;) {
    const host = ctx.store.getHost(hostId);
    if (!host) throw unauthorized("host token revoked");
    const updated = _helloed(host, hello, lastSeen);
    if (!_identityChanged(host, updated)) {
      ctx.store.recordLastSeen(hostId, lastSeen);
      return updated;
    }
    if ((await ctx.repo.updateHost(host, updated)).kind === "updated") return updated;
  }
}

function _helloed(host: Readonly<HostRecord>, hello: Hello, lastSeen: string): HostRecord {
  const updated: HostRecord = {
    ...host,
    lastSeen,
    version: hello.version,
    sha256: hello.sha256,
    platform: hello.platform,
    arch: hello.arch,
    hostname: hello.hostname,
    os: hello.os,
    pid: hello.pid,
    bootId: hello.bootId,
    // Left out of the hello (an older agent, or nothing changed), what is stored stays.
    tags: hello.tags ?? host.tags,
  };
  // An agent that sends no ops is one from before `deploy`: what it runs is LEGACY_AGENT_OPS.
  if (hello.ops) updated.ops = hello.ops;
  else delete updated.ops;
  return updated;
}

/** A state named by hash that is not the one stored (a restored data dir, a re-enrolled host). */
function _stateWanted(ctx: ServerContext, hostId: string, hello: Hello): boolean {
  if (hello.state !== undefined || hello.stateHash === undefined) return false;
  return ctx.store.hostReportHash(hostId) !== hello.stateHash;
}

const _IDENTITY_FIELDS = [
  "version",
  "sha256",
  "platform",
  "arch",
  "hostname",
  "os",
  "pid",
  "bootId",
  "tags",
  "ops",
] as const;

function _identityChanged(before: Readonly<HostRecord>, after: HostRecord): boolean {
  return _IDENTITY_FIELDS.some((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
}

const CANCELLED_BEFORE_START = "cancelled by operator before the agent started it";

/**
 * A dispatched job the agent does not hold never reached it: it goes back to the queue (or ends,
 * if the operator cancelled it meanwhile). A running job it does not hold died with its runner's
 * record: it is lost. The repository decides which (settleUnheldJob). Cancels are re-armed, since
 * a new agent process has not seen them.
 */
async function reconcileJobs(ctx: ServerContext, hostId: string, held: ReadonlySet<string>): Promise<void> {
  const settles: Promise<SettleUnheldOutcome>[] = [];
  for (const job of ctx.store.activeJobs(hostId)) {
    ctx.deliveredCancels.delete(job.id);
    if (held.has(job.id) || !isInFlight(job)) continue;
    const settle = ctx.repo.settleUnheldJob(job.id, UNHELD_REASONS, new Date());
    // Each ending is followed up on its own, so one refused write does not skip the others' audit.
    settles.push(settle.then((outcome) => _afterSettled(ctx, hostId, outcome)));
  }
  const outcomes = await Promise.all(settles);
  if (outcomes.some((o) => o.kind === "requeued")) ctx.coordinator.wake(hostId);
}

/** A job the repository ended is audited, counted and told like any other ending. */
async function _afterSettled(
  ctx: ServerContext,
  hostId: string,
  outcome: SettleUnheldOutcome,
): Promise<SettleUnheldOutcome> {
  if (outcome.kind !== "ended") return outcome;
  const { job } = outcome;
  const ending = { state: job.state, ...(job.reason !== undefined ? { reason: job.reason } : {}) };
  const action = job.state === "cancelled" ? "job.cancelled" : "job.lost";
  await afterJobEnded(ctx, job, ending, `host:${hostId}`, action);
  return outcome;
}

const UNHELD_REASONS = { cancelled: CANCELLED_BEFORE_START, lost: AGENT_FORGOT_JOB };
