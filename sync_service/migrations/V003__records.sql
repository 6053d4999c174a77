-- The records syncs bring in, one row per (integration, id in the source), and the batches each run applied.

CREATE TABLE records (
  integration_id  uuid NOT NULL,
  external_id     text NOT NULL,
  data            jsonb NOT NULL,
  -- md5 of the record's JSON text: an unchanged record is not written again.
  content_hash    text NOT NULL,
  first_synced_at timestamptz NOT NULL,
  -- When the record last changed (or was first seen).
  last_synced_at  timestamptz NOT NULL,
  last_run_id     uuid NOT NULL,
  PRIMARY KEY (integration_id, external_id)
);

-- Record pages, newest first.
CREATE INDEX records_recent_idx ON records (integration_id, last_synced_at DESC, external_id);

-- One row per record batch a run applied: a batch sent again (after a reconnect) is applied once, and the
-- run's counts are the sums of its batches.
CREATE TABLE sync_run_batches (
  run_id    uuid NOT NULL,
  sequence  integer NOT NULL,
  inserted  integer NOT NULL,
  updated   integer NOT NULL,
  unchanged integer NOT NULL,
  PRIMARY KEY (run_id, sequence)
);
