// fleetctl alerts end to end through a real fleetd: a failed test's job_failed listed (table and
// --json), acknowledged, its host silenced and unsilenced, silences listed, and bad input refused
// by fleetctl itself with a clear message and a non-zero exit.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { AlertList, AlertResponse, SilenceList, SilenceResponse } from "../../protocol/index.ts";
import { CliFixture } from "./cli-fixture.ts";
import { FakeAgent } from "./fake-agent.ts";

let cli: CliFixture;
let agent: FakeAgent;
const fleetctl = (...args: string[]) => cli.run(args);

beforeAll(async () => {
  cli = await CliFixture.start();
  agent = await FakeAgent.enroll(cli.url, cli.adminToken, "db1");
  await agent.hello("1.0.0");
  expect((await fleetctl("run", "test", "db1")).code).toBe(0);
  const run = await agent.nextRun();
  await agent.result(run.jobId, { state: "failed", exitCode: 1 });
});
afterAll(() => cli?.stop());

test("alerts lists the open job_failed, as a table and as JSON", async () => {
  const table = await fleetctl("alerts");
  expect(table.code).toBe(0);
  expect(table.stdout).toMatch(/^ID\s+RAISED\s+KIND\s+SUBJECT\s+STATE\s+MESSAGE/m);
  expect(table.stdout).toMatch(/a_\w+\s+just now\s+job_failed\s+db1\s+open\s+test failed on db1/);
  const { alerts } = AlertList.parse(JSON.parse((await fleetctl("alerts", "--json")).stdout));
  expect(alerts).toMatchObject([{ kind: "job_failed", subject: agent.hostId, silenced: false }]);
});

test("ack, silence, silences and unsilence, each with --json", async () => {
  const [alert] = AlertList.parse(JSON.parse((await fleetctl("alerts", "--json")).stdout)).alerts;
  const acked = await fleetctl("alerts", "ack", alert!.id);
  expect(acked.code).toBe(0);
  expect(acked.stdout).toContain(`Acknowledged ${alert!.id} (job_failed); it stays open`);
  const again = AlertResponse.parse(
    JSON.parse((await fleetctl("alerts", "ack", alert!.id, "--json")).stdout),
  );
  expect(again.alert.ackedBy).toBe("admin");

  const silenced = await fleetctl("alerts", "silence", "db1", "--for", "2h");
  expect(silenced.code).toBe(0);
  expect(silenced.stdout).toMatch(/^Silenced host db1 until \S+: its alerts are still raised/);
  const asJson = SilenceResponse.parse(
    JSON.parse((await fleetctl("alerts", "silence", "job_failed", "--for", "30m", "--json")).stdout),
  );
  expect(asJson.silence).toMatchObject({ subject: "job_failed", subjectType: "kind" });
  const listed = await fleetctl("alerts", "silences");
  expect(listed.stdout).toMatch(/^db1\s+host\s+in 1h 59m\s+admin$/m);
  expect(listed.stdout).toMatch(/^job_failed\s+kind\s+in 29m \d\ds\s+admin$/m);
  expect((await fleetctl("alerts")).stdout).toMatch(/open, acked by admin, silenced/);

  for (const subject of ["db1", "job_failed"])
    expect((await fleetctl("alerts", "unsilence", subject)).code).toBe(0);
  const none = SilenceList.parse(JSON.parse((await fleetctl("alerts", "silences", "--json")).stdout));
  expect(none.silences).toEqual([]);
  expect((await fleetctl("alerts", "silences")).stdout).toContain("No silences in force.");
});

test("bad input: a clear message and a non-zero exit", async () => {
  const cases: [string[], RegExp][] = [
    [["alerts", "silence", "db1", "--for", "2x"], /--for: a duration is a positive whole number and a unit/],
    [["alerts", "silence", "db1", "--for", "-2h"], /--for: a duration is a positive whole number/],
    [["alerts", "silence", "db1", "--for", "31d"], /at most 30d/],
    [["alerts", "silence", "db1"], /needs --for, e\.g\. --for 2h/],
    [["alerts", "silence", "nosuch", "--for", "2h"], /"nosuch" is neither a host nor an alert kind/],
    [["alerts", "ack"], /needs an alert id/],
    [["alerts", "ack", "a_nosuch"], /no alert with id "a_nosuch"/],
    [["alerts", "unsilence", "db1"], /no silence in force on "db1"/],
    [["alerts", "silense", "db1"], /unknown action "silense"; did you mean: fleetctl alerts silence/],
  ];
  for (const [args, message] of cases) {
    const r = await fleetctl(...args);
    expect({ args, code: r.code === 0 ? 0 : "non-zero", stderr: r.stderr }).toEqual({
      args,
      code: "non-zero",
      stderr: expect.stringMatching(message),
    });
  }
});
