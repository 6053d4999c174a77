// SyncStore: integrations and sync runs in PostgreSQL. The only code of sync_service that speaks SQL; it
// returns domain values and absl::Status (libpqxx exceptions end here).
//
//   SyncStore store(pool, clock);
//   absl::StatusOr<domain::Integration> created = store.CreateIntegration(changes);
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "common/pg_pool.h"
#include "sync_service/domain/model.h"
#include "sync_service/domain/validation.h"
#include "sync_service/store/read_coalescer.h"

namespace syncd::store {

struct RunPage {
  std::vector<domain::SyncRun> runs;
  int32_t total = 0;
};

struct IntegrationPage {
  std::vector<domain::Integration> integrations;
  int32_t total = 0;
};

struct RecordPage {
  std::vector<domain::SyncedRecord> records;
  int32_t total = 0;
};

struct TriggerResult {
  domain::SyncRun run;
  // The run was already pending or running; nothing new was created.
  bool already_running = false;
};

class SyncStore {
 public:
  // `integration_readers`: threads (and so database connections at most) answering GetIntegration in
  // batches (see ReadCoalescer); reads that find them all busy queue and go together in the next batch.
  SyncStore(PgPool& pool, const Clock& clock, domain::IntervalRules rules = {}, int integration_readers = 2);

  // Prepares the store's statements on a new connection (pass to PgPool).
  static void PrepareStatements(pqxx::connection& conn);

  // INVALID_ARGUMENT (with field violations) for a bad request; ALREADY_EXISTS for a taken name.
  absl::StatusOr<domain::Integration> CreateIntegration(const domain::IntegrationChanges& changes);
  // Concurrent calls share queries (ReadCoalescer); each sees a state committed after it began.
  absl::StatusOr<domain::Integration> GetIntegration(const std::string& id);
  // The same without blocking: `done` runs on one of the store's reader threads.
  void GetIntegration(const std::string& id, std::function<void(absl::StatusOr<domain::Integration>)> done);
  // Ordered by name (ignoring case).
  absl::StatusOr<IntegrationPage> ListIntegrations(const domain::PageRequest& page);
  // Applies the changes under a row lock, so concurrent updates of one integration do not lose each other.
  absl::StatusOr<domain::Integration> UpdateIntegration(const std::string& id,
                                                        const domain::IntegrationChanges& changes);
  // Deletes the integration and its runs.
  absl::Status DeleteIntegration(const std::string& id);

  // Creates a PENDING manual run, or returns the run already pending or running.
  absl::StatusOr<TriggerResult> TriggerSync(const std::string& id);
  absl::StatusOr<RunPage> SyncHistory(const std::string& id, const domain::PageRequest& page);
  // An integration's records, most recently changed first.
  absl::StatusOr<RecordPage> ListRecords(const std::string& id, const domain::PageRequest& page);
  absl::StatusOr<std::vector<domain::SyncRun>> RecentRuns(int32_t limit);
  absl::StatusOr<domain::SyncSummary> Summary();
  // The earliest next_sync_at of an enabled integration.
  absl::StatusOr<std::optional<absl::Time>> NextScheduledSync();

  absl::Status Ping() { return pool_.Ping(); }

 private:
  PgPool& pool_;
  const Clock& clock_;
  const domain::IntervalRules rules_;
  ReadCoalescer<std::string, domain::Integration> integration_reads_;

  // One query for the batch of distinct, lower-case canonical ids.
  std::vector<absl::StatusOr<domain::Integration>> ReadIntegrations(const std::vector<std::string>& ids);
};

}  // namespace syncd::store
