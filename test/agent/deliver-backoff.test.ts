// Delivery backs off on every kind of failure — an HTTP error, no connection, an answer it cannot
// parse, a refused token, a Retry-After — and only a delivery that succeeds starts it over. (It
// used to back off on 401/403/429 only, and retried a 500 every 200 ms.)
import { expect, test } from "bun:test";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { type AgentClient, AUTH_RETRY_MS } from "../../agent/client.ts";
import { Deliverer } from "../../agent/jobs/deliver.ts";
import { jobFiles } from "../../agent/jobs/spool.ts";
import { statePaths } from "../../agent/paths.ts";
import { ApiError, RETRY_AFTER_MAX_MS } from "../../protocol/errors.ts";
import { tempDir } from "../harness/index.ts";

const LIMITS = { baseMs: 100, capMs: 800 };

/** As the client makes it from an answer with Retry-After: `header`. */
const retryAfter = (status: number, header: string) =>
  new ApiError(status, status === 429 ? "rate_limited" : "internal", "starting up", {
    headers: { "retry-after": header },
  });

/** A deliverer with one finished job spooled, and a fake fleetd that answers with `answer`. */
function setup() {
  const paths = statePaths(tempDir("deliver-backoff"));
  const files = jobFiles(paths.job("j_1"));
  mkdirSync(files.dir, { recursive: true });
  writeFileSync(files.result, JSON.stringify({ state: "succeeded", exitCode: 0 }));
  const calls: number[] = [];
  const fake = { answer: (): unknown => ({ ok: true }) };
  const client = {
    result: async () => {
      calls.push(Date.now());
      const answer = fake.answer();
      if (answer instanceof Error) throw answer;
      return answer;
    },
  } as unknown as AgentClient;
  return { deliverer: new Deliverer(paths, client, "none", LIMITS), calls, fake, files };
}

const failures: [string, () => Error][] = [
  ["HTTP 500", () => new ApiError(500, "internal", "fleetd is sick")],
  ["no connection", () => new ApiError(0, "unreachable", "cannot reach fleetd at http://x (ECONNREFUSED)")],
  ["unparseable answer", () => new ApiError(200, "bad_response", "agentJobResult: unexpected response")],
  ["a proxy's 502 page", () => new ApiError(502, "bad_response", "agentJobResult: HTTP 502, not JSON")],
];

for (const [kind, error] of failures) {
  test(`${kind}: no request while backing off, and each failure waits longer up to the cap`, async () => {
    const { deliverer, calls, fake } = setup();
    fake.answer = error;
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      await deliverer.tick();
      waits.push(deliverer.retryInMs());
      for (let j = 0; j < 5; j++) await deliverer.tick(); // ticks inside the wait send nothing
      expect(calls).toHaveLength(i + 1);
      await Bun.sleep(deliverer.retryInMs() + 5);
    }
    // each wait in [ceiling/2, ceiling]
    const ceilings = [100, 200, 400, 800, 800, 800];
    waits.forEach((w, i) => {
      expect(w).toBeGreaterThanOrEqual(ceilings[i]! / 2 - 5);
      expect(w).toBeLessThanOrEqual(ceilings[i]!);
    });
  });
}

test("only a delivery that succeeds starts the backoff over", async () => {
  const { deliverer, fake, files } = setup();
  fake.answer = failures[0]![1];
  for (let i = 0; i < 4; i++) {
    await deliverer.tick();
    await Bun.sleep(deliverer.retryInMs() + 5);
  }
  fake.answer = () => ({ ok: true });
  await deliverer.tick();
  expect(existsSync(files.delivered)).toBe(true);
  expect(deliverer.retryInMs()).toBe(0);

  const again = jobFiles(files.dir.replace(/j_1$/, "j_2"));
  mkdirSync(again.dir, { recursive: true });
  writeFileSync(again.result, JSON.stringify({ state: "succeeded", exitCode: 0 }));
  fake.answer = failures[0]![1];
  await deliverer.tick();
  expect(deliverer.retryInMs()).toBeLessThanOrEqual(LIMITS.baseMs); // the first step again
});

test("tryNow (a hello was answered) sends at once but does not reset: a failure then waits longer", async () => {
  const { deliverer, calls, fake } = setup();
  fake.answer = failures[0]![1];
  await deliverer.tick();
  await Bun.sleep(deliverer.retryInMs() + 5);
  await deliverer.tick();
  await Bun.sleep(deliverer.retryInMs() + 5);
  await deliverer.tick(); // third failure: ceiling 400
  expect(deliverer.retryInMs()).toBeGreaterThan(0);
  deliverer.tryNow();
  await deliverer.tick();
  expect(calls).toHaveLength(4);
  expect(deliverer.retryInMs()).toBeGreaterThanOrEqual(800 / 2 - 5); // fourth failure: ceiling 800
});

test("a refused token waits at least AUTH_RETRY_MS; a Retry-After is honoured", async () => {
  const refused = setup();
  refused.fake.answer = () => new ApiError(401, "unauthorized", "this host's token was revoked");
  await refused.deliverer.tick();
  expect(refused.deliverer.retryInMs()).toBeGreaterThan(AUTH_RETRY_MS - 1000);

  const busy = setup();
  busy.fake.answer = () => retryAfter(503, "7");
  await busy.deliverer.tick();
  expect(busy.deliverer.retryInMs()).toBeGreaterThan(6_000);
  expect(busy.deliverer.retryInMs()).toBeLessThanOrEqual(7_000);
});

test("Retry-After: seconds are honoured up to RETRY_AFTER_MAX_MS; dates and junk count as none", () => {
  expect(retryAfter(503, "7").retryAfterMs).toBe(7_000);
  expect(retryAfter(429, "86400").retryAfterMs).toBe(RETRY_AFTER_MAX_MS);
  expect(new ApiError(503, "internal", "starting up").retryAfterMs).toBe(0);
  expect(retryAfter(503, "-3").retryAfterMs).toBe(0);
  expect(retryAfter(503, "Wed, 21 Oct 2015 07:28:00 GMT").retryAfterMs).toBe(0);
});
