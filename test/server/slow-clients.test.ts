// Slow and idle clients against fleetd as its own process: hundreds of connections that send
// headers slowly, never finish them, or never finish a body do not stop fleetd from answering
// others, and fleetd closes every one of them within a bound. Long-polls are capped at one held
// poll per host: a newer poll answers the older ones.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Socket } from "bun";
import { freePort } from "../../lib/free-port.ts";
import { tempDir, waitFor } from "./helpers.ts";

const MAIN = join(import.meta.dir, "../../server/main.ts");
const IDLE_SECONDS = 2;
/**
 * Bun (uWebSockets) drops a connection whose request headers are not complete within ~10 s,
 * however slowly they trickle in; a stalled body goes after about two idle timeouts. Both are
 * checked below, so a Bun upgrade that loosens either fails here.
 */
const HEADER_BOUND_MS = 16_000;
const BODY_BOUND_MS = 2 * IDLE_SECONDS * 1000 + 4_000;

let fleetd: ReturnType<typeof Bun.spawn>;
let url: string;
let dataDir: string;
let output = "";

beforeAll(async () => {
  dataDir = join(tempDir(), "data");
  const port = await freePort();
  fleetd = Bun.spawn([process.execPath, MAIN, "serve", "--port", String(port), "--data", dataDir], {
    env: {
      ...process.env,
      NO_COLOR: "1",
      FLEET_LIMITS: JSON.stringify({ httpIdleTimeoutSeconds: IDLE_SECONDS, pollWindowMs: 20_000 }),
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  for (const stream of [fleetd.stdout, fleetd.stderr] as ReadableStream<Uint8Array>[]) {
    void (async () => {
      const reader = stream.getReader();
      for (let r = await reader.read(); !r.done; r = await reader.read())
        output += new TextDecoder().decode(r.value);
    })();
  }
  url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => (await fetch(`${url}/api/v1/health`).catch(() => null))?.ok === true,
    10_000,
    "fleetd",
  );
});

afterAll(async () => {
  fleetd?.kill("SIGTERM");
  await fleetd?.exited;
});

interface Held {
  kind: string;
  openedAt: number;
  closedAt: number | null;
  socket: Socket;
}

async function open(kind: string, first: string): Promise<Held> {
  const held: Held = { kind, openedAt: performance.now(), closedAt: null, socket: null as unknown as Socket };
  held.socket = await Bun.connect({
    hostname: "127.0.0.1",
    port: Number(new URL(url).port),
    socket: {
      data() {},
      close() {
        held.closedAt ??= performance.now();
      },
      error() {
        held.closedAt ??= performance.now();
      },
    },
  });
  held.socket.write(first);
  return held;
}

test("200 slow or stalled connections: fleetd keeps answering others and closes them all in time", async () => {
  const conns: Held[] = [];
  for (let i = 0; i < 70; i++)
    conns.push(await open("partial headers", "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n"));
  for (let i = 0; i < 70; i++) conns.push(await open("dripped headers", "GET /api/v1/health HTTP/1.1\r\n"));
  // Bodies an authenticated route starts reading and never gets the end of.
  const admin = readFileSync(join(dataDir, "admin-token"), "utf8").trim();
  const head = `POST /api/v1/enroll-tokens HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${admin}\r\nContent-Length: 1000\r\n\r\n`;
  for (let i = 0; i < 60; i++) conns.push(await open("unfinished body", `${head}{"note":`));
  // Slowloris: one more header line a second, each well inside the idle timeout.
  let dripping = true;
  const drip = (async () => {
    for (let n = 0; dripping; n++) {
      await Bun.sleep(1000);
      for (const c of conns)
        if (c.kind === "dripped headers" && c.closedAt === null) c.socket.write(`X-Drip-${n}: a\r\n`);
    }
  })();

  // Meanwhile, ordinary clients are served at once, including ones that need the data dir.
  let slowest = 0;
  for (let i = 0; i < 20; i++) {
    const started = performance.now();
    const health = await fetch(`${url}/api/v1/health`);
    const token = await fetch(`${url}/api/v1/enroll-tokens`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: "{}",
    });
    expect([health.status, token.status]).toEqual([200, 201]);
    slowest = Math.max(slowest, performance.now() - started);
    await Bun.sleep(100);
  }
  expect(slowest).toBeLessThan(500);

  await waitFor(
    () => conns.every((c) => c.closedAt !== null),
    HEADER_BOUND_MS + 2000,
    "fleetd to close every slow connection",
  );
  dripping = false;
  await drip;
  const worst: Record<string, number> = {};
  for (const c of conns) worst[c.kind] = Math.max(worst[c.kind] ?? 0, c.closedAt! - c.openedAt);
  console.log(
    `slowest ordinary request ${slowest.toFixed(0)} ms; closed by fleetd after at most ${JSON.stringify(
      Object.fromEntries(Object.entries(worst).map(([k, v]) => [k, `${(v / 1000).toFixed(1)} s`])),
    )}`,
  );
  expect(worst["partial headers"]!).toBeLessThan(HEADER_BOUND_MS);
  expect(worst["dripped headers"]!).toBeLessThan(HEADER_BOUND_MS);
  expect(worst["unfinished body"]!).toBeLessThan(BODY_BOUND_MS);
  // A cut-off body is the client's failure: no 500, no stack trace in the log.
  expect(output).not.toMatch(/\[error\]|failed/i);
}, 40_000);

test("long-polls are capped at one per host: 20 at once leave one held, the rest answered", async () => {
  const admin = readFileSync(join(dataDir, "admin-token"), "utf8").trim();
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return res.json() as Promise<any>;
  };
  const { token } = await call("POST", "/api/v1/enroll-tokens", admin, {});
  const { hostId, hostToken } = await call("POST", "/api/v1/enroll", "", { token, name: "capped" });
  const answered: number[] = [];
  const polls = Array.from({ length: 20 }, async (_, i) => {
    await Bun.sleep(i * 20); // in order, so the last one is the newest
    const reply = await call("GET", "/api/v1/agent/poll?wait=20", hostToken);
    answered.push(i);
    return reply;
  });
  await waitFor(() => answered.length >= 19, 5000, "superseded polls to be answered");
  await Bun.sleep(300);
  expect(answered.length).toBe(19);
  expect(answered).not.toContain(19);
  // The one still held is the newest, and it is the one that gets the work.
  const job = await call("POST", `/api/v1/hosts/${hostId}/jobs`, admin, { op: "test" });
  const replies = await Promise.all(polls);
  expect(replies.slice(0, 19).every((r) => r.command === null)).toBe(true);
  expect(replies[19].command.jobId).toBe(job.job.id);
});
