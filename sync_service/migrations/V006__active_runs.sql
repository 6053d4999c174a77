-- The runs in flight (PENDING or RUNNING) move out of sync_runs' indexes into a small table of their own,
-- one row per integration: its primary key is what guarantees at most one active run per integration
-- (before: a partial unique index on sync_runs WHERE status IN ('PENDING', 'RUNNING')).
--
-- Why: an index whose definition or predicate mentions a column makes every update of that column write a
-- new index entry in every index of the table. With status in two partial indexes, finishing a run was
-- never a HOT update: it cost a new tuple on another page and three index entries (primary key, history,
-- recent). Now no index of sync_runs mentions a column that changes after the insert, and the table keeps
-- half of each page free so that the finished version of a run lands next to the running one: finishing,
-- heartbeats and handing a manual run to a worker are HOT updates (docs/benchmarks.md §1).
CREATE TABLE active_runs (
  integration_id uuid PRIMARY KEY,
  run_id         uuid NOT NULL,
  -- Set while a manual run waits for a worker (PENDING): manual runs are handed out oldest first.
  pending_since  timestamptz
);
CREATE INDEX active_runs_pending_idx ON active_runs (pending_since, run_id) WHERE pending_since IS NOT NULL;

INSERT INTO active_runs (integration_id, run_id, pending_since)
SELECT integration_id, id, CASE WHEN status = 'PENDING' THEN created_at END
FROM sync_runs WHERE status IN ('PENDING', 'RUNNING');

DROP INDEX sync_runs_one_active_idx;
DROP INDEX sync_runs_pending_idx;
ALTER TABLE sync_runs SET (fillfactor = 50);
