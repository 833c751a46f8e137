// One contract for every repository (server/repository/types.ts): each intent's every outcome,
// that a refusal changes nothing, and the races two replicas can start at once, each asked twice
// concurrently. An implementation runs it by handing repositoryContract a way to open a fresh one.
import { alertsContract } from "./alerts.ts";
import { channelsContract } from "./channels.ts";
import { enrollContract } from "./enroll.ts";
import type { OpenRepository } from "./fixtures.ts";
import { hostsContract } from "./hosts.ts";
import { jobsContract } from "./jobs.ts";
import { outputContract } from "./output.ts";
import { rolloutsContract } from "./rollouts.ts";

export type { RepositoryUnderTest } from "./fixtures.ts";

export function repositoryContract(name: string, open: OpenRepository): void {
  enrollContract(name, open);
  hostsContract(name, open);
  jobsContract(name, open);
  outputContract(name, open);
  rolloutsContract(name, open);
  alertsContract(name, open);
  channelsContract(name, open);
}
