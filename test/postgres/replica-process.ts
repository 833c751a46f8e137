// A replica in a process of its own, for the tests that kill one: opens the coordinator on the
// database in argv[2] as replica argv[3] with default timings, holds a poll for each host in
// argv[4…], writes "ready" once that is in the database, and runs until it is killed.
import { consola } from "consola";
import { PostgresCoordinator } from "../../server/coordinator/postgres/coordinator.ts";

const [url, replicaId, ...hosts] = Bun.argv.slice(2);
const coordinator = await PostgresCoordinator.open({
  url: url!,
  replicaId,
  offlineGraceMs: 10_000,
  log: consola.create({ level: 1 }),
});
for (const hostId of hosts) coordinator.presence.hold(hostId);
await coordinator.beat();
process.stdout.write("ready\n");
setInterval(() => {}, 3_600_000);
