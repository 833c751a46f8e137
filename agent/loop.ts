// The agent's life: take the lock, say hello, long-poll for commands, hand each to a
// detached runner, keep delivering spooled results, report the config state when it changed and
// the host's vitals every vitalsIntervalSeconds, reconnecting with backoff.
import { mkdirSync } from "node:fs";
import type { Command, HelloResponse } from "../protocol/agent.ts";
import { VERSION } from "../protocol/build-info.ts";
import type { Operation } from "../protocol/job-ops.ts";
import { Backoff } from "./backoff.ts";
import { AgentClient } from "./client.ts";
import { backoffLimits, loadConfig, loadCredentials } from "./config.ts";
import { helloBody } from "./identity.ts";
import { requestCancel } from "./jobs/control.ts";
import { DELIVER_INTERVAL_MS, Deliverer } from "./jobs/deliver.ts";
import { launchRunner, unstartableReason } from "./jobs/launch.ts";
import { AGENT_OPS } from "./jobs/ops/names.ts";
import { UnstartedJobs } from "./jobs/unstarted.ts";
import { tryLock } from "./lock.ts";
import { log } from "./log.ts";
import type { StatePaths } from "./paths.ts";
import { retryDelay } from "./retry-delay.ts";
import { detectServiceManager, type ServiceManager } from "./service.ts";
import { StateReporter } from "./state/reporter.ts";
import { pendingRestartFor, writeHealth } from "./update/health.ts";
import { VitalsReporter } from "./vitals/reporter.ts";

/** Ops whose delivered result is followed by a fresh read of the config state. */
const STATE_CHANGING_OPS: ReadonlySet<Operation | null> = new Set<Operation>([
  "pull",
  "switch",
  "test",
  "deploy",
  "rollback",
]);

/**
 * With nothing undelivered the deliver loop looks this often instead of every DELIVER_INTERVAL_MS.
 * Only a runner puts anything in the spool (or asks for a restart), and a runner this agent starts
 * wakes the loop at once, so the idle look is a safety net; each pass wakes the whole runtime.
 * 30 s was tried: the rollback e2e test then intermittently took 30 s longer, by a path not yet
 * found, so the net stays at 5 s (idle CPU 0.08 % over 60 s either way; bench/RESULTS.md).
 */
export const IDLE_DELIVER_INTERVAL_MS = 5_000;
/** Delivered spool dirs past their retention are removed this often. */
const PRUNE_EVERY_MS = 3600 * 1000;

