// The connector interface: one implementation per integration type. A connector reads records from a source
// for one sync and says how it went; the worker handles everything around it (threads, deadlines, cancels,
// reporting).
//
//   std::unique_ptr<Connector> demo = MakeDemoConnector(random);
//   SyncOutcome outcome = demo->Run(job, context);
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace syncd::worker {

// One sync, as assigned by sync_service.
struct SyncJob {
  std::string run_id;
  std::string integration_id;
  std::string integration_name;
  // "HTTP_JSON", "DEMO".
  std::string type;
  nlohmann::json config;
  int attempt = 1;
  absl::Time deadline;
};

// A record read from the source: its id there and the record as a JSON object.
struct SourceRecord {
  std::string external_id;
  std::string json;
};

// What sync_service did with a batch.
struct BatchCounts {
  int inserted = 0;
  int updated = 0;
  int unchanged = 0;
};

// What a connector may ask of the worker while it runs.
class SyncContext {
 public:
  virtual ~SyncContext() = default;
  // The sync was cancelled or its deadline passed: stop soon.
  virtual bool Stopped() const = 0;
  virtual absl::Time Deadline() const = 0;
  // Waits up to `d`; returns false (early) when the sync is stopped meanwhile.
  virtual bool Sleep(absl::Duration d) = 0;
  // Records read and pages fetched so far.
  virtual void Progress(int records, int pages) = 0;
  // Hands a batch of records to sync_service and waits until they are stored (one transaction per batch).
  // Fails when the sync is stopped or sync_service does not answer before the deadline.
  virtual absl::StatusOr<BatchCounts> EmitRecords(std::vector<SourceRecord> records) = 0;
};

// A failure an admin can act on: a stable code, what happened, and what to do about it.
struct SyncFailure {
  std::string code;
  std::string message;
  std::string suggestion;
  // RATE_LIMITED: when the source accepts requests again.
  std::optional<absl::Time> retry_after;
};

// Why a batch of records was not stored (EmitRecords failed while the sync was not stopped): PostgreSQL
// refused its data (INVALID_ARGUMENT), which sending it again cannot change, and `where` names the batch's
// place in the source (" (page 3 of api.example.com)", or ""); or sync_service could not store it now.
inline SyncFailure RecordsNotStoredFailure(const absl::Status& status, const std::string& where) {
  if (status.code() == absl::StatusCode::kInvalidArgument) {
    return {"BAD_RESPONSE", absl::StrCat(status.message(), where),
            "The source sent data PostgreSQL cannot store; fix it at the source, then sync again.",
            std::nullopt};
  }
  return {"INTERNAL", std::string(status.message()),
          "Check that sync_service and PostgreSQL are up; the sync is retried.", std::nullopt};
}

struct SyncOutcome {
  bool success = false;
  int records_count = 0;
  SyncFailure failure;

  static SyncOutcome Success(int records) { return {true, records, {}}; }
  static SyncOutcome Failure(SyncFailure f) { return {false, 0, std::move(f)}; }
};

class Connector {
 public:
  virtual ~Connector() = default;
  virtual SyncOutcome Run(const SyncJob& job, SyncContext& context) = 0;
};

}  // namespace syncd::worker
