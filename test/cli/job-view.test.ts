// `job --follow`'s view: a bar redrawn under the output on a terminal; when piped, stdout gets
// the job's output only and each progress change is one plain line on the side channel.
import { describe, expect, test } from "bun:test";
import { createJobFollowView, renderJobBar } from "../../cli/job-view.ts";
import { makeJob, NOW, secondsAgo } from "./fixtures.ts";

const running = makeJob({
  op: "test",
  state: "running",
  startedAt: secondsAgo(4),
  progress: { current: 2, total: 4, label: "T02-services.sh" },
});

test("the bar shows steps done, the current step, the state and time so far", () => {
  expect(renderJobBar(running, NOW, 8)).toBe("[####----] 2/4 T02-services.sh · running 4.0s");
  expect(renderJobBar(makeJob({ state: "queued" }), NOW, 4)).toBe("[----] · queued 1m 00s");
  expect(renderJobBar({ ...running, state: "succeeded" }, NOW, 4)).toBe(
    "[##--] 2/4 T02-services.sh · succeeded",
  );
});

describe("createJobFollowView", () => {
  const collect = (tty: boolean) => {
    const out: string[] = [];
    const notes: string[] = [];
    const view = createJobFollowView({
      tty,
      write: (t) => out.push(t),
      note: (l) => notes.push(l),
      now: () => NOW,
    });
    return { out, notes, view };
  };

  test("on a terminal, output scrolls above a bar that is redrawn in place", () => {
    const { out, notes, view } = collect(true);
    view.update(running);
    view.output(["checking systemd units..."]);
    view.finish({ ...running, state: "succeeded", progress: { current: 4, total: 4 } });
    expect(out[0]).toStartWith("\r\u001b[2K[");
    expect(out[1]).toBe(
      "\r\u001b[2Kchecking systemd units...\n[############------------] 2/4 T02-services.sh · running 4.0s",
    );
    expect(out[2]).toBe("\r\u001b[2K[########################] 4/4 · succeeded\n");
    expect(notes).toEqual([]);
  });

  test("piped: stdout is exactly the output; progress changes are plain notes, once each", () => {
    const { out, notes, view } = collect(false);
    view.update(running);
    view.update(running);
    view.output(["a", "b"]);
    view.update({ ...running, progress: { current: 3, total: 4, label: "T03-network.sh" } });
    view.finish(running);
    expect(out.join("")).toBe("a\nb\n");
    expect(notes).toEqual(["progress 2/4 T02-services.sh", "progress 3/4 T03-network.sh"]);
  });
});
