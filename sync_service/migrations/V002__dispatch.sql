-- The sync loop: which replica and worker hold a run, workers and replicas that are alive.

ALTER TABLE sync_runs ADD COLUMN replica_id text;

-- Manual triggers waiting for a worker, oldest first. Scheduled runs start RUNNING and never enter it, so
-- it costs them nothing. (The lease reaper reads the few RUNNING runs through sync_runs_one_active_idx.)
CREATE INDEX sync_runs_pending_idx ON sync_runs (created_at, id) WHERE status = 'PENDING';

-- A sync_service process. Rows of replicas that stopped refreshing last_seen_at are stale.
CREATE TABLE replicas (
  id           text PRIMARY KEY,
  started_at   timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL
);

-- A worker connected to a replica.
CREATE TABLE workers (
  id                text PRIMARY KEY,
  name              text NOT NULL,
  version           text NOT NULL,
  capacity          integer NOT NULL,
  replica_id        text NOT NULL,
  connected_at      timestamptz NOT NULL,
  last_heartbeat_at timestamptz NOT NULL,
  draining          boolean NOT NULL DEFAULT false
);

-- Run ids ordered by time (UUID version 7 layout: 48 bits of Unix milliseconds, then random bits), so new
-- runs append to the right edge of the primary-key index instead of touching random pages of it.
CREATE FUNCTION syncd_uuid_v7() RETURNS uuid LANGUAGE sql VOLATILE AS $$
  SELECT encode(
    set_bit(set_bit(
      overlay(uuid_send(gen_random_uuid())
              PLACING substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
              FROM 1 FOR 6),
      52, 1), 53, 1),
    'hex')::uuid
$$;
ALTER TABLE sync_runs ALTER COLUMN id SET DEFAULT syncd_uuid_v7();
