// A real fleet on loopback for e2e tests: the compiled fleetd on a temp data dir, compiled
// agents each with its own state dir and a supervisor that restarts them when they exit
// (what systemd's Restart=always or launchd's KeepAlive does), and fleetctl as a child.
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { statePaths } from "../../agent/paths.ts";
import { freePort } from "../../lib/free-port.ts";
import { linkOrCopy } from "../../lib/link-or-copy.ts";
import type { Binaries } from "./binaries.ts";
import { type RunResult, runToEnd } from "./run-to-end.ts";
import { tempDir } from "./temp-dir.ts";
import { waitFor } from "./wait-for.ts";

/**
 * The board's read token every test fleet has unless a test sets its own (--board-token or
 * FLEET_BOARD_TOKEN): the board's data needs a token by default.
 */
export const TEST_BOARD_TOKEN = "test-fleet-board-token-0123456789";

export class TestFleet {
  readonly agents: TestAgent[] = [];
  /** The board token this fleetd was started with. */
  boardToken = TEST_BOARD_TOKEN;
  private constructor(
    readonly bins: Binaries,
    readonly url: string,
    readonly dataDir: string,
    readonly adminToken: string,
    private proc: Subprocess,
    private readonly serveArgs: string[],
    readonly log: string[],
    private readonly env: Record<string, string>,
  ) {}

  static async start(
    bins: Binaries,
    extraArgs: string[] = [],
    env: Record<string, string> = {},
  ): Promise<TestFleet> {
    const dataDir = join(tempDir("fleetd"), "data");
    const port = await freePort();
    const args = ["serve", "--port", String(port), "--data", dataDir, "--artifacts", bins.dir, ...extraArgs];
    const log: string[] = [];
    const flag = extraArgs.indexOf("--board-token");
    const boardToken = flag >= 0 ? extraArgs[flag + 1]! : (env.FLEET_BOARD_TOKEN ?? TEST_BOARD_TOKEN);
    const fleetdEnv = { FLEET_BOARD_TOKEN: boardToken, ...env };
    const proc = spawnLogged([bins.fleetd, ...args], log, fleetdEnv);
    const url = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${url}/api/v1/health`)).ok, {
      what: "fleetd health",
      timeoutMs: 15_000,
    });
    const adminToken = readFileSync(join(dataDir, "admin-token"), "utf8").trim();
    const fleet = new TestFleet(bins, url, dataDir, adminToken, proc, args, log, fleetdEnv);
    fleet.boardToken = boardToken;
    return fleet;
  }

  /** The board with its token in the fragment, as a wall display's bookmark would have it. */
  get boardUrl(): string {
    return `${this.url}/#token=${this.boardToken}`;
  }

  get pid(): number {
    return this.proc.pid;
  }

  /** SIGKILLs fleetd, as a crash would. */
  async kill(): Promise<void> {
    this.proc.kill("SIGKILL");
    await this.proc.exited;
  }

  async restart(): Promise<void> {
    this.proc = spawnLogged([this.bins.fleetd, ...this.serveArgs], this.log, this.env);
    await waitFor(async () => (await fetch(`${this.url}/api/v1/health`)).ok, { what: "fleetd restart" });
  }

  async fleetctl(args: string[], env: Record<string, string> = {}): Promise<RunResult> {
    return runToEnd([this.bins.fleetctl, ...args], {
      FLEET_SERVER: this.url,
      FLEET_TOKEN: this.adminToken,
      ...env,
    });
  }

