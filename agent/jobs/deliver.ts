// Delivers what runners spooled: output in batches, then the result, each exactly once
// (the server dedupes output by seq and records a result once). Runs in whichever agent
// process is alive, so a result finished while no agent was running is sent by the next.
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { writeFileAtomic } from "../../lib/atomic-write.ts";
import { ApiError } from "../../protocol/errors.ts";
import type { JobEvents, JobResult, Operation, OutputLine, Progress } from "../../protocol/index.ts";
import { Backoff, type BackoffLimits } from "../backoff.ts";
import { type AgentClient, AUTH_RETRY_MS } from "../client.ts";
import { isLocked } from "../lock.ts";
import { log } from "../log.ts";
import type { StatePaths } from "../paths.ts";
import type { ServiceManager } from "../service.ts";
import { startRunnerProcess } from "./launch.ts";
import { jobFiles, readEventsFrom, readJobCommand, readJobResult, undeliveredJobIds } from "./spool.ts";

/** How often undelivered output is looked for while fleetd takes it; failures back off instead. */
export const DELIVER_INTERVAL_MS = 200;
const MAX_BATCH_LINES = 500;
/** How long a runner may take to take its lock and write its start event. */
const RUNNER_START_GRACE_MS = 5_000;
const MAX_RUNNER_LAUNCHES = 2;
/** Delivered spool dirs are kept this long for `fleet-agent status` and post-mortems. */
export const DELIVERED_RETENTION_MS = 24 * 3600 * 1000;

interface Cursor {
  offset: number;
  /** Unsent events read from the spool. */
  output: OutputLine[];
  progress?: Progress;
  started: boolean;
  startSent: boolean;
}

export class Deliverer {
  private cursors = new Map<string, Cursor>();
  private relaunches = new Map<string, number>();
  /** A delivery failed: no request before this time. */
  private retryAt = 0;
  /** Grows with every failed delivery request, whatever the failure; reset only when one succeeds. */
  private readonly backoff: Backoff;

  constructor(
    private readonly paths: StatePaths,
    private readonly client: AgentClient,
    private readonly manager: ServiceManager,
    limits?: BackoffLimits,
    /** Told the op of every job whose result fleetd took (the config state may have changed). */
    private readonly onDelivered: (op: Operation | null) => void = () => {},
  ) {
    this.backoff = limits ? Backoff.of(limits) : new Backoff();
  }

  /** How long until the next delivery may be tried (0: now). */
  retryInMs(now = Date.now()): number {
    return Math.max(0, this.retryAt - now);
  }

  /**
   * fleetd just answered a hello: try the next delivery now rather than at the end of a delay
   * grown while fleetd was down. The backoff is not reset, so if delivery still fails (fleetd
   * answers hellos but not results) the next delay is longer, not back to the first.
   */
  tryNow(): void {
    this.retryAt = 0;
  }

  activeJobIds(): string[] {
    return undeliveredJobIds(this.paths.jobs);
  }