export async function runAgent(paths: StatePaths): Promise<number> {
  mkdirSync(paths.jobs, { recursive: true, mode: 0o700 });
  const held = tryLock(paths.lock);
  if (!held.ok) {
    log.error(
      `another fleet-agent (pid ${held.holderPid ?? "unknown"}) is already running with state dir ${paths.root}; ` +
        "not starting a second one",
    );
    return 1;
  }
  const config = loadConfig(paths);
  const creds = loadCredentials(paths);
  const client = new AgentClient(config.server, creds.hostToken);
  const manager = detectServiceManager(config);
  const limits = backoffLimits(config);
  const reporter = new StateReporter(config, paths.root, client, limits);
  const stateWake = new Wake();
  // A delivered job that moves the checkout or the system is when the state most likely changed.
  const deliverer = new Deliverer(paths, client, manager, limits, (op) => {
    if (!STATE_CHANGING_OPS.has(op)) return;
    reporter.poke();
    stateWake.now();
  });
  const unstarted = new UnstartedJobs(client, limits);

  const stop = new AbortController();
  let exitCode = 0;
  const shutdown = (code: number, why: string) => {
    if (stop.signal.aborted) return;
    log.info(`stopping: ${why}`);
    exitCode = code;
    stop.abort();
  };
  process.on("SIGTERM", () => shutdown(0, "SIGTERM"));
  process.on("SIGINT", () => shutdown(0, "SIGINT"));

  log.info(
    `fleet-agent ${VERSION} ${config.name} (${creds.hostId}) pid ${process.pid}, server ${config.server}, ` +
      `service manager ${manager}`,
  );
  const wake = new Wake();
  const delivering = _deliverLoop(deliverer, stop.signal, wake, () => {
    const why = pendingRestartFor(paths.root, process.pid);
    if (why) shutdown(0, `restart requested: ${why}`);
  });
  const reporting = _stateLoop(reporter, stop.signal, stateWake);
  const vitals = VitalsReporter.forStateDir(config.vitalsIntervalSeconds, client, limits, paths.root);
  const sendingVitals = vitals.enabled ? _vitalsLoop(vitals, stop.signal) : Promise.resolve();
  // One backoff per request path, each reset only when its own request succeeds: a hello that
  // works says nothing about polls (fleetd answering hello but 500 to every poll, or a command
  // this agent cannot parse, spun at 7 requests/s when the hello reset a shared backoff).
  const hellos = Backoff.of(limits);
  const polls = Backoff.of(limits);
  while (!stop.signal.aborted) {
    let hello: HelloResponse;
    try {
      const { state, stateHash, tags, answered, refused } = await reporter.forHello();
      // `ops`: fleetd sends an agent only ops it lists (an older agent lists none).
      const body = { ...helloBody(deliverer.activeJobIds()), ops: AGENT_OPS, state, stateHash, tags };
      hello = await client.hello(body).catch((err: unknown) => {
        if (!refused(err)) throw err;
        return client.hello({ ...body, state: undefined });
      });
      if (answered(hello)) stateWake.now();
      _writeHealthOrWarn(paths.root, {
        pid: process.pid,
        version: body.version,
        sha256: body.sha256,
        at: Date.now(),
      });
      if (hellos.attempts > 0) log.success("connected to fleetd");
      hellos.reset();
    } catch (err) {
      if (stop.signal.aborted) break;
      await wakeableSleep(retryDelay("hello", err, hellos), stop.signal);
      continue;
    }
    // A result held back while fleetd was away goes now, not at the end of its grown delay.
    if (deliverer.retryInMs() > 0) {
      deliverer.tryNow();
      wake.now();
    }
    try {
      const retry = { polls, heldMs: limits.capMs / 2 };
      await _pollLoop(client, hello, { paths, manager, wake, unstarted }, stop.signal, retry);
    } catch (err) {
      if (stop.signal.aborted) break;
      await wakeableSleep(retryDelay("poll", err, polls), stop.signal);
    }
  }
  await Promise.all([delivering, reporting, sendingVitals]);
  held.lock.release();
  return exitCode;
}

async function _pollLoop(
  client: AgentClient,
  hello: HelloResponse,
  where: Where,
  signal: AbortSignal,
  retry: { polls: Backoff; heldMs: number },
): Promise<void> {
  while (!signal.aborted) {
    const asked = Date.now();
    let command: Command | null;
    try {
      ({ command } = await client.poll(hello.pollSeconds, signal));
    } catch (err) {
      // A poll fleetd held this long before the connection broke (fleetd restarted, a proxy's
      // read timeout) cost it no more than a capped retry does: start over instead of growing,
      // so an agent that was fine reaches a restarted fleetd as fast as a freshly started one.
      if (Date.now() - asked >= retry.heldMs) retry.polls.reset();
      throw err;
    }
    if (command) _handle(command, where);
    // Only now has the poll worked: answered, parsed and its command taken in.
    retry.polls.reset();
  }
}

interface Where {
  paths: StatePaths;
  manager: ServiceManager;
  /** Wakes the deliver loop, which idles slowly while there is nothing to deliver. */
  wake: Wake;
  /** Where a job goes that could not be written to the state dir: its failure, sent from memory. */
  unstarted: UnstartedJobs;
}

/**
 * The health note is for a self-update's gate; a state dir that cannot take it (full, read-only)
 * must not stop the agent from polling, or jobs could not even be reported failed.
 */
function _writeHealthOrWarn(stateDir: string, note: Parameters<typeof writeHealth>[1]): void {
  try {
    writeHealth(stateDir, note);
  } catch (err) {
    log.warn(`cannot write the health note in the state dir ${stateDir}: ${(err as Error).message}`);
  }
}

