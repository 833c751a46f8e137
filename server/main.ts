#!/usr/bin/env bun
// fleetd's entry point: runs the command line defined in cli.ts.
import { runMain } from "citty";
import { fleetdCommand, showPlainUsage } from "./cli.ts";

runMain(fleetdCommand, { showUsage: showPlainUsage });
