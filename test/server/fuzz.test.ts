// Property-based fuzzing of every route (fast-check): random and mutated bodies, headers, query
// strings and path params. Whatever arrives: never a 5xx, never an error in fleetd's log, every
// 4xx in the error envelope, and a rejected request leaves every data file byte-identical.
// Each run uses a fixed seed plus a random one it prints; FUZZ_SEED=<n> replays one, FUZZ_RUNS
// scales the number of cases.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createConsola } from "consola";
import fc from "fast-check";
import { ErrorBody } from "../../protocol/common.ts";
import { type RunningServer, startServer } from "../../server/app.ts";
import type { ServerConfig } from "../../server/config.ts";
import { hashToken } from "../../server/services/tokens.ts";
import { type FuzzCase, type FuzzFixture, fuzzCase } from "./fuzz-arbitraries.ts";
import {
  enroll,
  fingerprintDir,
  helloBody,
  removeTempDirs,
  startTestApp,
  type TestApp,
  tempDir,
  testConfig,
} from "./helpers.ts";

const FIXED_SEED = 424242;
const REPLAY = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : null;
const RUNS = Number(process.env.FUZZ_RUNS ?? 1500);
const HTTP_RUNS = Math.ceil(RUNS / 5);
const BOARD_TOKEN = "fuzz-board-token-0123456789";

const logged: string[] = [];
/** fleetd's log: any error in it (a 500, a failed write) fails the property. */
const log = createConsola({
  level: 1,
  reporters: [{ log: (entry) => void (entry.level <= 0 && logged.push(entry.args.map(String).join(" "))) }],
});

function config(overrides: Partial<ServerConfig> = {}): Partial<ServerConfig> {
  const artifactsDir = tempDir();
  writeFileSync(
    join(artifactsDir, "manifest.json"),
    JSON.stringify({
      version: "9.9.9",
      builtAt: new Date().toISOString(),
      artifacts: [
        {
          ...{ program: "fleet-agent", target: "linux-x64", platform: "linux", arch: "x64" },
          ...{ file: "fleet-agent-linux-x64", size: 10, sha256: "b".repeat(64), signature: "c2ln" },
        },
      ],
    }),
  );
  return {
    artifactsDir,
    boardTokenHash: hashToken(BOARD_TOKEN),
    // Polls answer at once; no background sweep changes files between two fingerprints.
    pollWindowMs: 5,
    sweepIntervalMs: 3_600_000,
    lastSeenFlushMs: 3_600_000,
    ...overrides,
  };
}

async function fixture(app: TestApp): Promise<FuzzFixture> {
  const hostA = await enroll(app, "fuzz-a");
  const hostB = await enroll(app, "fuzz-b");
  for (const h of [hostA, hostB])
    await app.call("POST", "/api/v1/agent/hello", { token: h.hostToken, json: helloBody() });
  const admin = { token: app.adminToken };
  const jobA = (
    await app.call("POST", `/api/v1/hosts/${hostA.hostId}/jobs`, { ...admin, json: { op: "test" } })
  ).body.job.id;
  const enrollToken = (await app.call("POST", "/api/v1/enroll-tokens", { ...admin, json: {} })).body.token;
  return { adminToken: app.adminToken, boardToken: BOARD_TOKEN, hostA, hostB, enrollToken, jobA };
}

type Send = (c: FuzzCase) => Response | Promise<Response>;

