// `fleetctl update --wait` as an operator sees it: on a terminal (a real one, tmux) a progress
// bar redrawn in place — seen mid-rollout, and on the final screen exactly once; piped, plain
// lines with the bar repeated as it changes, and no carriage returns or escape codes.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { tierSkipReason } from "../../scripts/test/tiers.ts";
import { type Binaries, ensureBinaries, TestFleet, waitFor } from "../harness/index.ts";
import { Tmux } from "../harness/tmux.ts";

const noTerminal = tierSkipReason("terminal");
if (noTerminal) console.log(`test/e2e/progress-tty: skipping the terminal test: ${noTerminal}`);

let v1: Binaries;
let v2: Binaries;
let fleet: TestFleet;
const LIMITS = { FLEET_LIMITS: JSON.stringify({ updateSoakMs: 1000, updateTimeoutMs: 60_000 }) };
const agentConfig = { update: { healthGraceSeconds: 15, soakSeconds: 1 } };
const BAR = /^\[[#-]{24}\] /;

beforeAll(async () => {
  [v1, v2] = await Promise.all([ensureBinaries("1.0.0-test"), ensureBinaries("2.0.0-test")]);
  fleet = await TestFleet.start(v2, [], LIMITS);
  for (const name of ["h1", "h2", "h3", "h4"])
    await fleet.addAgent(name, { binary: v1.agent, config: agentConfig });
  await waitFor(async () => (await fleet.hosts()).filter((h) => h.online).length === 4, {
    what: "four v1 hosts online",
    timeoutMs: 30_000,
  });
}, 600_000);

afterAll(async () => {
  await fleet?.stop();
});

test("piped: plain lines, the bar on a line of its own each time it changes", async () => {
  const r = await fleet.fleetctl(["update", "h1", "h2", "--wait"], { FLEET_FOLLOW_POLL_MS: "200" });
  expect(r.code).toBe(0);
  expect(r.stdout).not.toContain("\r");
  expect(r.stdout).not.toContain("\u001b");
  const lines = r.stdout.split("\n");
  expect(lines).toContain("h1 (canary): in progress");
  // Success is told by whichever comes first: the agent's own report, or fleetd's soak of the
  // new version's hello (1 s here) — on a loaded machine either can win.
  expect(lines.filter((l) => l.startsWith("h2 (batch 1): done — "))).toEqual([
    expect.stringMatching(
      /^h2 \(batch 1\): done — (updated 1\.0\.0-test → 2\.0\.0-test|host runs 2\.0\.0-test)$/,
    ),
  ]);
  const bars = lines.filter((l) => BAR.test(l));
  expect(bars.length).toBeGreaterThanOrEqual(3);
  expect(bars.at(-1)).toBe("[########################] 2/2 · completed");
}, 120_000);

test.skipIf(noTerminal !== null)(
  "on a terminal: one bar, redrawn in place, seen while hosts update",
  async () => {
    const env = { FLEET_SERVER: fleet.url, FLEET_TOKEN: fleet.adminToken, FLEET_FOLLOW_POLL_MS: "200" };
    const command = `${v2.fleetctl} update h3 h4 --wait; echo "EXIT=$?"; sleep 600`;
    const term = Tmux.start(["sh", "-c", command], { width: 100, height: 30, env });
    try {
      const midway = await term.waitForScreen(
        (s) => s.split("\n").some((l) => BAR.test(l) && l.includes("in progress")),
        "a bar with a host updating",
        60_000,
      );
      console.log(`mid-rollout screen:\n${midway}`);
      const final = await term.waitForScreen((s) => s.includes("EXIT="), "fleetctl to finish", 90_000);
      console.log(`final screen:\n${final}`);
      const bars = final.split("\n").filter((l) => BAR.test(l));
      expect(bars).toEqual(["[########################] 2/2 · completed"]);
      expect(final).toContain("h4 (batch 1): done");
      expect(final).toContain("EXIT=0");
    } finally {
      term.kill();
    }
  },
  180_000,
);
