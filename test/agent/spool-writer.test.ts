// The runner's spool writer holds what the disk refuses and tries again, but not for a spool whose
// directory is gone: nobody can read it any more, and a runner waiting for it never exits.
import { expect, test } from "bun:test";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { jobFiles } from "../../agent/jobs/spool.ts";
import { SPOOL_RETRY_MS, SpoolWriter } from "../../agent/jobs/spool-writer.ts";
import { tempDir } from "../harness/temp-dir.ts";

const RESULT = { state: "succeeded", exitCode: 0 } as const;

test("a spool that can be written gets the output, then the result", async () => {
  const files = jobFiles(join(tempDir("spool"), "j_1"));
  mkdirSync(files.dir);
  const writer = new SpoolWriter(files);
  writer.start();
  writer.line("stdout", "hello");
  await writer.finish(RESULT);
  expect(readFileSync(files.events, "utf8")).toContain('"data":"hello"');
  expect(JSON.parse(readFileSync(files.result, "utf8"))).toMatchObject({ ...RESULT, outputLines: 1 });
});

test("a spool whose directory was removed: finish returns at once instead of retrying for ever", async () => {
  const files = jobFiles(join(tempDir("spool"), "j_2"));
  mkdirSync(files.dir);
  const writer = new SpoolWriter(files);
  writer.start();
  rmSync(files.dir, { recursive: true });
  writer.line("stdout", "into the void");
  const started = performance.now();
  await writer.finish(RESULT);
  expect(performance.now() - started).toBeLessThan(SPOOL_RETRY_MS);
});
