// Every SQL statement of the sync store, by name. The name is also the prepared-statement name.
#pragma once

#include <string>
#include <vector>

namespace syncd::store {

struct Statement {
  const char* name;
  std::string sql;
};

namespace sql {

// SQL reads better laid out by hand.
// clang-format off

// Times cross the wire as microseconds since the Unix epoch: exact both ways, no time zone parsing.
#define SYNCD_TS_IN(n) "(timestamptz 'epoch' + $" #n "::bigint * interval '1 microsecond')"
#define SYNCD_TS_OUT(col) "(extract(epoch FROM " col ") * 1000000)::bigint"
// While a run of an integration is in flight (it has a row in active_runs), next_sync_at keeps the time that
// run was due (updating the row at every claim would double the writes per sync); due-work questions skip
// such integrations.
#define SYNCD_NOT_IN_FLIGHT(alias) \
  "AND NOT EXISTS (SELECT 1 FROM active_runs a WHERE a.integration_id = " alias ".id)"
// Counts the runs a statement deleted (CTE `d`, returning their status) out of run_totals (migration V007).
#define SYNCD_COUNT_OUT_DELETED_RUNS                                                                     \
  "INSERT INTO run_totals (total, successful, failed) "                                                 \
  "SELECT -count(*), -count(*) FILTER (WHERE d.status = 'SUCCESS'), -count(*) FILTER (WHERE d.status = " \
  "'FAILED') FROM d HAVING count(*) > 0"

inline const char* const kIntegrationColumns =
    "i.id::text AS id, i.name, i.type, i.config::text AS config, i.sync_interval_seconds, i.sync_enabled, "
    SYNCD_TS_OUT("i.next_sync_at") " AS next_sync_at, " SYNCD_TS_OUT("i.last_sync_at") " AS last_sync_at, "
    "i.last_sync_status, i.last_sync_error, i.retry_count, i.paused_reason, "
    SYNCD_TS_OUT("i.created_at") " AS created_at, " SYNCD_TS_OUT("i.updated_at") " AS updated_at, "
    "EXISTS (SELECT 1 FROM active_runs a WHERE a.integration_id = i.id) AS has_active_run";

inline const char* const kRunColumns =
    "r.id::text AS id, r.integration_id::text AS integration_id, r.status, r.trigger, r.attempt, "
    SYNCD_TS_OUT("r.scheduled_for") " AS scheduled_for, " SYNCD_TS_OUT("r.created_at") " AS created_at, "
    SYNCD_TS_OUT("r.started_at") " AS started_at, " SYNCD_TS_OUT("r.completed_at") " AS completed_at, "
    "r.duration_ms, r.records_count, r.records_inserted, r.records_updated, r.records_unchanged, "
    "r.error_code, r.error_message, r.suggestion, r.worker_id";

// The API's view of a run: while it runs, its record counts are the sums of the batches it stored so far
// (a finished run has them in its own columns). The CASE runs the sums for running runs only.
#define SYNCD_RUNNING_SUM(expr, column)                                                              \
  "CASE WHEN r.status = 'RUNNING' THEN (SELECT COALESCE(sum(" expr "), 0)::integer "                 \
  "FROM sync_run_batches b WHERE b.run_id = r.id) ELSE r." column " END AS " column
inline const char* const kRunColumnsLive =
    "r.id::text AS id, r.integration_id::text AS integration_id, r.status, r.trigger, r.attempt, "
    SYNCD_TS_OUT("r.scheduled_for") " AS scheduled_for, " SYNCD_TS_OUT("r.created_at") " AS created_at, "
    SYNCD_TS_OUT("r.started_at") " AS started_at, " SYNCD_TS_OUT("r.completed_at") " AS completed_at, "
    "r.duration_ms, " SYNCD_RUNNING_SUM("b.inserted + b.updated + b.unchanged", "records_count") ", "
    SYNCD_RUNNING_SUM("b.inserted", "records_inserted") ", " SYNCD_RUNNING_SUM("b.updated", "records_updated")
    ", " SYNCD_RUNNING_SUM("b.unchanged", "records_unchanged") ", "
    "r.error_code, r.error_message, r.suggestion, r.worker_id";

inline const Statement kGetIntegration = {
    "get_integration", std::string("SELECT ") + kIntegrationColumns + " FROM integrations i WHERE i.id = $1"};

// GetIntegration's batched form (ReadCoalescer): the integrations among $1 (canonical UUID texts), in any
// order; an id with no row is absent.
inline const Statement kGetIntegrations = {
    "get_integrations",
    std::string("SELECT ") + kIntegrationColumns + " FROM integrations i WHERE i.id = ANY($1::uuid[])"};

inline const Statement kLockIntegration = {
    "lock_integration",
    std::string("SELECT ") + kIntegrationColumns + " FROM integrations i WHERE i.id = $1 FOR UPDATE"};

inline const Statement kListIntegrations = {
    "list_integrations", std::string("SELECT ") + kIntegrationColumns +
                             " FROM integrations i ORDER BY lower(i.name), i.id LIMIT $1 OFFSET $2"};

inline const Statement kCountIntegrations = {"count_integrations", "SELECT count(*) FROM integrations"};

inline const Statement kInsertIntegration = {
    "insert_integration",
    "INSERT INTO integrations (name, type, config, sync_interval_seconds, sync_enabled, next_sync_at, "
    "created_at, updated_at, target_host) "
    "VALUES ($1, $2, $3::jsonb, $4, $5, " SYNCD_TS_IN(6) ", " SYNCD_TS_IN(7) ", " SYNCD_TS_IN(7) ", $8) "
    "RETURNING id::text"};

inline const Statement kUpdateIntegration = {
    "update_integration",
    "UPDATE integrations SET name = $2, type = $3, config = $4::jsonb, sync_interval_seconds = $5, "
    "sync_enabled = $6, next_sync_at = " SYNCD_TS_IN(7) ", retry_count = $8, paused_reason = $9, "
    "updated_at = " SYNCD_TS_IN(10) ", target_host = $11 WHERE id = $1"};

// Deleting an integration: lock it (so no run can start meanwhile), delete its runs, then the row.
inline const Statement kDeleteRunsOfIntegration = {
    "delete_runs_of_integration",
    "WITH a AS (DELETE FROM active_runs WHERE integration_id = $1), "
    "  d AS (DELETE FROM sync_runs WHERE integration_id = $1 RETURNING status) " SYNCD_COUNT_OUT_DELETED_RUNS};
inline const Statement kDeleteIntegration = {"delete_integration",
                                             "DELETE FROM integrations WHERE id = $1 RETURNING id"};

inline const Statement kActiveRun = {
    "active_run", std::string("SELECT ") + kRunColumnsLive +
                      " FROM active_runs a JOIN sync_runs r ON r.id = a.run_id WHERE a.integration_id = $1"};

// A manual run waiting for a worker. Callers hold the integration's row lock; the primary key of
// active_runs backs it up (a second active run of the integration fails the insert).
inline const Statement kInsertPendingRun = {
    "insert_pending_run",
    std::string(
        "WITH r AS (INSERT INTO sync_runs (integration_id, status, trigger, attempt, scheduled_for, created_at) "
        "    VALUES ($1, 'PENDING', $2, $3, " SYNCD_TS_IN(4) ", " SYNCD_TS_IN(5) ") RETURNING *), "
        "  a AS (INSERT INTO active_runs (integration_id, run_id, pending_since) "
        "    SELECT r.integration_id, r.id, r.created_at FROM r), "
        "  tot AS (INSERT INTO run_totals (total) SELECT count(*) FROM r) "
        "SELECT ") + kRunColumns + " FROM r"};

inline const Statement kRunHistoryPage = {"run_history_page",
                                          std::string("SELECT ") + kRunColumnsLive +
                                              " FROM sync_runs r WHERE r.integration_id = $1 "
                                              "ORDER BY r.created_at DESC, r.id DESC LIMIT $2 OFFSET $3"};

inline const Statement kRunHistoryCount = {"run_history_count",
                                           "SELECT count(*) FROM sync_runs WHERE integration_id = $1"};

inline const Statement kRecentRuns = {"recent_runs",
                                      std::string("SELECT ") + kRunColumnsLive +
                                          " FROM sync_runs r ORDER BY r.created_at DESC, r.id DESC LIMIT $1"};

// The summary: run_totals (migration V007) and the runs in flight.
inline const Statement kRunSummary = {
    "run_summary",
    "SELECT COALESCE(sum(total), 0) AS total, COALESCE(sum(successful), 0) AS successful, "
    "COALESCE(sum(failed), 0) AS failed, (SELECT count(*) FROM active_runs) AS in_progress, "
    SYNCD_TS_OUT("max(last_completed_at)") " AS last_completed_at FROM run_totals"};

// Folds the rows of run_totals into one once there are more than a few. Rows that another transaction
// adds meanwhile are not in its snapshot and stay; two folds at once each take the rows the other did not.
inline const Statement kFoldRunTotals = {
    "fold_run_totals",
    "WITH d AS (DELETE FROM run_totals WHERE (SELECT count(*) FROM run_totals) > 32 RETURNING *) "
    "INSERT INTO run_totals (total, successful, failed, last_completed_at) "
    "SELECT sum(total), sum(successful), sum(failed), max(last_completed_at) FROM d HAVING count(*) > 0"};

inline const Statement kNextScheduledSync = {
    "next_scheduled_sync",
    "SELECT " SYNCD_TS_OUT("min(i.next_sync_at)") " FROM integrations i "
    "WHERE i.sync_enabled AND i.next_sync_at IS NOT NULL " SYNCD_NOT_IN_FLIGHT("i")};

// --- The sync loop -------------------------------------------------------------------------------

#define SYNCD_TS_COL(col) "(timestamptz 'epoch' + " col " * interval '1 microsecond')"

// Batch statements join arrays of up to --dispatch_batch elements with big tables. The planner cannot see
// an array's size in a generic plan, and even in a custom plan it prefers hashing a whole table (a sequential
// scan of every integration per batch: measured 19 ms for 512 of 50,000 rows, growing with the table) over
// a few hundred index probes (3 ms). Likewise, statistics taken while a backlog drains can make it read
// every due integration and sort them, rather than walk the due index in order until it has enough
// (measured: 28,000 rows read and sorted for 512 claimed), or scan sync_runs whole while it is small. Custom
// plans, nested loops and plain index scans only, and a sort only where nothing else gives the order, for
// the transaction. The planner costs what these options turn off as enormous, which would make it compile
// the statements (JIT, tens of milliseconds each): off too.
#define SYNCD_PLAN_OPTIONS                                                                                  \
  "set_config('plan_cache_mode', 'force_custom_plan', true), set_config('enable_hashjoin', 'off', true), " \
  "set_config('enable_mergejoin', 'off', true), set_config('enable_seqscan', 'off', true), "               \
  "set_config('enable_bitmapscan', 'off', true), set_config('enable_sort', 'off', true), "                 \
  "set_config('jit', 'off', true)"
inline const Statement kCustomPlans = {"custom_plans", "SELECT " SYNCD_PLAN_OPTIONS};

// What a worker needs to run a claimed run: the run plus the integration snapshot.
inline const char* const kAssignmentColumns =
    ", i.name AS integration_name, i.type AS integration_type, i.config::text AS integration_config, "
    SYNCD_TS_OUT("r.deadline_at") " AS deadline_at";

// kClaimDueRuns returns the integration snapshots as rows of their own rather than joining integrations
// again for them (a second index lookup of each row it has just read): a run row with these columns NULL,
// and a snapshot row per claimed integration whose run columns are NULL but for the integration id.
inline const char* const kSnapshotLaterColumns =
    ", NULL AS integration_name, NULL AS integration_type, NULL AS integration_config, "
    SYNCD_TS_OUT("r.deadline_at") " AS deadline_at";
inline const char* const kSnapshotRunColumns =
    "NULL, n.id::text, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
    "NULL, n.name, n.type, n.config::text, NULL";

// A run's deadline: its start plus the integration's config.syncTimeoutSeconds when that is a positive
// number (saving checks 1..86400; the cap keeps old rows in range), else the default (seconds, parameter).
#define SYNCD_DEADLINE(config, start, default_seconds)                                                  \
  "(" start " + CASE WHEN jsonb_typeof(" config "->'syncTimeoutSeconds') = 'number' AND (" config          \
  "->>'syncTimeoutSeconds')::float8 > 0 THEN LEAST((" config "->>'syncTimeoutSeconds')::float8, 86400) "  \
  "ELSE " default_seconds "::float8 END * interval '1 second')"

// Hands manual runs waiting for a worker to this replica's free slots ($1: one worker id per slot).
// Manual triggers go first, so this runs before kClaimDueRuns.
inline const Statement kClaimPendingRuns = {
    "claim_pending_runs",
    std::string(
        "WITH p AS (SELECT a.run_id AS id, a.integration_id FROM active_runs a WHERE a.pending_since IS NOT NULL "
        "    ORDER BY a.pending_since, a.run_id LIMIT cardinality($1::text[]) FOR UPDATE SKIP LOCKED), "
        "  n AS (SELECT p.*, row_number() OVER (ORDER BY p.id) AS slot FROM p), "
        "  s AS (UPDATE active_runs a SET pending_since = NULL FROM n WHERE a.integration_id = n.integration_id), "
        "  u AS (UPDATE sync_runs r SET status = 'RUNNING', started_at = " SYNCD_TS_IN(2) ", "
        "      worker_id = ($1::text[])[n.slot], lease_expires_at = " SYNCD_TS_IN(3) ", replica_id = $4, "
        "      deadline_at = " SYNCD_DEADLINE("c.config", SYNCD_TS_IN(2), "$5") " "
        "    FROM n, integrations c WHERE r.id = n.id AND r.status = 'PENDING' AND c.id = r.integration_id "
        "    RETURNING r.*) "
        "SELECT ") + kRunColumns + kAssignmentColumns + " FROM u r JOIN integrations i ON i.id = r.integration_id"};

// A claim's new runs (CTE n: integration id, run_id; the ids are made by sync_service, one per slot, see
// domain::NewRunId) become the integrations' active runs. The row lock on the integration and
// SYNCD_NOT_IN_FLIGHT keep this from conflicting; but they read a snapshot taken when the statement began,
// so a run that another replica or a manual trigger committed since could be missed: the primary key of
// active_runs is the last word, and the integration is passed over.
#define SYNCD_MARK_ACTIVE                                                                              \
  "  act AS (INSERT INTO active_runs (integration_id, run_id) SELECT n.id, n.run_id FROM n "            \
  "    ON CONFLICT (integration_id) DO NOTHING RETURNING run_id), "
// Runs a statement added (its CTE `ins`) count in run_totals (migration V007).
#define SYNCD_COUNT_NEW_RUNS \
  ", tot AS (INSERT INTO run_totals (total) SELECT count(*) FROM ins HAVING count(*) > 0) "
// Whether the run of a row of n became active. "IS TRUE" keeps the planner from turning the IN into a join,
// which with hash and merge joins off (kCustomPlans) would compare every pair of rows; as it is, the
// subquery is hashed once.
#define SYNCD_ACTIVE_NOW(n) "(" n ".run_id IN (SELECT act.run_id FROM act)) IS TRUE"

// Claims enabled integrations that are due, earliest first, and starts a run of each on a free slot. Row
// locks with SKIP LOCKED let replicas claim side by side without waiting for or repeating each other.
inline const Statement kClaimDueRuns = {
    "claim_due_runs",
    std::string(
        "WITH due AS (SELECT i.id, i.next_sync_at, i.retry_count, i.name, i.type, i.config FROM integrations i "
        "    WHERE i.sync_enabled AND i.next_sync_at <= " SYNCD_TS_IN(2) " " SYNCD_NOT_IN_FLIGHT("i") " "
        "    ORDER BY i.next_sync_at, i.id LIMIT cardinality($1::text[]) FOR UPDATE OF i SKIP LOCKED), "
        "  n AS (SELECT due.*, row_number() OVER w AS slot, ($6::uuid[])[row_number() OVER w] AS run_id "
        "    FROM due WINDOW w AS (ORDER BY due.next_sync_at, due.id)), "
        SYNCD_MARK_ACTIVE
        "  ins AS (INSERT INTO sync_runs AS r (id, integration_id, status, trigger, attempt, scheduled_for, "
        "        created_at, started_at, worker_id, lease_expires_at, replica_id, deadline_at) "
        "      SELECT n.run_id, n.id, 'RUNNING', CASE WHEN n.retry_count > 0 THEN 'RETRY' ELSE 'SCHEDULED' END, "
        "        n.retry_count + 1, n.next_sync_at, " SYNCD_TS_IN(2) ", " SYNCD_TS_IN(2) ", ($1::text[])[n.slot], "
        "        " SYNCD_TS_IN(3) ", $4, " SYNCD_DEADLINE("n.config", SYNCD_TS_IN(2), "$5") " "
        "      FROM n WHERE " SYNCD_ACTIVE_NOW("n") " RETURNING r.*)"
        SYNCD_COUNT_NEW_RUNS
        "SELECT ") + kRunColumns + kSnapshotLaterColumns + " FROM ins r "
        "UNION ALL SELECT " + kSnapshotRunColumns + " FROM n"};

// --- Claims under concurrency limits ---------------------------------------------------------------
//
// Every claim starts with kClaimBegin. When no replica has a limit configured, the claim goes on with the
// statements above and costs nothing more. Otherwise it takes kClaimLock, a transaction-level advisory lock
// that serialises limited claims across all replicas, and only then counts the running syncs
// (kRunningByHost): under READ COMMITTED every statement sees what committed before it began, so the count
// includes every run that an earlier holder of the lock started. Counting in the same statement as the lock
// would use a snapshot taken before the wait, and two replicas could both see room for the same slot.

// The claim's custom plans (as kCustomPlans), and the strictest limits the replicas are configured with
// (0 = none). Rows of replicas that died stay until a live replica's presence refresh removes them, so a
// limit holds a little longer rather than less.
inline const Statement kClaimBegin = {
    "claim_begin",
    "SELECT " SYNCD_PLAN_OPTIONS ", "
    "COALESCE((SELECT min(max_concurrent_syncs) FROM replicas WHERE max_concurrent_syncs > 0), 0) "
    "  AS max_concurrent_syncs, "
    "COALESCE((SELECT min(max_concurrent_syncs_per_host) FROM replicas WHERE max_concurrent_syncs_per_host > 0), 0) "
    "  AS max_concurrent_syncs_per_host"};

// The limits in force, for the status API (the same rule as kClaimBegin).
inline const Statement kLimitsInForce = {
    "limits_in_force",
    "SELECT COALESCE((SELECT min(max_concurrent_syncs) FROM replicas WHERE max_concurrent_syncs > 0), 0), "
    "COALESCE((SELECT min(max_concurrent_syncs_per_host) FROM replicas WHERE max_concurrent_syncs_per_host > 0), 0)"};

// Any fixed number: the key of the lock that limited claims take.
inline const Statement kClaimLock = {"claim_lock", "SELECT pg_advisory_xact_lock(7955213004161303139)"};

// Running syncs by target host (NULL: integrations without one). A run handed out while no limit was in
// force has no host of its own and counts with its integration's (looked up only then: 10x cheaper than a
// join for a thousand running syncs).
inline const Statement kRunningByHost = {
    "running_by_host",
    "SELECT COALESCE(r.target_host, (SELECT i.target_host FROM integrations i WHERE i.id = r.integration_id)) "
    "  AS host, count(*) AS running "
    "FROM active_runs a JOIN sync_runs r ON r.id = a.run_id WHERE r.status = 'RUNNING' GROUP BY 1"};

// Of the candidates, keeps those whose host still has room: the nth candidate of a host may start when
// running($6 hosts, $7 counts) + n <= $8 (0: no per-host limit).
#define SYNCD_HOST_ROOM(cte, order)                                                                       \
  "  h AS (SELECT " cte ".*, row_number() OVER (PARTITION BY " cte ".target_host ORDER BY " order         \
  ") AS nth FROM " cte "), "                                                                               \
  "  k AS (SELECT h.* FROM h WHERE h.target_host IS NULL OR $8 = 0 OR h.nth + COALESCE((SELECT b.n "       \
  "      FROM unnest($6::text[], $7::bigint[]) AS b(host, n) WHERE b.host = h.target_host), 0) <= $8), "
// Integrations whose host ($5) is at its limit are passed over, so they do not hold up other hosts' work.
#define SYNCD_HOST_NOT_FULL(alias) "AND (" alias ".target_host IS NULL OR " alias ".target_host <> ALL($5::text[])) "

// kClaimPendingRuns under limits: $1 holds only as many slots as the global limit leaves.
inline const Statement kClaimPendingRunsLimited = {
    "claim_pending_runs_limited",
    std::string(
        "WITH p AS (SELECT a.run_id AS id, a.integration_id, a.pending_since, i.target_host FROM active_runs a "
        "    JOIN integrations i ON i.id = a.integration_id WHERE a.pending_since IS NOT NULL "
        SYNCD_HOST_NOT_FULL("i")
        "    ORDER BY a.pending_since, a.run_id LIMIT cardinality($1::text[]) FOR UPDATE OF a SKIP LOCKED), "
        SYNCD_HOST_ROOM("p", "p.pending_since, p.id")
        "  n AS (SELECT k.id, k.integration_id, k.target_host, "
        "      row_number() OVER (ORDER BY k.pending_since, k.id) AS slot FROM k), "
        "  s AS (UPDATE active_runs a SET pending_since = NULL FROM n WHERE a.integration_id = n.integration_id), "
        "  u AS (UPDATE sync_runs r SET status = 'RUNNING', started_at = " SYNCD_TS_IN(2) ", "
        "      worker_id = ($1::text[])[n.slot], lease_expires_at = " SYNCD_TS_IN(3) ", replica_id = $4, "
        "      target_host = n.target_host, deadline_at = " SYNCD_DEADLINE("c.config", SYNCD_TS_IN(2), "$9") " "
        "    FROM n, integrations c WHERE r.id = n.id AND r.status = 'PENDING' AND c.id = r.integration_id "
        "    RETURNING r.*) "
        "SELECT ") + kRunColumns + kAssignmentColumns + ", r.target_host AS run_target_host "
        "FROM u r JOIN integrations i ON i.id = r.integration_id"};

// kClaimDueRuns under limits.
inline const Statement kClaimDueRunsLimited = {
    "claim_due_runs_limited",
    std::string(
        "WITH due AS (SELECT i.id, i.next_sync_at, i.retry_count, i.target_host, i.config FROM integrations i "
        "    WHERE i.sync_enabled AND i.next_sync_at <= " SYNCD_TS_IN(2) " " SYNCD_NOT_IN_FLIGHT("i") " "
        SYNCD_HOST_NOT_FULL("i")
        "    ORDER BY i.next_sync_at, i.id LIMIT cardinality($1::text[]) FOR UPDATE OF i SKIP LOCKED), "
        SYNCD_HOST_ROOM("due", "due.next_sync_at, due.id")
        "  n AS (SELECT k.*, row_number() OVER w AS slot, ($10::uuid[])[row_number() OVER w] AS run_id "
        "    FROM k WINDOW w AS (ORDER BY k.next_sync_at, k.id)), "
        SYNCD_MARK_ACTIVE
        "  ins AS (INSERT INTO sync_runs AS r (id, integration_id, status, trigger, attempt, scheduled_for, "
        "        created_at, started_at, worker_id, lease_expires_at, replica_id, target_host, deadline_at) "
        "      SELECT n.run_id, n.id, 'RUNNING', CASE WHEN n.retry_count > 0 THEN 'RETRY' ELSE 'SCHEDULED' END, "
        "        n.retry_count + 1, n.next_sync_at, " SYNCD_TS_IN(2) ", " SYNCD_TS_IN(2) ", ($1::text[])[n.slot], "
        "        " SYNCD_TS_IN(3) ", $4, n.target_host, " SYNCD_DEADLINE("n.config", SYNCD_TS_IN(2), "$9") " "
        "      FROM n WHERE " SYNCD_ACTIVE_NOW("n") " RETURNING r.*)"
        SYNCD_COUNT_NEW_RUNS
        "SELECT ") + kRunColumns + kAssignmentColumns + ", r.target_host AS run_target_host "
        "FROM ins r JOIN integrations i ON i.id = r.integration_id"};

// kNextDue, passing over integrations whose host ($1) is at its limit: they wait for a run to end (which
// wakes every replica), not for a time.
inline const Statement kNextDueOutsideHosts = {
    "next_due_outside_hosts",
    "SELECT " SYNCD_TS_OUT("LEAST((SELECT min(i.next_sync_at) FROM integrations i "
                           "WHERE i.sync_enabled AND i.next_sync_at IS NOT NULL " SYNCD_NOT_IN_FLIGHT("i") " "
                           "AND (i.target_host IS NULL OR i.target_host <> ALL($1::text[]))), "
                           "(SELECT min(a.pending_since) FROM active_runs a JOIN integrations i "
                           "ON i.id = a.integration_id WHERE a.pending_since IS NOT NULL "
                           "AND (i.target_host IS NULL OR i.target_host <> ALL($1::text[]))))")};

#undef SYNCD_HOST_ROOM
#undef SYNCD_HOST_NOT_FULL

// When the dispatcher must look again: the earliest due integration or waiting manual run.
inline const Statement kNextDue = {
    "next_due",
    "SELECT " SYNCD_TS_OUT("LEAST((SELECT min(i.next_sync_at) FROM integrations i "
                           "WHERE i.sync_enabled AND i.next_sync_at IS NOT NULL " SYNCD_NOT_IN_FLIGHT("i") "), "
                           "(SELECT min(pending_since) FROM active_runs WHERE pending_since IS NOT NULL))")};

// Finishes running runs. A run that is no longer RUNNING (finished before, or failed when its lease ran out)
// is left alone: applying a result twice is applying it once. With only_if_expired, the run finishes only if
// its lease has run out by $8 (the lease reaper). The run stops being its integration's active run.
//
// A success also writes its integration's schedule here (CTE s): the next sync one interval after the
// completion the worker reported, unless the integration is paused or manual only, and no failures in a
// row (schedule::AfterRun's success branch, which the tests hold this to). The row is locked by the update
// itself, and an admin edit that committed meanwhile is read again before the new values are computed
// (READ COMMITTED re-evaluates the row), so nothing is lost and no second statement is needed. Rows with
// `scheduled` false are failures: they come with the schedule state and row version (xmin) read, for
// sync_service to compute the retry or pause and write it with kUpdateSchedules.
inline const Statement kFinishRuns = {
    "finish_runs",
    "WITH e AS (UPDATE sync_runs r SET status = f.status, "
    "  completed_at = GREATEST(r.started_at, " SYNCD_TS_COL("f.completed_us") "), "
    "  duration_ms = GREATEST(0, (f.completed_us - " SYNCD_TS_OUT("r.started_at") ") / 1000)::integer, "
    "  records_count = f.records, error_code = f.code, error_message = f.message, suggestion = f.suggestion, "
    "  records_inserted = CASE WHEN f.records = 0 THEN 0 ELSE COALESCE((SELECT sum(b.inserted) "
    "    FROM sync_run_batches b WHERE b.run_id = r.id), 0) END, "
    "  records_updated = CASE WHEN f.records = 0 THEN 0 ELSE COALESCE((SELECT sum(b.updated) "
    "    FROM sync_run_batches b WHERE b.run_id = r.id), 0) END, "
    "  records_unchanged = CASE WHEN f.records = 0 THEN 0 ELSE COALESCE((SELECT sum(b.unchanged) "
    "    FROM sync_run_batches b WHERE b.run_id = r.id), 0) END, "
    "  lease_expires_at = NULL "
    "FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::integer[], $5::text[], $6::text[], $7::text[], "
    "            $9::boolean[]) AS f(id, status, completed_us, records, code, message, suggestion, only_if_expired) "
    "  WHERE r.id = f.id AND r.status = 'RUNNING' "
    "    AND (NOT f.only_if_expired OR r.lease_expires_at < " SYNCD_TS_IN(8) ") "
    "  RETURNING r.id, r.integration_id, r.trigger, r.duration_ms, r.records_inserted, r.records_updated, "
    "    r.status, r.completed_at, f.completed_us), "
    "  d AS (DELETE FROM active_runs a USING e WHERE a.integration_id = e.integration_id AND a.run_id = e.id), "
    "  tot AS (INSERT INTO run_totals (successful, failed, last_completed_at) "
    "    SELECT count(*) FILTER (WHERE e.status = 'SUCCESS'), count(*) FILTER (WHERE e.status = 'FAILED'), "
    "      max(e.completed_at) FROM e HAVING count(*) > 0), "
    "  s AS (UPDATE integrations i SET next_sync_at = CASE WHEN i.sync_enabled AND i.sync_interval_seconds "
    "      IS NOT NULL THEN " SYNCD_TS_COL("e.completed_us") " + i.sync_interval_seconds * interval '1 second' END, "
    "    retry_count = 0, last_sync_at = " SYNCD_TS_COL("e.completed_us") ", last_sync_status = 'SUCCESS', "
    "    last_sync_error = NULL "
    "    FROM e WHERE i.id = e.integration_id AND e.status = 'SUCCESS' RETURNING i.id) "
    "SELECT e.id::text AS id, e.integration_id::text AS integration_id, i.sync_interval_seconds, "
    "  i.sync_enabled, i.retry_count, i.xmin::text AS version, e.trigger, e.duration_ms, e.records_inserted, "
    "  e.records_updated, false AS scheduled "
    "FROM e JOIN integrations i ON i.id = e.integration_id WHERE e.status <> 'SUCCESS' "
    "UNION ALL SELECT e.id::text, e.integration_id::text, NULL, NULL, NULL, NULL, e.trigger, e.duration_ms, "
    "  e.records_inserted, e.records_updated, true "
    "FROM e WHERE e.status = 'SUCCESS' AND (e.integration_id IN (SELECT s.id FROM s)) IS TRUE"};

// Locks integrations ($1 ids) whose row changed between kFinishRuns and kUpdateSchedules (an admin edit),
// to compute their schedule again from what is there now.
inline const Statement kLockSchedules = {
    "lock_schedules",
    "SELECT i.id::text AS id, i.sync_interval_seconds, i.sync_enabled, i.retry_count, i.xmin::text AS version "
    "FROM integrations i WHERE i.id = ANY($1::uuid[]) ORDER BY i.id FOR UPDATE OF i"};

// The schedule of each integration after its run, computed by schedule::AfterRun from the row version
// kFinishRuns read; a row that changed since (another version) is skipped and not returned, and is done
// again under a lock. Optimistic, because a lock per sync cost more than the rare retry.
inline const Statement kUpdateSchedules = {
    "update_schedules",
    "UPDATE integrations i SET next_sync_at = " SYNCD_TS_COL("u.next_us") ", retry_count = u.retry_count, "
    "  sync_enabled = u.enabled, paused_reason = COALESCE(u.paused_reason, i.paused_reason), "
    "  last_sync_at = " SYNCD_TS_COL("u.last_us") ", last_sync_status = u.status, last_sync_error = u.error "
    "FROM unnest($1::uuid[], $2::bigint[], $3::integer[], $4::boolean[], $5::text[], $6::bigint[], $7::text[], "
    "            $8::text[], $9::text[]) "
    "  AS u(id, next_us, retry_count, enabled, paused_reason, last_us, status, error, version) "
    "WHERE i.id = u.id AND i.xmin::text = u.version "
    "RETURNING i.id::text"};

// History retention: deletes up to $2 runs that finished before $1, oldest first, with their record batches,
// and counts them out of run_totals. Runs in flight have no completion and are never taken; SKIP LOCKED
// lets replicas prune side by side. The history index (created_at) finds them: a run completes after it
// was created.
inline const Statement kPruneHistory = {
    "prune_history",
    "WITH old AS (SELECT r.id FROM sync_runs r WHERE r.created_at < " SYNCD_TS_IN(1) " "
    "    AND r.completed_at < " SYNCD_TS_IN(1) " ORDER BY r.created_at, r.id LIMIT $2 FOR UPDATE SKIP LOCKED), "
    "  b AS (DELETE FROM sync_run_batches WHERE run_id IN (SELECT id FROM old)), "
    "  d AS (DELETE FROM sync_runs r USING old WHERE r.id = old.id RETURNING r.status), "
    "  tot AS (" SYNCD_COUNT_OUT_DELETED_RUNS ") "
    "SELECT count(*) FROM d"};

// A result for a run that already failed as WORKER_LOST: kept as a note, the outcome stays.
inline const Statement kNoteLateResults = {
    "note_late_results",
    "UPDATE sync_runs r SET error_message = r.error_message || ' ' || f.note "
    "FROM unnest($1::uuid[], $2::text[]) AS f(id, note) "
    "WHERE r.id = f.id AND r.status = 'FAILED' AND r.error_code = 'WORKER_LOST' "
    "  AND strpos(r.error_message, f.note) = 0"};

// Running runs whose lease ran out by $1, and whether that is because the run passed its deadline plus the
// grace of $3 seconds (heartbeats no longer extend it) rather than because its worker went silent.
inline const Statement kExpiredRuns = {
    "expired_runs",
    "SELECT r.id::text AS id, r.worker_id, "
    "  (r.deadline_at + $3::float8 * interval '1 second' <= " SYNCD_TS_IN(1) ") IS TRUE AS past_deadline, "
    "  (extract(epoch FROM r.deadline_at - r.started_at))::bigint AS timeout_seconds "
    "FROM active_runs a JOIN sync_runs r ON r.id = a.run_id WHERE r.status = 'RUNNING' "
    "AND r.lease_expires_at < " SYNCD_TS_IN(1) " ORDER BY r.lease_expires_at LIMIT $2"};

// Heartbeats: extends the leases of running runs held by worker $4, which now talks to replica $3, but never
// past a run's deadline plus the grace of $5 seconds (LEAST ignores the NULL deadline of older runs).
inline const Statement kExtendLeases = {
    "extend_leases",
    "UPDATE sync_runs SET lease_expires_at = LEAST(" SYNCD_TS_IN(2) ", deadline_at + $5::float8 * interval '1 second'), "
    "  replica_id = $3, worker_id = $4 "
    "WHERE id = ANY($1::uuid[]) AND status = 'RUNNING' RETURNING id::text"};

// A replica's presence, with the concurrency limits it is configured with ($4, $5; 0 = unlimited).
inline const Statement kUpsertReplica = {
    "upsert_replica",
    "INSERT INTO replicas (id, started_at, last_seen_at, max_concurrent_syncs, max_concurrent_syncs_per_host) "
    "VALUES ($1, " SYNCD_TS_IN(2) ", " SYNCD_TS_IN(3) ", $4, $5) "
    "ON CONFLICT (id) DO UPDATE SET last_seen_at = EXCLUDED.last_seen_at, "
    "  max_concurrent_syncs = EXCLUDED.max_concurrent_syncs, "
    "  max_concurrent_syncs_per_host = EXCLUDED.max_concurrent_syncs_per_host"};

inline const Statement kDeleteReplica = {"delete_replica", "DELETE FROM replicas WHERE id = $1"};

inline const Statement kUpsertWorker = {
    "upsert_worker",
    "INSERT INTO workers (id, name, version, capacity, replica_id, connected_at, last_heartbeat_at, draining) "
    "VALUES ($1, $2, $3, $4, $5, " SYNCD_TS_IN(6) ", " SYNCD_TS_IN(6) ", $7) "
    "ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, version = EXCLUDED.version, "
    "  capacity = EXCLUDED.capacity, replica_id = EXCLUDED.replica_id, "
    "  connected_at = CASE WHEN workers.replica_id = EXCLUDED.replica_id THEN workers.connected_at "
    "                      ELSE EXCLUDED.connected_at END, "
    "  last_heartbeat_at = EXCLUDED.last_heartbeat_at, draining = EXCLUDED.draining"};

inline const Statement kDeleteWorker = {"delete_worker",
                                        "DELETE FROM workers WHERE id = $1 AND replica_id = $2"};

// Workers and replicas not heard from since $1 are gone (their process died without saying goodbye).
inline const Statement kDeleteStaleWorkers = {
    "delete_stale_workers", "DELETE FROM workers WHERE last_heartbeat_at < " SYNCD_TS_IN(1)};
inline const Statement kDeleteStaleReplicas = {"delete_stale_replicas",
                                               "DELETE FROM replicas WHERE last_seen_at < " SYNCD_TS_IN(1)};

inline const Statement kListWorkers = {
    "list_workers",
    "SELECT w.id, w.name, w.version, w.capacity, " SYNCD_TS_OUT("w.connected_at") " AS connected_at, "
    SYNCD_TS_OUT("w.last_heartbeat_at") " AS last_heartbeat_at, w.draining, "
    "  (SELECT string_agg(r.id::text, ',' ORDER BY r.started_at) FROM active_runs a "
    "   JOIN sync_runs r ON r.id = a.run_id WHERE r.worker_id = w.id AND r.status = 'RUNNING') AS running "
    "FROM workers w WHERE w.last_heartbeat_at >= " SYNCD_TS_IN(1) " ORDER BY w.name, w.id"};

inline const Statement kSchedulerRunning = {
    "scheduler_running", "SELECT EXISTS (SELECT 1 FROM replicas WHERE last_seen_at >= " SYNCD_TS_IN(1) ")"};

inline const Statement kDueBacklog = {
    "due_backlog",
    "SELECT (SELECT count(*) FROM integrations i WHERE i.sync_enabled AND i.next_sync_at <= " SYNCD_TS_IN(1)
    " " SYNCD_NOT_IN_FLIGHT("i") ") + (SELECT count(*) FROM active_runs WHERE pending_since IS NOT NULL)"};

inline const Statement kNotifyDispatch = {"notify_dispatch", "SELECT pg_notify('syncd_dispatch', '')"};

// --- Records --------------------------------------------------------------------------------------

// The integration of a running run ($1), locked shared so it is not deleted while a batch lands.
inline const Statement kRunningRunIntegration = {
    "running_run_integration",
    "SELECT r.integration_id::text FROM sync_runs r JOIN integrations i ON i.id = r.integration_id "
    "WHERE r.id = $1 AND r.status = 'RUNNING' FOR SHARE OF i"};

inline const Statement kAppliedBatch = {
    "applied_batch",
    "SELECT inserted, updated, unchanged FROM sync_run_batches WHERE run_id = $1 AND sequence = $2"};

// Upserts a batch ($3 ids, $4 JSON texts) keyed by (integration, external id). A record whose content hash
// is unchanged is not written. Returns how many rows were inserted and how many updated.
inline const Statement kUpsertRecords = {
    "upsert_records",
    "WITH up AS (INSERT INTO records AS t (integration_id, external_id, data, content_hash, first_synced_at, "
    "      last_synced_at, last_run_id) "
    "    SELECT $1, b.external_id, b.data::jsonb, md5(b.data::jsonb::text), " SYNCD_TS_IN(5) ", " SYNCD_TS_IN(5) ", $2 "
    "    FROM unnest($3::text[], $4::text[]) AS b(external_id, data) "
    "  ON CONFLICT (integration_id, external_id) DO UPDATE SET data = EXCLUDED.data, "
    "    content_hash = EXCLUDED.content_hash, last_synced_at = EXCLUDED.last_synced_at, "
    "    last_run_id = EXCLUDED.last_run_id "
    "  WHERE t.content_hash <> EXCLUDED.content_hash "
    "  RETURNING (xmax = 0) AS inserted) "
    "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up"};

inline const Statement kRecordBatch = {
    "record_batch",
    "INSERT INTO sync_run_batches (run_id, sequence, inserted, updated, unchanged) VALUES ($1, $2, $3, $4, $5)"};

inline const Statement kRecordsPage = {
    "records_page",
    "SELECT external_id, data::text AS data, " SYNCD_TS_OUT("first_synced_at") " AS first_synced_at, "
    SYNCD_TS_OUT("last_synced_at") " AS last_synced_at, last_run_id::text AS last_run_id "
    "FROM records WHERE integration_id = $1 ORDER BY last_synced_at DESC, external_id LIMIT $2 OFFSET $3"};

inline const Statement kRecordsCount = {"records_count",
                                        "SELECT count(*) FROM records WHERE integration_id = $1"};

inline const Statement kDeleteRecordsOfIntegration = {"delete_records_of_integration",
                                                      "DELETE FROM records WHERE integration_id = $1"};

inline const Statement kDeleteBatchesOfIntegration = {
    "delete_batches_of_integration",
    "DELETE FROM sync_run_batches WHERE run_id IN (SELECT id FROM sync_runs WHERE integration_id = $1)"};

#undef SYNCD_TS_COL
#undef SYNCD_DEADLINE
#undef SYNCD_TS_IN
#undef SYNCD_TS_OUT
#undef SYNCD_NOT_IN_FLIGHT
#undef SYNCD_COUNT_OUT_DELETED_RUNS
#undef SYNCD_MARK_ACTIVE
#undef SYNCD_PLAN_OPTIONS
#undef SYNCD_ACTIVE_NOW
#undef SYNCD_COUNT_NEW_RUNS

// clang-format on

}  // namespace sql

// Prepared on every new connection.
inline std::vector<const Statement*> AllStatements() {
  return {&sql::kCustomPlans,
          &sql::kCountIntegrations,
          &sql::kGetIntegration,
          &sql::kGetIntegrations,
          &sql::kLockIntegration,
          &sql::kListIntegrations,
          &sql::kInsertIntegration,
          &sql::kUpdateIntegration,
          &sql::kDeleteIntegration,
          &sql::kDeleteRunsOfIntegration,
          &sql::kRunningRunIntegration,
          &sql::kAppliedBatch,
          &sql::kUpsertRecords,
          &sql::kRecordBatch,
          &sql::kRecordsPage,
          &sql::kRecordsCount,
          &sql::kDeleteRecordsOfIntegration,
          &sql::kDeleteBatchesOfIntegration,
          &sql::kActiveRun,
          &sql::kInsertPendingRun,
          &sql::kRunHistoryPage,
          &sql::kRunHistoryCount,
          &sql::kRecentRuns,
          &sql::kRunSummary,
          &sql::kFoldRunTotals,
          &sql::kNextScheduledSync,
          &sql::kClaimPendingRuns,
          &sql::kClaimDueRuns,
          &sql::kNextDue,
          &sql::kClaimBegin,
          &sql::kLimitsInForce,
          &sql::kClaimLock,
          &sql::kRunningByHost,
          &sql::kClaimPendingRunsLimited,
          &sql::kClaimDueRunsLimited,
          &sql::kNextDueOutsideHosts,
          &sql::kLockSchedules,
          &sql::kFinishRuns,
          &sql::kUpdateSchedules,
          &sql::kNoteLateResults,
          &sql::kPruneHistory,
          &sql::kExpiredRuns,
          &sql::kExtendLeases,
          &sql::kUpsertReplica,
          &sql::kDeleteReplica,
          &sql::kUpsertWorker,
          &sql::kDeleteWorker,
          &sql::kDeleteStaleWorkers,
          &sql::kDeleteStaleReplicas,
          &sql::kListWorkers,
          &sql::kSchedulerRunning,
          &sql::kDueBacklog,
          &sql::kNotifyDispatch};
}

}  // namespace syncd::store
