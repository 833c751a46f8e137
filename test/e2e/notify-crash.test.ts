// The outbox survives fleetd being SIGKILLed: fleetd (a real process, from source) on a data dir,
// a webhook receiver on loopback refusing everything, test notifications queued by `fleetctl notify
// test` and failing; fleetd killed -9 with them pending; started again on the same data dir with the
// receiver accepting, every one arrives, once per idempotency key, signed with the channel's key.
import { afterAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { NOTIFY_HEADERS, verifyNotification } from "../../protocol/index.ts";
import { runToEnd } from "../harness/run-to-end.ts";
import { tempDir } from "../harness/temp-dir.ts";
import { spawnSourceFleetd, waitFor } from "../server/helpers.ts";
import { TestReceiver } from "../server/notify-receiver.ts";

const REPO_ROOT = resolve(import.meta.dir, "../..");
const LIMITS = JSON.stringify({ notifyBackoffBaseMs: 100, notifyBackoffCapMs: 300, sweepIntervalMs: 100 });
const receiver = TestReceiver.start();
afterAll(() => receiver.stop());

test("deliveries pending when fleetd is SIGKILLed arrive after it restarts, once each", async () => {
  const data = join(tempDir("notify-crash"), "data");
  const env = { FLEET_LIMITS: LIMITS, FLEET_DATA: data };
  const first = spawnSourceFleetd([], env);
  const url = await first.listening();
  const token = readFileSync(join(data, "admin-token"), "utf8").trim();
  const fleetctl = (...args: string[]) =>
    runToEnd(
      [process.execPath, "cli/main.ts", ...args],
      {
        FLEET_SERVER: url,
        FLEET_TOKEN: token,
        PATH: process.env.PATH ?? "",
        NO_COLOR: "1",
      },
      { cwd: REPO_ROOT, clean: true },
    );

  receiver.failing = true;
  const added = await fleetctl(
    "notify",
    "add",
    "ops",
    "--type",
    "webhook",
    "--url",
    `${receiver.url}/hook`,
    "--json",
  );
  expect(added.code).toBe(0);
  const { secret } = JSON.parse(added.stdout) as { secret: string };

  const keys: string[] = [];
  for (let i = 0; i < 3; i++) {
    const tested = await fleetctl("notify", "test", "ops", "--json");
    // The first attempt was refused: fleetctl says so and exits non-zero; the delivery stays pending.
    expect(tested.code).toBe(1);
    const { delivery } = JSON.parse(tested.stdout);
    expect(delivery.state).toBe("pending");
    expect(delivery.attempts).toBeGreaterThanOrEqual(1);
    expect(delivery.lastError).toStartWith("HTTP 503: not now");
    keys.push(delivery.idempotencyKey);
  }
  const listed = await fleetctl("notify", "list");
  expect(listed.stdout).toContain("failing since");

  first.child.kill("SIGKILL");
  await first.exited();
  expect(receiver.accepted.size).toBe(0);

  receiver.failing = false;
  const second = spawnSourceFleetd([], env);
  try {
    const again = await second.listening();
    await waitFor(
      () => receiver.accepted.size === keys.length,
      10_000,
      "the pending deliveries after the restart",
    );
    expect([...receiver.accepted.keys()].sort()).toEqual([...keys].sort());
    for (const [, copies] of receiver.accepted) {
      expect(copies).toHaveLength(1);
      const [r] = copies;
      const why = verifyNotification({
        secret,
        body: r!.body,
        timestamp: r!.headers[NOTIFY_HEADERS.timestamp] ?? null,
        signature: r!.headers[NOTIFY_HEADERS.signature] ?? null,
      });
      expect(why).toBeNull();
    }
    const list = await runToEnd(
      [process.execPath, "cli/main.ts", "notify", "list", "--json"],
      {
        FLEET_SERVER: again,
        FLEET_TOKEN: token,
        PATH: process.env.PATH ?? "",
      },
      { cwd: REPO_ROOT, clean: true },
    );
    const [channel] = JSON.parse(list.stdout).channels;
    expect(channel).toMatchObject({ name: "ops", delivered: 3, pending: 0, failingSince: null });
  } finally {
    second.child.kill("SIGTERM");
    await second.exited();
  }
});
