-- The coordinator's shared state (server/coordinator/postgres/).

-- A replica's heartbeat: its hosts count only while it is recent.
CREATE TABLE fleet_replicas (
  replica_id text PRIMARY KEY,
  started_at timestamptz NOT NULL DEFAULT now(),
  heartbeat_at timestamptz NOT NULL DEFAULT now()
);

-- The hosts each replica is in contact with (a held poll, or a request within the grace).
CREATE TABLE fleet_presence (
  replica_id text NOT NULL REFERENCES fleet_replicas ON DELETE CASCADE,
  host_id text NOT NULL,
  last_seen timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (replica_id, host_id)
);

-- The fencing epoch of each singleton task, bumped by every replica that takes the lead.
CREATE TABLE fleet_leader_epochs (
  task text PRIMARY KEY,
  epoch bigint NOT NULL
);

-- Wakes for polls held on another replica; the NOTIFY is the hint, this the record to catch up from.
CREATE TABLE fleet_wakes (
  seq bigserial PRIMARY KEY,
  host_id text NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX fleet_wakes_at ON fleet_wakes (at);
