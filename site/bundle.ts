// The board's files, produced at build time by a Bun macro (imported `with { type: "macro" }`
// from server/routes/board/site.ts): the macro's result is inlined into the importing module,
// so `bun build --compile` puts the page inside fleetd and nothing is read from disk at run
// time. Bun.build cannot run inside a macro (the bundler would wait on itself), so the
// TypeScript is bundled by a `bun build` child process.
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface SiteFiles {
  html: string;
  css: string;
  js: string;
}

export function siteFiles(): SiteFiles {
  const dir = import.meta.dir;
  const build = Bun.spawnSync(
    [process.execPath, "build", join(dir, "app.ts"), "--target=browser", "--format=iife", "--minify"],
    { stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } },
  );
  if (build.exitCode !== 0) throw new Error(`bundling site/app.ts failed:\n${build.stderr.toString()}`);
  return {
    html: readFileSync(join(dir, "index.html"), "utf8"),
    css: readFileSync(join(dir, "board.css"), "utf8"),
    js: build.stdout.toString(),
  };
}
