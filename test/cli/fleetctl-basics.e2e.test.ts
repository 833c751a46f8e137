// fleetctl end to end, before any host exists: version, empty lists, enroll tokens, and the
// failures an operator meets first (wrong or missing token, fleetd not running, typos).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { EnrollTokenCreated, HostList, VERSION } from "../../protocol/index.ts";
import { CliFixture } from "./cli-fixture.ts";

let cli: CliFixture;
beforeAll(async () => {
  cli = await CliFixture.start();
});
afterAll(() => cli?.stop());

const fleetctl = (args: string[], env: Record<string, string> = {}) => cli.run(args, env);

describe("without hosts", () => {
  test("--version prints the build's version", async () => {
    const r = await fleetctl(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(VERSION);
  });

  test("hosts --json prints an empty list and nothing else on stdout", async () => {
    const r = await fleetctl(["hosts", "--json"]);
    expect(r.code).toBe(0);
    expect(HostList.parse(JSON.parse(r.stdout))).toEqual({ hosts: [], target: null });
    const human = await fleetctl(["hosts"]);
    expect(human.stdout).toContain("No hosts enrolled yet. Enroll one with: fleetctl enroll-token create");
  });

  test("enroll-token create prints the token and the install one-liner", async () => {
    const r = await fleetctl(["enroll-token", "create", "--ttl", "600"]);
    expect(r.code).toBe(0);
    const token = /^ {2}(\S+)$/m.exec(r.stdout)?.[1];
    expect(token).toBeTruthy();
    expect(r.stdout).toContain(`  curl -fsSL ${cli.url}/install.sh | sh -s -- --token ${token}`);
    const json = EnrollTokenCreated.parse(
      JSON.parse((await fleetctl(["enroll-token", "create", "--json"])).stdout),
    );
    expect(json.installCommand).toContain(json.token);
  });

  test("a wrong admin token fails with a clear message and exit 1", async () => {
    const r = await fleetctl(["hosts", "--json"], { FLEET_TOKEN: "not-the-token" });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("fleetd rejected the token");
    expect(r.stderr).toContain(
      "set FLEET_TOKEN (the admin token is in <data>/admin-token on the fleetd machine)",
    );
  });

  test("no token at all says where to find it, before any request", async () => {
    const r = await fleetctl(["hosts"], { FLEET_TOKEN: "" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no admin token: pass --token or set FLEET_TOKEN");
  });

  test("an unreachable fleetd: 'is it running?' and exit 1", async () => {
    const closed = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
    const url = `http://127.0.0.1:${closed.port}`;
    closed.stop(true);
    const r = await fleetctl(["hosts", "--server", url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot reach fleetd at ${url}: is it running? (fleetd serve)`);
  });

  test("an unknown host or operation is refused by name", async () => {
    const host = await fleetctl(["run", "pull", "nosuch"]);
    expect(host.code).toBe(1);
    expect(host.stderr).toContain('no host with id or name "nosuch"');
    const op = await fleetctl(["run", "frobnicate", "--all"]);
    expect(op.code).toBe(1);
    expect(op.stderr).toContain('unknown operation "frobnicate"');
  });

  test("a word a command does not take is refused, naming what it takes, for every command", async () => {
    const hosts = await fleetctl(["hosts", "extra"]);
    expect(hosts.code).toBe(1);
    expect(hosts.stdout).toBe("");
    expect(hosts.stderr).toContain('unexpected argument "extra": fleetctl hosts takes no arguments');
    const job = await fleetctl(["job", "j_1", "j_2"]);
    expect(job.code).toBe(1);
    expect(job.stderr).toContain('unexpected argument "j_2": fleetctl job takes only <id>');
    const sub = await fleetctl(["rollout", "status", "r_1", "r_2"]);
    expect(sub.code).toBe(1);
    expect(sub.stderr).toContain("fleetctl rollout status takes only <id>");
  });

  test("a misspelt operation gets a did-you-mean", async () => {
    const r = await fleetctl(["run", "swich", "--all"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unknown operation "swich" — did you mean switch?');
  });

  test("an --arg the operation does not take is refused before anything is sent", async () => {
    const r = await fleetctl(["run", "test", "--all", "--arg", "suite=smoke"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--arg: unknown argument "suite" for test (test takes no arguments)');
    const update = await fleetctl(["run", "update", "--all", "--arg", "force=1"]);
    expect(update.stderr).toContain("update takes: version, sha256, allowDowngrade, timeoutSeconds");
  });

  test("an update without the arguments it needs is refused before anything is sent", async () => {
    const missing = await fleetctl(["run", "update", "--all"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("update needs --arg version=…");
    const wrongType = await fleetctl(["run", "update", "--all", "--arg", "version=1.0", "--arg", "sha256=x"]);
    expect(wrongType.code).toBe(1);
    expect(wrongType.stderr).toMatch(/--arg (version|sha256): /);
  });
});
