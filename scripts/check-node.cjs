// npm's preinstall step: stops `npm ci` at once, with the reason, on a Node.js older than
// package.json's engines (undici 7 and playwright-core need Node 20; Debian 12 ships 18).
// CommonJS and no dependencies, so it runs on any Node before anything is installed.
// Usage: node scripts/check-node.cjs [version to check, default this Node's]
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

const wanted = JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8")).engines.node;
const minimum = Number(/^>=\s*(\d+)/.exec(wanted)[1]);
const version = process.argv[2] || process.versions.node;
if (Number(version.split(".")[0]) < minimum) {
  console.error(
    `Fleet needs Node.js ${minimum} or newer (package.json engines: "${wanted}"); this is Node.js ${version}.\n` +
      `Install Node.js ${minimum}+ (Debian 12's own nodejs package is 18: use NodeSource's or nvm's), then run npm ci again.`,
  );
  process.exit(1);
}
