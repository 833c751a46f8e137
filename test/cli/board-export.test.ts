// fleetctl board export's embedding: the board's data goes into index.html as an inert JSON
// block that no string in it (job output, reasons) can break out of.
import { expect, test } from "bun:test";
import { embedSnapshot, SNAPSHOT_MARK } from "../../cli/commands/board.ts";

const PAGE = `<head>${SNAPSHOT_MARK}</head><footer><a href="api/v1/board">board.json</a></footer>`;

test("data that contains </script> cannot end the JSON block", () => {
  const data = { board: { reason: "</script><script>alert(1)</script>", dollar: "$& $1 $$" } };
  const html = embedSnapshot(PAGE, data);
  expect(html.match(/<\/script>/g)).toHaveLength(1);
  const json = /<script id="fleet-snapshot" type="application\/json">(.*)<\/script>/.exec(html)![1]!;
  expect(JSON.parse(json)).toEqual(data);
  expect(html).toContain('href="board.json"');
});

test("a page without the placeholder is refused rather than exported without data", () => {
  expect(() => embedSnapshot("<html></html>", {})).toThrow(/no snapshot placeholder/);
});