  /**
   * One pass over every undelivered job; answers how many there were. A failed request ends the
   * pass and holds off the next one (retryInMs), so no path to fleetd is tried every tick.
   */
  async tick(): Promise<number> {
    if (this.retryInMs() > 0) return this.activeJobIds().length;
    const ids = this.activeJobIds();
    for (const id of ids) {
      try {
        await this._deliver(id);
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) {
          // The server has no such job for this host (deleted, or a different server):
          // nothing will ever accept it; stop retrying.
          log.warn(`job ${id}: server does not know it (${err.message}); dropping its spool`);
          writeFileAtomic(jobFiles(this.paths.job(id)).delivered, "unknown to server\n");
          return ids.length;
        }
        this._failed(id, err);
        return ids.length;
      }
    }
    return ids.length;
  }

  private _failed(id: string, err: unknown): void {
    let delay = this.backoff.next();
    if (err instanceof ApiError && err.tokenRefused) delay = Math.max(delay, AUTH_RETRY_MS);
    if (err instanceof ApiError && err.status === 429) delay = Math.max(delay, AUTH_RETRY_MS);
    if (err instanceof ApiError) delay = Math.max(delay, err.retryAfterMs);
    this.retryAt = Date.now() + delay;
    // The main loop already says why a token is refused, once per retry of its own.
    if (err instanceof ApiError && err.tokenRefused) return;
    log.warn(
      `job ${id}: cannot deliver (${(err as Error).message}); retrying in ${(delay / 1000).toFixed(1)} s`,
    );
  }

  /** A delivery request succeeded: the next failure starts the backoff over. */
  private _sent(): void {
    this.backoff.reset();
  }

  private async _deliver(id: string): Promise<void> {
    const files = jobFiles(this.paths.job(id));
    const cursor = this.cursors.get(id) ?? { offset: 0, output: [], started: false, startSent: false };
    this.cursors.set(id, cursor);
    // The result must be read before the events: the runner writes all events first.
    const result = readJobResult(files);
    const read = readEventsFrom(files.events, cursor.offset);
    cursor.offset = read.offset;
    for (const ev of read.events) {
      if (ev.t === "start") cursor.started = true;
      else if (ev.t === "progress") cursor.progress = ev.progress;
      else cursor.output.push({ seq: ev.seq, ts: ev.ts, stream: ev.stream, data: ev.data });
    }
    while (cursor.output.length > 0 || cursor.progress || (cursor.started && !cursor.startSent)) {
      const batch: JobEvents = { output: cursor.output.slice(0, MAX_BATCH_LINES) };
      if (cursor.started && !cursor.startSent) batch.started = true;
      if (cursor.progress) batch.progress = cursor.progress;
      await this.client.events(id, batch);
      this._sent();
      cursor.output = cursor.output.slice(batch.output.length);
      cursor.startSent = true;
      if (batch.progress === cursor.progress) cursor.progress = undefined;
    }
    if (result) {
      await this.client.result(id, result);
      this._sent();
      writeFileAtomic(files.delivered, `${new Date().toISOString()}\n`);
      this.cursors.delete(id);
      log.info(`job ${id}: result ${result.state} delivered`);
      this.onDelivered(readJobCommand(files)?.op ?? null);
      return;
    }
    if (existsSync(files.job) && !isLocked(files.runnerLock) && !readJobResult(files))
      this._runnerGone(id, files);
  }

  /**
   * No runner holds the lock and there is no result. If the runner never wrote its start
   * event it may simply not have started yet (or the agent died between writing job.json
   * and spawning it): give it a moment, then start it again. If it had started, it died
   * (reboot, OOM, kill -9) and the job failed.
   */
  private _runnerGone(id: string, files: ReturnType<typeof jobFiles>): void {
    if (!existsSync(files.events)) {
      const age = Date.now() - statSync(files.job).mtimeMs;
      const attempts = this.relaunches.get(id) ?? 0;
      if (age < RUNNER_START_GRACE_MS * (attempts + 1)) return;
      if (attempts < MAX_RUNNER_LAUNCHES) {
        this.relaunches.set(id, attempts + 1);
        log.warn(`job ${id}: runner never started; starting it again`);
        startRunnerProcess(this.paths, id, this.manager);
        return;
      }
    }
    const died: JobResult = {
      state: "failed",
      exitCode: null,
      reason: existsSync(files.events)
        ? "the job's runner process died before it finished (host rebooted or runner was killed)"
        : `the job's runner could not be started (${MAX_RUNNER_LAUNCHES} attempts; see runner.log)`,
    };
    writeFileAtomic(files.result, JSON.stringify(died));
  }

  /** Removes spool dirs delivered longer ago than the retention. */
  prune(now = Date.now()): void {
    if (!existsSync(this.paths.jobs)) return;
    for (const id of readdirSync(this.paths.jobs)) {
      const { delivered, dir } = jobFiles(this.paths.job(id));
      try {
        if (now - statSync(delivered).mtimeMs > DELIVERED_RETENTION_MS)
          rmSync(dir, { recursive: true, force: true });
      } catch {
        // not delivered yet
      }
    }
  }
}