/**
 * Takes in one command. A local failure (state dir full or read-only) is the job's, reported to
 * fleetd with its reason at once; it must not escape into the poll loop, which would retry the
 * poll and log it as "cannot reach fleetd".
 */
function _handle(command: Command, where: Where): void {
  const { paths, manager, wake, unstarted } = where;
  const cannot = (state: "failed" | "cancelled", reason: string) => {
    log.error(`job ${command.jobId}: ${reason}`);
    unstarted.report(command.jobId, { state, exitCode: null, reason });
  };
  if (command.type === "cancel") {
    try {
      requestCancel(paths, command.jobId);
    } catch (err) {
      // Only a job this host never wrote down gets files here: it never ran.
      cannot("cancelled", `cancelled before it started (${unstartableReason(err)})`);
    }
    return;
  }
  const launch = launchRunner(paths, command, manager);
  if (launch.outcome === "started") log.info(`job ${command.jobId}: ${command.op} started`);
  else if (launch.outcome === "known")
    log.info(`job ${command.jobId}: already known, ignoring the repeated command`);
  else cannot("failed", launch.reason);
  wake.now();
}

async function _deliverLoop(
  deliverer: Deliverer,
  signal: AbortSignal,
  wake: Wake,
  checkRestart: () => void,
): Promise<void> {
  let prunedAt = Date.now();
  while (!signal.aborted) {
    const undelivered = await deliverer.tick();
    checkRestart();
    if (Date.now() - prunedAt >= PRUNE_EVERY_MS) {
      prunedAt = Date.now();
      deliverer.prune();
    }
    // While delivery backs off, sleep out its delay, but look at restart requests at least as
    // often as when idle.
    const backingOff = deliverer.retryInMs();
    const interval = undelivered > 0 ? DELIVER_INTERVAL_MS : IDLE_DELIVER_INTERVAL_MS;
    await wakeableSleep(
      backingOff > 0 ? Math.min(backingOff, IDLE_DELIVER_INTERVAL_MS) : interval,
      signal,
      wake,
    );
  }
  // One last pass so a result that just finished is not left waiting for the next start.
  await deliverer.tick();
}

/** Sleeps until the reporter has something to do: a delivered result or the interval wakes it. */
async function _stateLoop(reporter: StateReporter, signal: AbortSignal, wake: Wake): Promise<void> {
  while (!signal.aborted) {
    await reporter.tick();
    await wakeableSleep(reporter.sleepMs(), signal, wake);
  }
}

/** One timer per interval: the only wake-up vitals cost an idle agent. */
async function _vitalsLoop(reporter: VitalsReporter, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    await reporter.tick();
    await wakeableSleep(reporter.sleepMs(), signal);
  }
}

/**
 * Cuts short the deliver loop's current sleep, or, if the loop is busy with a pass, the next one:
 * a job started while a pass was running would otherwise wait out a whole idle interval.
 */
export class Wake {
  private cut: (() => void) | null = null;
  private pending = false;

  now(): void {
    if (this.cut) this.cut();
    else this.pending = true;
  }

  /** For wakeableSleep: `cut` ends the sleep in progress; null once it ended. */
  set(cut: (() => void) | null): void {
    this.cut = cut;
  }

  /** For wakeableSleep: a wake that came while no sleep was in progress, consumed. */
  takePending(): boolean {
    const was = this.pending;
    this.pending = false;
    return was;
  }
}

/**
 * Sleeps `ms`, less on stop or wake, and leaves no listener behind (it runs several times a second).
 * Exported for its own test (test/agent/wake.test.ts).
 */
export function wakeableSleep(ms: number, signal: AbortSignal, wake?: Wake): Promise<void> {
  return new Promise((resolve) => {
    // Stopped while the caller was busy: the abort event has fired already and would not end it.
    if (signal.aborted || wake?.takePending()) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      wake?.set(null);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    wake?.set(done);
  });
}