  /** fleetctl with --json; throws with its stderr if it failed. */
  async fleetctlJson<T = any>(args: string[]): Promise<T> {
    const r = await this.fleetctl([...args, "--json"]);
    if (r.code !== 0) throw new Error(`fleetctl ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  }

  async api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.adminToken}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json as T;
  }

  async enrollToken(): Promise<string> {
    return (await this.api<{ token: string }>("POST", "/api/v1/enroll-tokens", {})).token;
  }

  /** Enrolls a new agent (its own copy of the binary, its own state dir) and starts it supervised. */
  async addAgent(
    name: string,
    opts: { config?: Record<string, unknown>; env?: Record<string, string>; binary?: string } = {},
  ): Promise<TestAgent> {
    const { config = {}, env = {}, binary = this.bins.agent } = opts;
    const root = tempDir(`agent-${name}`);
    const stateDir = join(root, "state");
    const bin = join(root, "bin", "fleet-agent");
    mkdirSync(join(root, "bin"), { recursive: true });
    // A hard link, not a 100 MB copy per agent: updates replace the name, never the bytes.
    try {
      linkOrCopy(binary, bin);
    } catch {
      copyFileSync(binary, bin);
    }
    chmodSync(bin, 0o755);
    const token = await this.enrollToken();
    const enroll = Bun.spawnSync(
      [bin, "enroll", "--server", this.url, "--token", token, "--name", name, "--state-dir", stateDir],
      { stderr: "pipe", stdout: "pipe" },
    );
    if (enroll.exitCode !== 0) throw new Error(`enroll ${name}: ${enroll.stderr}`);
    const configPath = statePaths(stateDir).config;
    // The supervisor is this agent's service manager; a rollback restarts the agent through it.
    const restartCommand = ["sh", "-c", `kill -9 "$(cat '${join(root, "supervised.pid")}')"`];
    const merged = {
      ...JSON.parse(readFileSync(configPath, "utf8")),
      service: { manager: "none", restartCommand },
      ...config,
    };
    writeFileSync(configPath, JSON.stringify(merged, null, 2));
    const agent = new TestAgent(name, root, stateDir, bin);
    agent.env = env;
    agent.supervise();
    this.agents.push(agent);
    return agent;
  }

  async hosts(): Promise<any[]> {
    return (await this.api<{ hosts: any[] }>("GET", "/api/v1/hosts")).hosts;
  }

  async host(name: string): Promise<any> {
    return (await this.hosts()).find((h) => h.name === name);
  }

  async stop(): Promise<void> {
    for (const agent of this.agents) await agent.stop();
    await stopWithin(this.proc, "fleetd", this.log);
  }
}

export class TestAgent {
  readonly log: string[] = [];
  readonly starts: number[] = [];
  private proc: Subprocess | null = null;
  private supervising = false;
  /** Extra environment for the agent (and so its runners), e.g. PATH with stubs first. */
  env: Record<string, string> = {};

  constructor(
    readonly name: string,
    readonly root: string,
    readonly stateDir: string,
    readonly bin: string,
  ) {}

  get pid(): number | null {
    return this.proc?.pid ?? null;
  }

  /** Restart-on-exit like Restart=always with RestartSec=200ms. */
  supervise(): void {
    this.supervising = true;
    const loop = async () => {
      while (this.supervising) {
        this.proc = spawnLogged([this.bin, "run", "--state-dir", this.stateDir], this.log, this.env);
        this.starts.push(this.proc.pid);
        writeFileSync(join(this.root, "supervised.pid"), String(this.proc.pid));
        await this.proc.exited;
        if (this.supervising) await Bun.sleep(200);
      }
    };
    void loop();
  }

  /** Starts one more agent process on the same state dir, unsupervised (for the lock test). */
  async runOnce(): Promise<RunResult> {
    return runToEnd([this.bin, "run", "--state-dir", this.stateDir], this.env);
  }

  kill(signal: NodeJS.Signals = "SIGKILL"): void {
    this.proc?.kill(signal);
  }

  /** Stops supervising and kills the agent, leaving it down. */
  async halt(): Promise<void> {
    this.supervising = false;
    this.proc?.kill("SIGKILL");
    await this.proc?.exited;
  }

  async stop(): Promise<void> {
    this.supervising = false;
    if (this.proc) await stopWithin(this.proc, `fleet-agent ${this.name}`, this.log);
  }
}

/** How long a stopped process may take to exit on SIGTERM before the harness kills it. */
const STOP_GRACE_MS = 20_000;

/**
 * SIGTERM, then SIGKILL if it is still running after STOP_GRACE_MS. Teardown is no test's
 * subject, so a process that ignores SIGTERM is named with the end of its log, not left to hang
 * the afterAll hook until bun's timeout hides which process it was.
 */
async function stopWithin(proc: Subprocess, name: string, log: string[]): Promise<void> {
  proc.kill("SIGTERM");
  let timer: Timer | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), STOP_GRACE_MS);
  });
  const outcome = await Promise.race([proc.exited, late]);
  clearTimeout(timer);
  if (outcome !== "late") return;
  console.error(
    `harness: ${name} (pid ${proc.pid}) did not exit within ${STOP_GRACE_MS / 1000} s of SIGTERM; ` +
      `killing it. Its last log lines:\n  ${log.slice(-30).join("\n  ")}`,
  );
  proc.kill("SIGKILL");
  await proc.exited;
}

/** Spawns `argv` with its stdout and stderr lines appended to `log` as they come. */
export function spawnLogged(argv: string[], log: string[], env: Record<string, string> = {}): Subprocess {
  const proc = Bun.spawn(argv, {
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  for (const stream of [proc.stdout, proc.stderr] as ReadableStream<Uint8Array>[]) {
    void (async () => {
      const decoder = new TextDecoder();
      const reader = stream.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        log.push(...decoder.decode(value).split("\n").filter(Boolean));
      }
    })();
  }
  return proc;
}
