// Secrets stay where they belong. After a run that enrolls a real agent, runs a job that prints
// its whole environment, revokes the host and drives fleetctl with --json, no token (admin, board,
// host, enroll) nor its SHA-256 appears in fleetd's or the agent's log, the audit log, job output,
// the board's JSON or any fleetctl output, and no file outside the few that must hold one; those
// files are 0600 in 0700 directories.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { ensureBinaries, type TestAgent, TestFleet, waitFor } from "../harness/index.ts";

const BOARD_TOKEN = "board-secret-0123456789abcdef";
let fleet: TestFleet;
let agent: TestAgent;
const enrollTokens: string[] = [];
/** Text a human or a log collector could see, by where it came from. */
const visible = new Map<string, string>();

beforeAll(async () => {
  // The board token by environment, as docs/security.md advises: argv is visible to every user.
  fleet = await TestFleet.start(await ensureBinaries(), [], { FLEET_BOARD_TOKEN: BOARD_TOKEN });
  const mint = fleet.enrollToken.bind(fleet);
  fleet.enrollToken = async () => {
    const token = await mint();
    enrollTokens.push(token);
    return token;
  };
  agent = await fleet.addAgent("keeper", { config: { switch: ["sh", "-c", "echo begin; env; echo end"] } });
  await waitFor(async () => (await fleet.host("keeper"))?.online, { what: "keeper online" });

  const json = async (label: string, args: string[]) => {
    const r = await fleet.fleetctl([...args, "--json"]);
    visible.set(`fleetctl ${label}`, r.stdout + r.stderr);
    return r.code === 0 ? JSON.parse(r.stdout) : null;
  };
  const created = await json("enroll-token create", ["enroll-token", "create", "--note", "spare"]);
  enrollTokens.push(created.token);
  // Its own token is what `enroll-token create` is for; everything else must stay out of it.
  visible.set(
    "fleetctl enroll-token create",
    visible.get("fleetctl enroll-token create")!.replaceAll(created.token, "<its token>"),
  );
  const run = await json("run", ["run", "switch", "keeper", "--wait"]);
  const jobId = run.jobs[0].id;
  await waitFor(async () => (await fleet.api("GET", `/api/v1/jobs/${jobId}`)).job.state === "succeeded", {
    what: "switch done",
  });
  const job = await json("job", ["job", jobId]);
  visible.set("job output", job.output.map((l: { data: string }) => l.data).join("\n"));
  for (const [label, args] of [
    ["hosts", ["hosts"]],
    ["host", ["host", "keeper"]],
    ["jobs", ["jobs"]],
    ["alerts", ["alerts"]],
    ["enroll-token list", ["enroll-token", "list"]],
    ["host revoke", ["host", "revoke", "keeper"]],
    ["audit", ["audit", "--limit", "500"]],
  ] as const)
    await json(label, [...args]);
  await waitFor(() => agent.log.some((l) => l.includes("refused this host's token")), { what: "agent told" });
  const board = await fetch(`${fleet.url}/api/v1/board`, {
    headers: { authorization: `Bearer ${BOARD_TOKEN}` },
  });
  visible.set("board JSON", await board.text());
  visible.set("fleetd log", fleet.log.join("\n"));
  visible.set("agent log", agent.log.join("\n"));
}, 300_000);

afterAll(async () => {
  await fleet?.stop();
});

function secrets(): Map<string, string> {
  const hostToken = JSON.parse(readFileSync(join(agent.stateDir, "credentials.json"), "utf8")).hostToken;
  const named = new Map<string, string>([
    ["admin token", fleet.adminToken],
    ["board token", BOARD_TOKEN],
    ["host token", hostToken],
    ...enrollTokens.map((t, i) => [`enroll token ${i}`, t] as [string, string]),
  ]);
  for (const [name, value] of [...named])
    named.set(`${name} hash`, createHash("sha256").update(value).digest("hex"));
  return named;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/** The only files allowed to hold each secret (or its hash). */
function allowedHolders(): Record<string, string[]> {
  const data = (f: string) => join(fleet.dataDir, f);
  // A journaled collection lives in its snapshot and its journal, whichever exist yet.
  const collection = (name: string) =>
    [data(`${name}.json`), data(`${name}.journal.jsonl`)].filter((f) => existsSync(f));
  return {
    "admin token": [data("admin-token")],
    "admin token hash": [data("secrets.json")],
    "host token": [join(agent.stateDir, "credentials.json")],
    "host token hash": collection("hosts"),
    ...Object.fromEntries(
      enrollTokens.map((_, i) => [`enroll token ${i} hash`, collection("enroll-tokens")]),
    ),
  };
}

test("no secret in logs, audit, job output, the board or fleetctl --json output", () => {
  expect(visible.get("job output")).toContain("begin"); // the job really printed its environment
  expect(visible.get("fleetctl audit")).toContain("host.revoked");
  const leaks: string[] = [];
  for (const [where, text] of visible)
    for (const [name, value] of secrets()) if (text.includes(value)) leaks.push(`${name} in ${where}`);
  expect(leaks).toEqual([]);
});

test("on disk, each secret is only in the file that must hold it", () => {
  const allowed = allowedHolders();
  const leaks: string[] = [];
  for (const file of [...filesUnder(fleet.dataDir), ...filesUnder(agent.root)]) {
    if (file === agent.bin || file.endsWith(".old")) continue; // the binaries
    const text = readFileSync(file, "utf8");
    for (const [name, value] of secrets())
      if (text.includes(value) && !allowed[name]?.includes(file)) leaks.push(`${name} in ${file}`);
  }
  expect(leaks).toEqual([]);
});

test("files holding secrets are 0600, in directories only their owner can enter", () => {
  const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);
  const holders = [...new Set(Object.values(allowedHolders()).flat())];
  expect(holders.length).toBeGreaterThanOrEqual(5);
  expect(Object.fromEntries(holders.map((f) => [f, mode(f)]))).toEqual(
    Object.fromEntries(holders.map((f) => [f, "600"])),
  );
  // Everything fleetd writes is private, not only the token files.
  const data = filesUnder(fleet.dataDir);
  expect(data.filter((f) => mode(f) !== "600")).toEqual([]);
  expect(mode(fleet.dataDir)).toBe("700");
  expect(mode(agent.stateDir)).toBe("700");
  expect(mode(join(agent.stateDir, "config.json"))).toBe("600");
});
