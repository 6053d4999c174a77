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

// Times cross the wire as microseconds since the Unix epoch: exact both ways, no time zone parsing.
#define SYNCD_TS_IN(n) "(timestamptz 'epoch' + $" #n "::bigint * interval '1 microsecond')"
#define SYNCD_TS_OUT(col) "(extract(epoch FROM " col ") * 1000000)::bigint"

inline const char* const kIntegrationColumns =
    "i.id::text AS id, i.name, i.type, i.config::text AS config, i.sync_interval_seconds, i.sync_enabled, "
    SYNCD_TS_OUT("i.next_sync_at") " AS next_sync_at, " SYNCD_TS_OUT("i.last_sync_at") " AS last_sync_at, "
    "i.last_sync_status, i.last_sync_error, i.retry_count, i.paused_reason, "
    SYNCD_TS_OUT("i.created_at") " AS created_at, " SYNCD_TS_OUT("i.updated_at") " AS updated_at, "
    "EXISTS (SELECT 1 FROM sync_runs r WHERE r.integration_id = i.id AND r.status IN ('PENDING', 'RUNNING')) "
    "AS has_active_run";

inline const char* const kRunColumns =
    "r.id::text AS id, r.integration_id::text AS integration_id, r.status, r.trigger, r.attempt, "
    SYNCD_TS_OUT("r.scheduled_for") " AS scheduled_for, " SYNCD_TS_OUT("r.created_at") " AS created_at, "
    SYNCD_TS_OUT("r.started_at") " AS started_at, " SYNCD_TS_OUT("r.completed_at") " AS completed_at, "
    "r.duration_ms, r.records_count, r.records_inserted, r.records_updated, r.records_unchanged, "
    "r.error_code, r.error_message, r.suggestion, r.worker_id";

inline const Statement kGetIntegration = {
    "get_integration", std::string("SELECT ") + kIntegrationColumns + " FROM integrations i WHERE i.id = $1"};

inline const Statement kLockIntegration = {
    "lock_integration",
    std::string("SELECT ") + kIntegrationColumns + " FROM integrations i WHERE i.id = $1 FOR UPDATE"};

inline const Statement kListIntegrations = {
    "list_integrations",
    std::string("SELECT ") + kIntegrationColumns + " FROM integrations i ORDER BY lower(i.name), i.id"};

inline const Statement kInsertIntegration = {
    "insert_integration",
    "INSERT INTO integrations (name, type, config, sync_interval_seconds, sync_enabled, next_sync_at, "
    "created_at, updated_at) "
    "VALUES ($1, $2, $3::jsonb, $4, $5, " SYNCD_TS_IN(6) ", " SYNCD_TS_IN(7) ", " SYNCD_TS_IN(7) ") "
    "RETURNING id::text"};

inline const Statement kUpdateIntegration = {
    "update_integration",
    "UPDATE integrations SET name = $2, type = $3, config = $4::jsonb, sync_interval_seconds = $5, "
    "sync_enabled = $6, next_sync_at = " SYNCD_TS_IN(7) ", retry_count = $8, paused_reason = $9, "
    "updated_at = " SYNCD_TS_IN(10) " WHERE id = $1"};

inline const Statement kDeleteIntegration = {"delete_integration",
                                             "DELETE FROM integrations WHERE id = $1 RETURNING id"};

inline const Statement kActiveRun = {
    "active_run", std::string("SELECT ") + kRunColumns +
                      " FROM sync_runs r WHERE r.integration_id = $1 AND r.status IN ('PENDING', 'RUNNING')"};

inline const Statement kInsertPendingRun = {
    "insert_pending_run",
    std::string(
        "INSERT INTO sync_runs AS r (integration_id, status, trigger, attempt, scheduled_for, created_at) "
        "VALUES ($1, 'PENDING', $2, $3, " SYNCD_TS_IN(4) ", " SYNCD_TS_IN(5) ") RETURNING ") +
        kRunColumns};

inline const Statement kRunHistoryPage = {"run_history_page",
                                          std::string("SELECT ") + kRunColumns +
                                              " FROM sync_runs r WHERE r.integration_id = $1 "
                                              "ORDER BY r.created_at DESC, r.id DESC LIMIT $2 OFFSET $3"};

inline const Statement kRunHistoryCount = {"run_history_count",
                                           "SELECT count(*) FROM sync_runs WHERE integration_id = $1"};

inline const Statement kRecentRuns = {"recent_runs",
                                      std::string("SELECT ") + kRunColumns +
                                          " FROM sync_runs r ORDER BY r.created_at DESC, r.id DESC LIMIT $1"};

inline const Statement kRunSummary = {
    "run_summary",
    "SELECT count(*), count(*) FILTER (WHERE status = 'SUCCESS'), count(*) FILTER (WHERE status = 'FAILED'), "
    "count(*) FILTER (WHERE status IN ('PENDING', 'RUNNING')), " SYNCD_TS_OUT(
        "max(completed_at)") " FROM sync_runs"};

inline const Statement kNextScheduledSync = {
    "next_scheduled_sync",
    "SELECT " SYNCD_TS_OUT(
        "min(next_sync_at)") " FROM integrations WHERE sync_enabled AND next_sync_at IS NOT NULL"};

#undef SYNCD_TS_IN
#undef SYNCD_TS_OUT

}  // namespace sql

// Prepared on every new connection.
inline std::vector<const Statement*> AllStatements() {
  return {&sql::kGetIntegration,    &sql::kLockIntegration,   &sql::kListIntegrations,
          &sql::kInsertIntegration, &sql::kUpdateIntegration, &sql::kDeleteIntegration,
          &sql::kActiveRun,         &sql::kInsertPendingRun,  &sql::kRunHistoryPage,
          &sql::kRunHistoryCount,   &sql::kRecentRuns,        &sql::kRunSummary,
          &sql::kNextScheduledSync};
}

}  // namespace syncd::store
