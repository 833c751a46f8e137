// fleetd SIGKILLed in the middle of a burst of writes, again and again: the data dir
// always loads, and every job fleetd acknowledged to a client is still there.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { ensureBinaries, TestFleet } from "../harness/index.ts";

const ROUNDS = 10;
const WRITERS = 8;

let fleet: TestFleet;
let hostId: string;

beforeAll(async () => {
  fleet = await TestFleet.start(await ensureBinaries());
  const agent = await fleet.addAgent("target");
  // The host only needs to exist; stop its agent so jobs stay queued.
  await agent.halt();
  hostId = (await fleet.host("target")).id;
}, 300_000);

afterAll(async () => {
  await fleet?.stop();
});

/** Creates jobs until the server stops answering; returns the ids it acknowledged. */
async function writer(acked: string[]): Promise<void> {
  for (;;) {
    try {
      const res = await fetch(`${fleet.url}/api/v1/hosts/${hostId}/jobs`, {
        method: "POST",
        headers: { authorization: `Bearer ${fleet.adminToken}`, "content-type": "application/json" },
        body: JSON.stringify({ op: "test" }),
      });
      if (res.status !== 201) return;
      acked.push((await res.json()).job.id);
    } catch {
      return;
    }
  }
}

test(`SIGKILL during a write burst, ${ROUNDS} times: every acknowledged job survives`, async () => {
  let total = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const acked: string[] = [];
    const writers = Array.from({ length: WRITERS }, () => writer(acked));
    await Bun.sleep(100 + Math.random() * 400);
    await fleet.kill();
    await Promise.all(writers);
    await fleet.restart();
    const { jobs } = await fleet.api("GET", `/api/v1/jobs?host=${hostId}&limit=1000`);
    const present = new Set(jobs.map((j: { id: string }) => j.id));
    const missing = acked.filter((id) => !present.has(id));
    expect(missing).toEqual([]);
    total += acked.length;
    // Keep the set small enough to list in one page.
    for (const id of acked) await fleet.api("POST", `/api/v1/jobs/${id}/cancel`);
  }
  console.log(`${total} acknowledged job creations across ${ROUNDS} kills, none lost`);
  expect(total).toBeGreaterThan(ROUNDS);
}, 180_000);
