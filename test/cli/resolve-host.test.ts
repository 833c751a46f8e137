// Host references: an id or a name everywhere a host is taken, never a guess when ambiguous.
import { expect, test } from "bun:test";
import { CliError } from "../../cli/errors.ts";
import { resolveHost } from "../../cli/resolve-host.ts";
import { makeHost, NOW } from "./fixtures.ts";

const web1 = makeHost({ id: "h_web1", name: "web1" });
const db = makeHost({ id: "h_db", name: "DB" });
const twinA = makeHost({ id: "h_twin_a", name: "twin" });
const twinB = makeHost({ id: "h_twin_b", name: "twin", lastSeen: null });
const hosts = [web1, db, twinA, twinB];

test("an id wins, then an exact name, then a name ignoring case", () => {
  expect(resolveHost(hosts, "h_web1", NOW)).toBe(web1);
  expect(resolveHost(hosts, "web1", NOW)).toBe(web1);
  expect(resolveHost(hosts, "db", NOW)).toBe(db);
  // A host named like another host's id still resolves to the id.
  const trap = makeHost({ id: "h_trap", name: "h_web1" });
  expect(resolveHost([...hosts, trap], "h_web1", NOW)).toBe(web1);
});

test("a name shared by several hosts is an error listing each with its id", () => {
  expect(() => resolveHost(hosts, "twin", NOW)).toThrow(CliError);
  expect(() => resolveHost(hosts, "twin", NOW)).toThrow(
    'host name "twin" matches 2 hosts; use an id:\n  twin  id h_twin_a  last seen 3s ago\n  twin  id h_twin_b  last seen never',
  );
});

test("an unknown reference lists the known names (or says none are enrolled)", () => {
  expect(() => resolveHost(hosts, "nope", NOW)).toThrow(
    'no host with id or name "nope" (known: DB, twin, twin, web1)',
  );
  expect(() => resolveHost([], "web1", NOW)).toThrow(
    'no host with id or name "web1" (no hosts are enrolled)',
  );
  const many = Array.from({ length: 11 }, (_, i) => makeHost({ id: `h_${i}`, name: `n${i}` }));
  expect(() => resolveHost(many, "x", NOW)).toThrow("11 hosts enrolled; see `fleetctl hosts`");
});
