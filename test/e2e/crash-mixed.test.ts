// fleetd SIGKILLed at random points of a write-heavy mixed workload, 50 times: operators creating
// jobs, agents reporting output and results, rollouts started, paused, resumed and cancelled.
// After every restart the data dir loads and every write acknowledged before the kill is there.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { ensureBinaries, TestFleet } from "../harness/index.ts";
import {
  type Api,
  agentWorker,
  allowedRolloutStates,
  call,
  type Ledger,
  newLedger,
  operatorWriter,
  rolloutWriter,
  type VirtualAgent,
} from "./crash-workload.ts";

const KILLS = Number(process.env.CRASH_KILLS ?? 50);
const AGENTS = 4;

let fleet: TestFleet;
let api: Api;
const agents: VirtualAgent[] = [];

beforeAll(async () => {
  fleet = await TestFleet.start(await ensureBinaries());
  api = { url: fleet.url, adminToken: fleet.adminToken };
  for (let i = 0; i < AGENTS; i++) {
    const token = await fleet.enrollToken();
    const r = await call(api, "", "POST", "/api/v1/enroll", { token, name: `virtual-${i}` });
    agents.push({ hostId: r.body.hostId, token: r.body.hostToken, current: null, nextSeq: 0, result: null });
  }
}, 300_000);

afterAll(async () => {
  await fleet?.stop();
});

/** Read through a call, since the workers change the ledger behind the compiler's back. */
const rolloutState = (ledger: Ledger) => ledger.rollout?.state;

/** Everything in the ledger, read back from the restarted fleetd; returns what is missing. */
async function missingAfterRestart(ledger: Ledger): Promise<string[]> {
  const missing: string[] = [];
  const ids = new Set([...ledger.created, ...ledger.output.keys(), ...ledger.results.keys()]);
  const jobs = await Promise.all(
    [...ids].map(async (id) => [id, await call(api, api.adminToken, "GET", `/api/v1/jobs/${id}`)] as const),
  );
  for (const [id, r] of jobs) {
    if (r.status !== 200) {
      missing.push(`job ${id}: ${r.status}`);
      continue;
    }
    const seqs = new Set(r.body.output.map((l: { seq: number }) => l.seq));
    const lost = [...(ledger.output.get(id) ?? [])].filter((s) => !seqs.has(s));
    if (lost.length) missing.push(`job ${id}: output seqs ${lost.join(",")}`);
    const result = ledger.results.get(id);
    if (result && r.body.job.state !== result)
      missing.push(`job ${id}: ${r.body.job.state}, acked ${result}`);
  }
  if (ledger.rollout) {
    const r = await call(api, api.adminToken, "GET", `/api/v1/rollouts/${ledger.rollout.id}`);
    const allowed = allowedRolloutStates(ledger);
    if (r.status !== 200) missing.push(`rollout ${ledger.rollout.id}: ${r.status}`);
    else if (!allowed.has(r.body.rollout.state))
      missing.push(`rollout ${ledger.rollout.id}: ${r.body.rollout.state}, allowed ${[...allowed]}`);
    else ledger.rollout = { id: ledger.rollout.id, state: r.body.rollout.state };
  }
  return missing;
}

test(`SIGKILL under jobs, results and rollout steps, ${KILLS} times: every acknowledged write survives`, async () => {
  const totals = { created: 0, lines: 0, results: 0, rolloutChanges: 0 };
  const started = performance.now();
  let rolloutLedger: Ledger["rollout"] = null;
  for (let round = 0; round < KILLS; round++) {
    const ledger = newLedger();
    ledger.rollout = rolloutLedger;
    let stopped = false;
    const stop = () => stopped;
    const hostIds = agents.map((a) => a.hostId);
    const before = rolloutState(ledger);
    const workers = [
      operatorWriter(api, hostIds, ledger, stop),
      operatorWriter(api, hostIds, ledger, stop),
      rolloutWriter(api, ledger, stop),
      ...agents.map((a) => agentWorker(api, a, ledger, stop)),
    ];
    await Bun.sleep(150 + Math.random() * 450);
    await fleet.kill();
    stopped = true;
    await Promise.all(workers);
    await fleet.restart();
    expect({ round, missing: await missingAfterRestart(ledger) }).toEqual({ round, missing: [] });
    rolloutLedger = ledger.rollout;
    totals.created += ledger.created.size;
    totals.lines += [...ledger.output.values()].reduce((n, s) => n + s.size, 0);
    totals.results += ledger.results.size;
    if (rolloutState(ledger) !== before) totals.rolloutChanges++;
    // Keep the queue short: what the agents did not get to is cancelled.
    const queued = await call(api, api.adminToken, "GET", "/api/v1/jobs?state=queued&limit=1000");
    await Promise.all(
      queued.body.jobs.map((j: { id: string }) =>
        call(api, api.adminToken, "POST", `/api/v1/jobs/${j.id}/cancel`),
      ),
    );
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${KILLS} kills in ${seconds.toFixed(0)} s; acknowledged and found again: ${totals.created} job creations, ` +
      `${totals.lines} output lines, ${totals.results} results, rollout changed in ${totals.rolloutChanges} rounds`,
  );
  expect(totals.created).toBeGreaterThan(KILLS);
  expect(totals.results).toBeGreaterThan(KILLS);
  expect(totals.rolloutChanges).toBeGreaterThan(KILLS / 5);
}, 300_000);
