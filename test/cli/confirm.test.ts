// Confirmation before host delete: a person at a terminal answers; without a terminal the
// command refuses and says to pass --yes, so an empty stdin never deletes anything.
import { expect, test } from "bun:test";
import { PassThrough } from "node:stream";
import { confirmOrRefuse } from "../../cli/confirm.ts";

function terminal(answer: string | null) {
  const input = Object.assign(new PassThrough(), { isTTY: true });
  const output = new PassThrough();
  let asked = "";
  output.on("data", (d) => (asked += d));
  if (answer !== null) setTimeout(() => input.write(`${answer}\n`), 5);
  return { io: { input, output }, asked: () => asked };
}

const opts = { yes: false, what: "delete host web1" };

test("a yes at the terminal goes ahead; anything else does not", async () => {
  const yes = terminal("y");
  await confirmOrRefuse("Delete host web1?", opts, yes.io);
  expect(yes.asked()).toContain("Delete host web1? [y/N] ");
  await expect(confirmOrRefuse("Delete host web1?", opts, terminal("").io)).rejects.toThrow(
    "did not delete host web1",
  );
  await expect(confirmOrRefuse("Delete host web1?", opts, terminal("nope").io)).rejects.toThrow("did not");
});

test("no terminal: refused with a message saying to pass --yes; --yes never asks", async () => {
  const piped = { input: new PassThrough(), output: new PassThrough() };
  await expect(confirmOrRefuse("Delete?", opts, piped)).rejects.toThrow(
    "refusing to delete host web1 without confirmation: stdin is not a terminal; pass --yes",
  );
  await confirmOrRefuse("Delete?", { ...opts, yes: true }, piped);
});
