-- Integrations and their sync runs.

CREATE TABLE integrations (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name                  text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
  type                  text NOT NULL CHECK (type IN ('HTTP_JSON', 'DEMO')),
  config                jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(config) = 'object'),
  -- NULL: manual only. The service enforces its configured range (60 s .. 7 days by default).
  sync_interval_seconds integer CHECK (sync_interval_seconds BETWEEN 1 AND 604800),
  sync_enabled          boolean NOT NULL DEFAULT true,
  -- NULL when paused or manual only.
  next_sync_at          timestamptz,
  last_sync_at          timestamptz,
  last_sync_status      text CHECK (last_sync_status IN ('SUCCESS', 'FAILED', 'CANCELLED')),
  last_sync_error       text,
  retry_count           integer NOT NULL DEFAULT 0 CHECK (retry_count >= 0),
  paused_reason         text,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now()
);

-- Names are unique regardless of case: "Stripe" and "stripe" would be the same thing to an admin.
CREATE UNIQUE INDEX integrations_name_key ON integrations (lower(name));

-- The scheduler's question: which enabled integrations are due, earliest first. The id makes every key
-- distinct: with equal times (many integrations due at the same instant) btree deduplication would pack
-- them into posting lists, whose entries cannot be marked dead one by one, so every claim would revisit
-- the rows of all integrations already synced.
CREATE INDEX integrations_due_idx ON integrations (next_sync_at, id)
  WHERE sync_enabled AND next_sync_at IS NOT NULL;

CREATE TABLE sync_runs (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- No foreign key: its check costs a lookup and a row lock on the integration for every run inserted, a
  -- third of the cost of starting a sync. Runs are only created under a lock on their integration, and
  -- deleting an integration deletes its runs under that same lock (SyncStore::DeleteIntegration).
  integration_id    uuid NOT NULL,
  status            text NOT NULL CHECK (status IN ('PENDING', 'RUNNING', 'SUCCESS', 'FAILED', 'CANCELLED')),
  trigger           text NOT NULL CHECK (trigger IN ('SCHEDULED', 'MANUAL', 'RETRY')),
  attempt           integer NOT NULL DEFAULT 1 CHECK (attempt >= 1),
  scheduled_for     timestamptz NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  started_at        timestamptz,
  completed_at      timestamptz,
  duration_ms       integer CHECK (duration_ms >= 0),
  records_count     integer NOT NULL DEFAULT 0,
  records_inserted  integer NOT NULL DEFAULT 0,
  records_updated   integer NOT NULL DEFAULT 0,
  records_unchanged integer NOT NULL DEFAULT 0,
  error_code        text,
  error_message     text,
  suggestion        text,
  worker_id         text,
  -- While RUNNING: the run is failed as WORKER_LOST if no heartbeat extends it past this time.
  lease_expires_at  timestamptz
);

-- At most one PENDING or RUNNING run per integration, whatever any process believes.
CREATE UNIQUE INDEX sync_runs_one_active_idx ON sync_runs (integration_id)
  WHERE status IN ('PENDING', 'RUNNING');

-- History pages: an integration's runs, newest first.
CREATE INDEX sync_runs_history_idx ON sync_runs (integration_id, created_at DESC, id DESC);

-- Recent runs across integrations.
CREATE INDEX sync_runs_recent_idx ON sync_runs (created_at DESC, id DESC);
