// syncd's domain: integrations and their sync runs, as the store returns them and the API serves them.
// Plain values only: no protobuf, no SQL.
//
//   Integration i = ...;
//   if (StatusOf(i) == IntegrationStatus::kPaused) ...
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "absl/time/time.h"

namespace syncd::domain {

enum class IntegrationType { kHttpJson, kDemo };
enum class IntegrationStatus { kActive, kSyncing, kRetrying, kPaused, kManualOnly };
enum class RunStatus { kPending, kRunning, kSuccess, kFailed, kCancelled };
enum class RunTrigger { kScheduled, kManual, kRetry };

// Names as stored in the database and printed in the API: "HTTP_JSON", "SUCCESS", "MANUAL".
std::string_view Name(IntegrationType type);
std::string_view Name(RunStatus status);
std::string_view Name(RunTrigger trigger);
std::optional<IntegrationType> ParseIntegrationType(std::string_view name);
std::optional<RunStatus> ParseRunStatus(std::string_view name);
std::optional<RunTrigger> ParseRunTrigger(std::string_view name);

struct Integration {
  std::string id;
  std::string name;
  IntegrationType type = IntegrationType::kDemo;
  // Always a JSON object.
  nlohmann::json config = nlohmann::json::object();
  // Seconds between scheduled syncs; nullopt = manual only.
  std::optional<int32_t> sync_interval_seconds;
  bool sync_enabled = true;
  std::optional<absl::Time> next_sync_at;
  std::optional<absl::Time> last_sync_at;
  std::optional<RunStatus> last_sync_status;
  std::optional<std::string> last_sync_error;
  int32_t retry_count = 0;
  std::optional<std::string> paused_reason;
  absl::Time created_at;
  absl::Time updated_at;
  // A run is PENDING or RUNNING.
  bool has_active_run = false;
};

// Derived, never stored: it cannot drift from the facts it summarises.
IntegrationStatus StatusOf(const Integration& integration);

struct SyncRun {
  std::string id;
  std::string integration_id;
  RunStatus status = RunStatus::kPending;
  RunTrigger trigger = RunTrigger::kManual;
  int32_t attempt = 1;
  absl::Time scheduled_for;
  absl::Time created_at;
  std::optional<absl::Time> started_at;
  std::optional<absl::Time> completed_at;
  std::optional<int32_t> duration_ms;
  int32_t records_count = 0;
  int32_t records_inserted = 0;
  int32_t records_updated = 0;
  int32_t records_unchanged = 0;
  std::optional<std::string> error_code;
  std::optional<std::string> error_message;
  std::optional<std::string> suggestion;
  std::optional<std::string> worker_id;
};

// A record a sync brought in.
struct SyncedRecord {
  std::string external_id;
  // JSON object text, as stored.
  std::string data_json;
  absl::Time first_synced_at;
  absl::Time last_synced_at;
  std::string last_run_id;
};

struct SyncSummary {
  int32_t total = 0;
  int32_t successful = 0;
  int32_t failed = 0;
  int32_t in_progress = 0;
  std::optional<absl::Time> last_sync_at;
};

}  // namespace syncd::domain
