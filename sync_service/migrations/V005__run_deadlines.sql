-- The time by which a run must end: its start plus the integration's syncTimeoutSeconds (or the service's
-- --default_sync_timeout), set when the run is handed to a worker. Workers stop a sync at its deadline; this
-- lets sync_service enforce it too: heartbeats extend a run's lease to at most deadline + grace, so a sync
-- whose connector ignores its deadline ends FAILED with TIMEOUT instead of staying RUNNING. NULL on runs
-- handed out before this migration (no cap).
ALTER TABLE sync_runs ADD COLUMN deadline_at timestamptz;
