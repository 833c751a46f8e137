// Hosts for the operator: the stored record plus what is derived live (presence, outdated,
// the job in flight), and deleting a host with everything it could still do.
import type { Alert } from "../../protocol/alerts.ts";
import type { ConfigTarget, HostState } from "../../protocol/config-state.ts";
import type { Host } from "../../protocol/hosts.ts";
import type { Job } from "../../protocol/jobs.ts";
import type { VitalsPoint } from "../../protocol/vitals.ts";
import { isAgentOutdated } from "../artifacts.ts";
import type { ServerContext } from "../context.ts";
import { conflict, notFound } from "../errors.ts";
import { type HostRecord, hostToWire } from "../store/records/host.ts";
import { jobToWire } from "../store/records/job.ts";
import { listAlerts, resolveAlertsAbout } from "./alerts.ts";
import { recordAudit } from "./audit.ts";
import { hostConfigOf } from "./config/host-config.ts";
import { hostActivity } from "./host-activity.ts";
import { isInFlight } from "./job-in-flight.ts";
import { finishJob } from "./job-lifecycle.ts";

/** How many of a host's jobs its detail view shows. */
export const RECENT_JOBS_IN_HOST_DETAIL = 20;

/** `openAlerts` and `target`: fetched once by a caller that views many hosts. */
export function hostView(
  ctx: ServerContext,
  record: Readonly<HostRecord>,
  now = Date.now(),
  openAlerts: readonly Alert[] = listAlerts(ctx, false),
  target: ConfigTarget | null = ctx.configTarget.current(),
): Host {
  const activity = hostActivity(ctx, record.id, openAlerts);
  return hostToWire(record, {
    ...hostConfigOf(ctx, record, target),
    // A poll answered as the host was revoked would otherwise keep it "online" for a while.
    online: !record.revokedAt && ctx.coordinator.presence.isOnline(record.id, now),
    outdated: isAgentOutdated(ctx.artifacts.manifest(), record),
    runningJobId: activity.running?.id ?? null,
    vitals: ctx.vitals.last(record.id),
    ...activity,
  });
}

/** Every host (or those with `tag`), and the target their config was compared with. */
export function listHosts(ctx: ServerContext, filter: { tag?: string } = {}) {
  const now = Date.now();
  const openAlerts = listAlerts(ctx, false);
  const target = ctx.configTarget.current();
  const { tag } = filter;
  const hosts = ctx.store
    .listHosts()
    .filter((record) => tag === undefined || record.tags?.includes(tag))
    .map((record) => hostView(ctx, record, now, openAlerts, target))
    .sort((a, b) => a.name.localeCompare(b.name));
  return { hosts, target };
}

export function requireHost(ctx: ServerContext, hostId: string): Readonly<HostRecord> {
  const record = ctx.store.getHost(hostId);
  if (!record) throw noSuchHost(hostId);
  return record;
}

export const noSuchHost = (hostId: string) => notFound(`no host with id "${hostId}"`);

export const hostRevoked = (record: Readonly<HostRecord>) =>
  conflict(
    `host ${record.name} (${record.id}) was revoked at ${record.revokedAt}; it cannot run jobs (enroll it again)`,
  );

export function hostDetail(
  ctx: ServerContext,
  hostId: string,
): { host: Host; recentJobs: Job[]; state: HostState | null; vitals: VitalsPoint[] } {
  const record = requireHost(ctx, hostId);
  const recentJobs = ctx.store.listJobs({ hostId, limit: RECENT_JOBS_IN_HOST_DETAIL }).map(jobToWire);
  return {
    host: hostView(ctx, record),
    recentJobs,
    state: ctx.store.readHostReport(hostId),
    vitals: ctx.vitals.hour(hostId),
  };
}

/** Revokes the host's token and ends its jobs: nobody can report them any more. */
export async function deleteHost(ctx: ServerContext, hostId: string, actor: string): Promise<void> {
  const record = requireHost(ctx, hostId);
  const removal = ctx.store.deleteHost(hostId);
  _cutOff(ctx, hostId);
  ctx.vitals.forget(hostId);
  await Promise.all([removal, ..._endJobs(ctx, hostId, actor, "host was deleted")]);
  await recordAudit(ctx, actor, "host.deleted", hostId, { name: record.name });
  await resolveAlertsAbout(ctx, hostId, `host ${record.name} was deleted`);
  ctx.log.info(`host ${record.name} (${hostId}) deleted`);
}

/**
 * Invalidates the host's token (a stolen or retired machine) but keeps its record and history.
 * The change is in memory before anything is awaited, so the very next request is refused.
 */
export async function revokeHost(ctx: ServerContext, hostId: string, actor: string): Promise<Host> {
  for (;;) {
    const record = requireHost(ctx, hostId);
    if (record.revokedAt)
      throw conflict(`host ${record.name} (${hostId}) was already revoked at ${record.revokedAt}`);
    const revoked: HostRecord = { ...record, revokedAt: new Date().toISOString() };
    const saved = ctx.repo.updateHost(record, revoked);
    _cutOff(ctx, hostId);
    const [outcome] = await Promise.all([saved, ..._endJobs(ctx, hostId, actor, "host's token was revoked")]);
    // A hello or another revoke wrote the host since it was read: look again.
    if (outcome.kind === "changed_meanwhile") continue;
    await recordAudit(ctx, actor, "host.revoked", hostId, { name: record.name });
    await resolveAlertsAbout(ctx, hostId, `host ${record.name} was revoked`);
    ctx.log.info(`host ${record.name} (${hostId}): token revoked`);
    return hostView(ctx, revoked);
  }
}

/** A host that may no longer be given work. */
export function requireUsableHost(ctx: ServerContext, hostId: string): Readonly<HostRecord> {
  const record = requireHost(ctx, hostId);
  if (record.revokedAt) throw hostRevoked(record);
  return record;
}

/** Answers the host's held poll and forgets its presence. */
function _cutOff(ctx: ServerContext, hostId: string): void {
  ctx.hub.endHost(hostId);
  ctx.coordinator.presence.forget(hostId);
}

/** Queued jobs are cancelled; ones the host holds are lost, since it can no longer report them. */
function _endJobs(ctx: ServerContext, hostId: string, actor: string, why: string): Promise<unknown>[] {
  return ctx.store
    .activeJobs(hostId)
    .map((job) =>
      isInFlight(job)
        ? finishJob(ctx, job, { state: "lost", reason: `${why} during the job` }, actor, "job.lost")
        : finishJob(ctx, job, { state: "cancelled", reason: why }, actor, "job.cancelled"),
    );
}
