// Shared test scaffolding for fleetd: a temp data dir per test, short timings, an in-process app
// reached through app.request(), and a fingerprint of every file in the data dir.
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConsola } from "consola";
import { PROTOCOL_VERSION } from "../../protocol/common.ts";
import type { Artifact, Manifest } from "../../protocol/index.ts";
import { createApp, type FleetApp } from "../../server/app.ts";
import { DEFAULT_LIMITS, type ServerConfig } from "../../server/config.ts";

export const silentLog = createConsola({ level: -999 });

const dirs: string[] = [];

export function tempDir(prefix = "fleetd-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function testConfig(dataDir: string, overrides: Partial<ServerConfig> = {}): ServerConfig {
  return {
    ...DEFAULT_LIMITS,
    host: "127.0.0.1",
    port: 0,
    dataDir,
    artifactsDir: null,
    publicUrl: "http://fleet.test:8080",
    checkResponses: true,
    ...overrides,
  };
}

export interface TestApp {
  fleet: FleetApp;
  dataDir: string;
  adminToken: string;
  call(method: string, path: string, options?: CallOptions): Promise<Reply>;
  close(): Promise<void>;
}

export interface CallOptions {
  token?: string;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as is. */
  body?: string | Uint8Array;
  headers?: Record<string, string>;
}

export interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

export async function startTestApp(
  overrides: Partial<ServerConfig> = {},
  dataDir = tempDir(),
): Promise<TestApp> {
  const fleet = await createApp({ config: testConfig(dataDir, overrides), log: silentLog });
  const adminToken = readFileSync(join(dataDir, "admin-token"), "utf8").trim();
  const call = (method: string, path: string, options: CallOptions = {}) =>
    callApp(fleet, method, path, options);
  return { fleet, dataDir, adminToken, call, close: () => fleet.close() };
}

export async function callApp(fleet: FleetApp, method: string, path: string, options: CallOptions = {}) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | Uint8Array | undefined = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers["content-type"] ??= "application/json";
  }
  const response = await fleet.app.request(path, { method, headers, body: body as BodyInit | undefined });
  return toReply(response);
}

export async function toReply(response: Response): Promise<Reply> {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON; the test sees the text.
  }
  return { status: response.status, body, headers: response.headers };
}

export async function enroll(app: TestApp, name: string): Promise<{ hostId: string; hostToken: string }> {
  const created = await app.call("POST", "/api/v1/enroll-tokens", { token: app.adminToken, json: {} });
  if (created.status !== 201)
    throw new Error(`enroll-token: ${created.status} ${JSON.stringify(created.body)}`);
  const enrolled = await app.call("POST", "/api/v1/enroll", { json: { token: created.body.token, name } });
  if (enrolled.status !== 201) throw new Error(`enroll: ${enrolled.status} ${JSON.stringify(enrolled.body)}`);
  return enrolled.body;
}

export const AGENT_SHA = "a".repeat(64);

export function helloBody(overrides: Record<string, unknown> = {}) {
  return {
    protocol: PROTOCOL_VERSION,
    version: "1.2.3",
    sha256: AGENT_SHA,
    platform: "linux",
    arch: "x64",
    hostname: "web-1.example",
    os: { name: "Linux", release: "6.1.0", distro: "nixos" },
    pid: 4242,
    bootId: "boot-1",
    activeJobs: [],
    ...overrides,
  };
}

/** A host's config report: at `commit`, clean, switched from it and tested since; override any part. */
export function hostStateBody(commit = "c".repeat(40), overrides: Record<string, unknown> = {}) {
  return {
    checkout: {
      commit,
      branch: "main",
      subject: "hosts: web1 gets nginx",
      committedAt: "2026-01-02T09:00:00.000Z",
      dirty: false,
      remoteCommit: commit,
      fetchedAt: "2026-01-02T09:30:00.000Z",
      lockHash: "e".repeat(64),
      lockInputs: [{ name: "nixpkgs", rev: "d".repeat(40), lastModified: "2026-01-01T00:00:00.000Z" }],
    },
    system: { generation: 41, path: "/nix/store/aaaa-nixos-system-web1", needsReboot: false },
    lastSwitch: { commit, dirty: false, generation: 41, at: "2026-01-02T10:00:00.000Z" },
    lastSwitchFailed: false,
    lastTest: { passed: true, at: "2026-01-02T10:05:00.000Z" },
    generations: [{ generation: 41, commit, at: "2026-01-02T10:00:00.000Z" }],
    ...overrides,
  };
}

