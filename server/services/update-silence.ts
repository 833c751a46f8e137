// Why an update that went silent failed, in terms of what fleetd actually saw: whether the job
// reached the agent at all, whether the agent acknowledged it (reported it started), when it
// last reported, when the host was last heard from and whether it is offline. "Too old to know
// the update" is said only when the agent's protocol really predates the update op; a frozen
// agent is not an old one.
import { UPDATE_OP_SINCE_PROTOCOL } from "../../protocol/updates.ts";
import type { JobRecordOf } from "../store/records/job.ts";

export interface SilentUpdate {
  job: Pick<JobRecordOf<"update">, "id" | "state" | "createdAt" | "dispatchedAt" | "startedAt"> & {
    args: Pick<JobRecordOf<"update">["args"], "version">;
  };
  timeoutMs: number;
  /** ms of the agent's last report about this job (started, output, progress), if any. */
  lastReportAt: number | null;
  /** The protocol the host's agent speaks. */
  agentProtocol: number;
  /** The host's last request of any kind (its lastSeen). */
  lastHeard: string | null;
  /** ms since which the host is offline, or null while online. */
  offlineSince: number | null;
}

/** "20:43:05 UTC": these failures are read minutes after the fact, on the same day. */
const _at = (ms: number) => `${new Date(ms).toISOString().slice(11, 19)} UTC`;

export function describeSilentUpdate(s: SilentUpdate): string {
  const seconds = s.timeoutMs / 1000;
  const version = s.job.args.version;
  const dispatched = Date.parse(s.job.dispatchedAt ?? "") || 0;
  const heard = s.lastHeard ? Date.parse(s.lastHeard) : null;
  const offline = s.offlineSince === null ? "" : `; offline since ${_at(s.offlineSince)}`;
  const lastHeard =
    heard === null ? "never heard from the host" : `last heard from the host at ${_at(heard)}`;

  if (s.job.state === "queued") {
    return (
      `the update never reached the agent: it was queued at ${_at(Date.parse(s.job.createdAt))} for ` +
      `the agent's next poll, which did not come within ${seconds} s (${lastHeard}${offline}); the ` +
      "agent is hung, stopped or cut off from fleetd"
    );
  }
  if (s.job.state === "dispatched") {
    if (s.agentProtocol < UPDATE_OP_SINCE_PROTOCOL) {
      return (
        `the agent did not start the update within ${seconds} s: it speaks protocol ${s.agentProtocol}, ` +
        `older than the update command (protocol ${UPDATE_OP_SINCE_PROTOCOL}); reinstall it with this server's install.sh`
      );
    }
    // The poll that carried the command started before it went out: a later request means the
    // agent got past that poll and is talking, yet never said the job started.
    if (heard !== null && heard > dispatched && s.offlineSince === null) {
      return (
        `the agent never acknowledged the update within ${seconds} s although it is online ` +
        `(command sent at ${_at(dispatched)}, ${lastHeard}): its runner did not start or cannot report; ` +
        "see the agent's log on the host"
      );
    }
    const after =
      heard !== null && heard <= dispatched
        ? `nothing heard from the host since, last at ${_at(heard)}`
        : lastHeard;
    return (
      `the agent never acknowledged the update: the command went out on its poll at ${_at(dispatched)} ` +
      `and no report came for ${seconds} s (${after}${offline}); the agent is hung, stopped or cut off ` +
      "from fleetd"
    );
  }
  const started = Date.parse(s.job.startedAt ?? "") || dispatched;
  const reported = Math.max(started, s.lastReportAt ?? 0);
  const story = `it started at ${_at(started)} and last reported at ${_at(reported)}`;
  if (s.offlineSince === null) {
    return (
      `no word from the update and no hello on ${version} for ${seconds} s: ${story}; the host is still ` +
      "online, so the update itself is stuck (see fleetctl job and the agent's log)"
    );
  }
  return (
    `the agent acknowledged the update, then went silent: ${story}, then nothing for ${seconds} s ` +
    `(${lastHeard}${offline}) and no hello on ${version}; it is hung, stopped or cut off from fleetd`
  );
}