/** The property: checks one response and the data dir; a success becomes the new baseline. */
function property(app: TestApp, send: Send, counts: Map<number, number>) {
  let baseline: Record<string, string> | null = null;
  const snapshot = async () => {
    await app.fleet.ctx.store.flush();
    return fingerprintDir(app.dataDir);
  };
  return async (c: FuzzCase) => {
    baseline ??= await snapshot();
    const res = await send(c);
    const text = await res.text();
    counts.set(res.status, (counts.get(res.status) ?? 0) + 1);
    const label = `${c.method} ${c.path.slice(0, 120)} → ${res.status} ${text.slice(0, 200)}`;
    expect({ label, serverError: res.status >= 500 }).toEqual({ label, serverError: false });
    expect({ label, logged }).toEqual({ label, logged: [] });
    if (res.status >= 400) {
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {}
      expect({ label, envelope: ErrorBody.safeParse(body).success }).toEqual({ label, envelope: true });
      expect({ label, files: await snapshot() }).toEqual({ label, files: baseline });
    } else {
      // Accepted: work it started (a rollout's first pass dispatching jobs, each write a turn of
      // the event loop) settles before the next baseline: two fingerprints 10 ms apart agree.
      let previous = await snapshot();
      for (let i = 0; i < 100; i++) {
        await Bun.sleep(10);
        const next = await snapshot();
        if (JSON.stringify(next) === JSON.stringify(previous)) break;
        previous = next;
      }
      baseline = previous;
    }
  };
}

function seeds(): number[] {
  if (REPLAY !== null) return [REPLAY];
  const random = Math.floor(Math.random() * 2 ** 31);
  console.log(`fuzz seeds: ${FIXED_SEED} (fixed) and ${random} (random); replay one with FUZZ_SEED=<seed>`);
  return [FIXED_SEED, random];
}

const runSeeds = seeds();
afterAll(() => removeTempDirs());

for (const seed of runSeeds) {
  test(`in-process: ${RUNS} cases, seed ${seed}`, async () => {
    const app = await startTestApp(config(), tempDir());
    (app.fleet.ctx as { log: unknown }).log = log;
    const counts = new Map<number, number>();
    try {
      const f = await fixture(app);
      const send: Send = (c) =>
        app.fleet.app.request(c.path, { method: c.method, headers: c.headers, body: c.body as BodyInit });
      await fc.assert(fc.asyncProperty(fuzzCase(f), property(app, send, counts)), {
        seed,
        numRuns: RUNS,
        endOnFailure: true,
      });
    } finally {
      await app.close();
      console.log(`seed ${seed}: statuses ${JSON.stringify(Object.fromEntries([...counts].sort()))}`);
    }
  }, 120_000);
}

let server: RunningServer | undefined;
beforeAll(() => {
  logged.length = 0;
});
afterAll(async () => {
  await server?.stop();
});

test(`over real HTTP: ${HTTP_RUNS} cases, seed ${runSeeds.at(-1)}`, async () => {
  const dataDir = tempDir();
  // Limits out of the way: the fuzzer's refused tokens would otherwise turn everything into 429s.
  const limits = { failedAuthBurst: 1e9, enrollBurst: 1e9 };
  server = await startServer(testConfig(dataDir, config(limits)), { log });
  const app: TestApp = {
    fleet: server.fleet,
    dataDir,
    adminToken: (await Bun.file(join(dataDir, "admin-token")).text()).trim(),
    call: async (method, path, options = {}) => {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      const res = await fetch(`${server!.url}${path}`, {
        method,
        headers,
        body: JSON.stringify(options.json),
      });
      return { status: res.status, body: await res.json(), headers: res.headers };
    },
    close: async () => {},
  };
  const f = await fixture(app);
  const counts = new Map<number, number>();
  // fetch sets Content-Length itself; a lying one is covered in-process and by the slow-client tests.
  const send: Send = (c) => {
    const { "content-length": _, ...headers } = c.headers;
    return fetch(`${server!.url}${c.path}`, { method: c.method, headers, body: c.body as BodyInit });
  };
  await fc.assert(fc.asyncProperty(fuzzCase(f), property(app, send, counts)), {
    seed: runSeeds.at(-1),
    numRuns: HTTP_RUNS,
    endOnFailure: true,
  });
  console.log(`real HTTP: statuses ${JSON.stringify(Object.fromEntries([...counts].sort()))}`);
  expect((await fetch(`${server.url}/api/v1/health`)).status).toBe(200);
}, 120_000);
