// fleetctl: the operator's CLI for fleetd. Entry point of the compiled `fleetctl` binary.
import { runMain } from "citty";
import { registerCommandTree, showUsageWithExamples } from "./command.ts";
import { commandTree } from "./command-tree.ts";
import { logger } from "./output.ts";
import { fleetctl } from "./root.ts";
import { findTypo } from "./typos.ts";

registerCommandTree(fleetctl, "fleetctl");
// citty would say "Unknown command" without a suggestion, and ignore an unknown flag altogether.
const typo = findTypo(commandTree(fleetctl), process.argv.slice(2));
if (typo) {
  logger.error(typo);
  process.exit(1);
}
await runMain(fleetctl, { showUsage: showUsageWithExamples });
