// --watch's two faces: on a terminal each snapshot clears the screen and redraws; into a pipe
// each is printed once after a line with its time. A first failure ends the watch; later ones
// (fleetd restarting) are reported and the watch goes on.
import { expect, test } from "bun:test";
import { watchLoop } from "../../cli/watch.ts";

async function run(tty: boolean, snapshots: (() => string)[]) {
  const stop = new AbortController();
  let out = "";
  let i = 0;
  const code = await watchLoop({
    intervalMs: 1,
    tty,
    title: "fleetctl hosts, every 2s",
    signal: stop.signal,
    write: (text) => {
      out += text;
    },
    snapshot: async () => {
      const next = snapshots[i++]!;
      if (i === snapshots.length) stop.abort();
      return next();
    },
  });
  return { code, out };
}

test("on a terminal: clear, title with the time, the snapshot; again for each", async () => {
  const { code, out } = await run(true, [() => "table 1", () => "table 2"]);
  expect(code).toBe(0);
  const frames = out.split("\u001b[H\u001b[2J").slice(1);
  expect(frames).toHaveLength(2);
  expect(frames[0]).toMatch(/^fleetctl hosts, every 2s {4}\S+Z\n\ntable 1\n$/);
  expect(frames[1]).toMatch(/table 2\n$/);
});

test("into a pipe: each snapshot once, after '# <time>', separated by a blank line, no escapes", async () => {
  const { out } = await run(false, [() => "table 1", () => "table 2"]);
  expect(out).toMatch(/^# \S+Z\ntable 1\n\n# \S+Z\ntable 2\n$/);
  expect(out).not.toContain("\u001b");
});

test("a failure after the first snapshot is shown and the watch goes on; a first failure ends it", async () => {
  const boom = () => {
    throw new Error("fleetd went away");
  };
  const { out } = await run(true, [() => "table 1", boom, () => "table 3"]);
  expect(out).toContain("Error: fleetd went away\n(retrying every 0.001s)");
  expect(out).toContain("table 3");
  await expect(run(false, [boom, () => "never"])).rejects.toThrow("fleetd went away");
});
