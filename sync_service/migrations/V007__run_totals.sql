-- The counts behind GetSyncStatus' summary (runs recorded, successful, failed, the newest completion),
-- kept up as runs are written instead of counted from the whole history at every call: a count of
-- sync_runs grows with the history (seconds at tens of millions of rows), and the web UI asks every few
-- seconds.
--
-- Rows are deltas. Every statement that adds, finishes or deletes runs inserts one row in the same
-- transaction (an insert locks nothing, so replicas and API calls never wait on each other here), and
-- sync_service folds the rows into one now and then (its presence refresh). The summary is their sum.
CREATE TABLE run_totals (
  total             bigint NOT NULL DEFAULT 0,
  successful        bigint NOT NULL DEFAULT 0,
  failed            bigint NOT NULL DEFAULT 0,
  -- The newest completion among the runs this row counts; deleting runs does not lower it.
  last_completed_at timestamptz
);

INSERT INTO run_totals (total, successful, failed, last_completed_at)
SELECT count(*), count(*) FILTER (WHERE status = 'SUCCESS'), count(*) FILTER (WHERE status = 'FAILED'),
       max(completed_at)
FROM sync_runs;
