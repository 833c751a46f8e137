// fleetctl's pure formatting: tables, detail fields, relative times and durations.
import { describe, expect, test } from "bun:test";
import { formatFields, formatTable, visibleWidth } from "../../cli/format/table.ts";
import { formatDuration, relativeTime } from "../../cli/format/time.ts";
import { NOW, secondsAgo } from "./fixtures.ts";

describe("formatTable", () => {
  test("pads columns to the widest cell, two spaces apart, no trailing spaces", () => {
    const text = formatTable(
      ["NAME", "STATUS", "VERSION"],
      [
        ["web1", "online", "1.0.0"],
        ["database-2", "offline", ""],
      ],
    );
    expect(text.split("\n")).toEqual([
      "NAME        STATUS   VERSION",
      "web1        online   1.0.0",
      "database-2  offline",
    ]);
  });

  test("right-aligned columns pad on the left", () => {
    const text = formatTable(
      ["JOB", { header: "EXIT", align: "right" }],
      [
        ["j1", "0"],
        ["j22", "127"],
      ],
    );
    expect(text.split("\n")).toEqual(["JOB  EXIT", "j1      0", "j22   127"]);
  });

  test("colour escapes do not count toward width", () => {
    const green = "\u001b[32monline\u001b[39m";
    expect(visibleWidth(green)).toBe(6);
    const lines = formatTable(
      ["S", "X"],
      [
        [green, "a"],
        ["offline", "b"],
      ],
    ).split("\n");
    expect(lines[1]).toBe(`${green}   a`);
    expect(lines[2]).toBe("offline  b");
  });

  test("a newline inside a cell cannot break the rows below", () => {
    const text = formatTable(["A", "B"], [["one\ntwo", "x"]]);
    expect(text.split("\n")).toHaveLength(2);
  });

  test("no rows renders just the header", () => {
    expect(formatTable(["A", "B"], [])).toBe("A  B");
  });
});

test("formatFields aligns values after the longest key", () => {
  expect(
    formatFields([
      ["ID", "h_1"],
      ["Last seen", "3s ago"],
    ]),
  ).toBe("ID:        h_1\nLast seen: 3s ago");
});

describe("relativeTime", () => {
  test.each([
    [0, "just now"],
    [3, "3s ago"],
    [59, "59s ago"],
    [60, "1m ago"],
    [3599, "59m ago"],
    [3600, "1h ago"],
    [47 * 3600, "47h ago"],
    [72 * 3600, "3d ago"],
  ])("%i seconds ago reads %p", (seconds, expected) => {
    expect(relativeTime(secondsAgo(seconds), NOW)).toBe(expected);
  });

  test("never seen, and a timestamp ahead of our clock (skew), read sensibly", () => {
    expect(relativeTime(null, NOW)).toBe("never");
    expect(relativeTime(secondsAgo(-30), NOW)).toBe("just now");
  });
});

test("formatDuration picks a unit an operator reads at a glance", () => {
  expect(formatDuration(850)).toBe("850ms");
  expect(formatDuration(12_340)).toBe("12.3s");
  expect(formatDuration(245_000)).toBe("4m 05s");
  expect(formatDuration(7_800_000)).toBe("2h 10m");
});