const GIB = 1024 ** 3;

/** A vitals sample at `at`: / at `rootUsedPercent` used (of what is usable); override any part. */
export function vitalsBody(
  at = new Date().toISOString(),
  rootUsedPercent = 40,
  overrides: Record<string, unknown> = {},
) {
  const usable = 100 * GIB;
  const used = Math.round((usable * rootUsedPercent) / 100);
  return {
    at,
    load: [0.5, 0.4, 0.3] as [number, number, number],
    cpuPercent: 12.5,
    memory: { totalBytes: 16 * GIB, availableBytes: 12 * GIB },
    swap: { totalBytes: 2 * GIB, freeBytes: 2 * GIB },
    disks: {
      root: { path: "/", totalBytes: usable + 5 * GIB, availableBytes: usable - used, usedBytes: used },
      nix: null,
      state: { path: "/var/lib/fleet-agent", totalBytes: 10 * GIB, availableBytes: 9 * GIB, usedBytes: GIB },
    },
    uptimeSeconds: 3600,
    bootedAt: new Date(Date.parse(at) - 3_600_000).toISOString(),
    ...overrides,
  };
}

export function outputLine(seq: number, data = `line ${seq}`) {
  return { seq, ts: new Date().toISOString(), stream: "stdout", data };
}

/** Path → SHA-256 of every file below `dir`, to prove a request changed nothing on disk. */
export function fingerprintDir(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (current: string) => {
    for (const name of readdirSync(current).sort()) {
      const path = join(current, name);
      if (statSync(path).isDirectory()) walk(path);
      else out[path.slice(dir.length + 1)] = createHash("sha256").update(readFileSync(path)).digest("hex");
    }
  };
  walk(dir);
  return out;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 3000, what = "condition") {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A manifest.json in `dir` serving a linux-x64 fleet-agent of `version` (plus any `more`); nothing is downloaded from it. */
export function writeTestManifest(
  dir: string,
  version: string,
  agentSha: string,
  more: Artifact[] = [],
): void {
  const agent: Artifact = {
    program: "fleet-agent",
    target: "linux-x64",
    platform: "linux",
    arch: "x64",
    file: "fleet-agent-linux-x64",
    size: 10,
    sha256: agentSha,
    signature: "c2lnbmF0dXJl",
  };
  const manifest: Manifest = { version, builtAt: new Date().toISOString(), artifacts: [agent, ...more] };
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest));
}

const FLEETD_MAIN = join(import.meta.dir, "../../server/main.ts");

/**
 * `fleetd serve --port 0` from source as a real process, its stdout and stderr collected: for
 * what only a process shows (the banner, refusing to start, exit codes, signals).
 */
export function spawnSourceFleetd(args: string[] = [], env: Record<string, string> = {}) {
  const child = Bun.spawn([process.execPath, FLEETD_MAIN, "serve", "--port", "0", ...args], {
    env: { ...process.env, ...env, NO_COLOR: "1" },
    stdout: "pipe",
    stderr: "pipe",
  });
  let output = "";
  const decoder = new TextDecoder();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      output += decoder.decode(value, { stream: true });
    }
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  return {
    child,
    output: () => output,
    /** The API's base URL once listening; throws with the output if fleetd exited instead. */
    async listening(): Promise<string> {
      await waitFor(() => /listening on http/.test(output) || child.exitCode !== null, 15_000, "fleetd");
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      if (!url) throw new Error(`fleetd did not start:\n${output}`);
      return url;
    },
    async exited() {
      const code = await child.exited;
      await pumps;
      return { code, output };
    },
  };
}
