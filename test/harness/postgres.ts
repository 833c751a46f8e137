// A throwaway PostgreSQL cluster (Debian's `postgresql`, the "postgres" test tier): initdb into a
// temp dir, started with pg_ctl on a loopback port, stopped and removed by stop() or at exit.
// PostgreSQL refuses to run as root, so under root every server command runs as the `postgres`
// user that the Debian package creates, and the temp dir is handed to it.

import { appendFileSync, chownSync, existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import postgres from "postgres";
import { freePort } from "../../lib/free-port.ts";
import { tempDir } from "./temp-dir.ts";

/** initdb and pg_ctl: FLEET_POSTGRES_BIN, else Debian's newest /usr/lib/postgresql/N/bin, else PATH. */
export function postgresBinDir(): string {
  if (process.env.FLEET_POSTGRES_BIN) return process.env.FLEET_POSTGRES_BIN;
  const debian = "/usr/lib/postgresql";
  const versions = existsSync(debian)
    ? readdirSync(debian)
        .filter((v) => existsSync(join(debian, v, "bin/initdb")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0]) return join(debian, versions[0], "bin");
  const onPath = Bun.which("initdb");
  if (!onPath) throw new Error("no PostgreSQL server found: install Debian's postgresql");
  return dirname(onPath);
}

/** Settings for a test server: loopback TCP only, no durability (a crashed test cluster is thrown away). */
const SETTINGS = [
  "listen_addresses = '127.0.0.1'",
  "unix_socket_directories = ''",
  "fsync = off",
  "synchronous_commit = off",
  "full_page_writes = off",
  "max_connections = 60",
];

export interface TestDatabase {
  name: string;
  url: string;
  /** The same database's URL for another role. */
  urlAs(role: string): string;
  /** SQL run as the superuser on the test's own connection: to look at or break things. */
  sql<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>;
}

export class TestPostgres {
  private stopped = false;
  private readonly clients = new Map<string, postgres.Sql>();

  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly asUser: string[],
  ) {}

  static async start(): Promise<TestPostgres> {
    // In the system's temp dir, not tempRoot(): that can be the checkout's dist/tmp, under a home
    // (/root/fleet on a fresh machine) the postgres user cannot enter. A cluster is small.
    const dir = tempDir("postgres", tmpdir());
    const asUser = process.getuid?.() === 0 ? ["runuser", "-u", "postgres", "--"] : [];
    if (asUser.length > 0) {
      const { uid, gid } = _postgresUser();
      chownSync(dir, uid, gid);
    }
    const bin = postgresBinDir();
    const data = join(dir, "data");
    _run([
      ...asUser,
      join(bin, "initdb"),
      "-D",
      data,
      "-U",
      "fleet",
      "--auth=trust",
      "--no-locale",
      "-E",
      "UTF8",
      "--no-sync",
    ]);
    const port = await freePort();
    appendFileSync(join(data, "postgresql.conf"), `\n${[...SETTINGS, `port = ${port}`].join("\n")}\n`);
    const pg = new TestPostgres(port, dir, asUser);
    process.on("exit", pg.stopNow);
    try {
      _run([...asUser, join(bin, "pg_ctl"), "-D", data, "-l", pg.logFile, "-w", "-t", "30", "start"]);
    } catch (err) {
      pg.stopNow();
      throw new Error(`${(err as Error).message}\nits log ends:\n${pg.logTail()}`);
    }
    return pg;
  }

  /** A connection URL for the superuser `fleet`, or another role. */
  url(database = "postgres", role = "fleet"): string {
    return `postgres://${role}@127.0.0.1:${this.port}/${database}`;
  }

  /** A new empty database, so tests in one file do not see each other's rows. */
  async createDatabase(name: string): Promise<TestDatabase> {
    await this.client("postgres").unsafe(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    return {
      name,
      url: this.url(name),
      urlAs: (role) => this.url(name, role),
      sql: async (text, params = []) =>
        (await this.client(name).unsafe(text, params as postgres.ParameterOrJSON<never>[])) as never,
    };
  }

  /** The test's own connection to a database, beside the code under test's: ended by stop(). */
  private client(database: string): postgres.Sql {
    let client = this.clients.get(database);
    if (!client) {
      client = postgres(this.url(database), { max: 1, onnotice: () => {} });
      this.clients.set(database, client);
    }
    return client;
  }

  get logFile(): string {
    return join(this.dir, "postgres.log");
  }

  logTail(lines = 20): string {
    return existsSync(this.logFile)
      ? readFileSync(this.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n")
      : "";
  }

  async stop(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.end({ timeout: 1 })));
    this.stopNow();
    process.off("exit", this.stopNow);
  }

  /** Synchronous, so it can also run from the exit handler of a test process that did not stop it. */
  private readonly stopNow = (): void => {
    if (this.stopped) return;
    this.stopped = true;
    const data = join(this.dir, "data");
    if (existsSync(join(data, "postmaster.pid")))
      Bun.spawnSync(
        [...this.asUser, join(postgresBinDir(), "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"],
        { stdout: "ignore", stderr: "ignore", cwd: tmpdir() },
      );
    rmSync(this.dir, { recursive: true, force: true, maxRetries: 3 });
  };
}

function _run(argv: string[]): void {
  // In a directory the postgres user may enter: runuser keeps the cwd, and initdb refuses one it cannot.
  const run = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe", cwd: tmpdir() });
  if (run.exitCode !== 0)
    throw new Error(
      `${argv.join(" ")} exited ${run.exitCode}: ${run.stderr.toString().trim() || run.stdout.toString().trim()}`,
    );
}

function _postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(Bun.spawnSync(["id", flag, "postgres"]).stdout.toString().trim());
  const uid = id("-u");
  if (!Number.isInteger(uid) || uid <= 0)
    throw new Error("running as root, but there is no `postgres` user to run PostgreSQL as");
  return { uid, gid: id("-g") };
}
