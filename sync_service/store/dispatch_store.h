// DispatchStore: the sync loop's side of the database. Claims due work for free worker slots, finishes
// runs in batches and moves each integration's schedule on, keeps leases alive, fails runs whose lease ran
// out, and records which replicas and workers are alive. Every method is one transaction; batches keep the
// round trips per sync low. Claims keep to the global concurrency limits (schedule::ConcurrencyLimits).
//
//   DispatchStore store(pool, clock, policy, "replica-1", uniform01, {.max_concurrent_syncs = 100});
//   absl::StatusOr<Claimed> claimed = store.Claim({"worker-a", "worker-a", "worker-b"}, lease);
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "common/pg_pool.h"
#include "sync_service/domain/model.h"
#include "sync_service/schedule/concurrency_limits.h"
#include "sync_service/schedule/retry_policy.h"

namespace syncd::store {

// A run handed to a worker, with the integration as it was when claimed.
struct ClaimedRun {
  domain::SyncRun run;
  std::string integration_name;
  domain::IntegrationType integration_type = domain::IntegrationType::kDemo;
  // JSON object text, as stored.
  std::string integration_config;
  // The integration's target host (set by claims under limits only).
  std::optional<std::string> target_host;
  // When the run must end: its start plus the integration's syncTimeoutSeconds or the default.
  absl::Time deadline;
};

// What a claim started, and what held the rest back.
struct Claimed {
  std::vector<ClaimedRun> runs;
  // The global limit is reached: nothing more starts until a run ends (which wakes every replica).
  bool globally_full = false;
  // Hosts at their limit: their work waits for one of their runs to end.
  std::vector<std::string> full_hosts;
};

// The limits in force across the replicas, and the syncs running now.
struct ConcurrencyStatus {
  schedule::ConcurrencyLimits limits;
  schedule::RunningSyncs running;
};

// A run's end, as a worker reported it (or the reaper decided).
struct RunEnd {
  std::string run_id;
  schedule::RunFinish finish;
  int32_t records_count = 0;
  // Finish only if the lease has run out (the reaper), so a heartbeat that just arrived wins.
  bool only_if_expired = false;
};

// A batch of records read by a run, as a worker sent it.
struct RecordBatchIn {
  std::string run_id;
  int32_t sequence = 0;
  // (external id, JSON object text)
  std::vector<std::pair<std::string, std::string>> records;
};

struct RecordCounts {
  int32_t inserted = 0;
  int32_t updated = 0;
  int32_t unchanged = 0;
};

// A run FinishRuns ended, as committed (for metrics).
struct FinishedRun {
  std::string run_id;
  std::string integration_id;
  domain::RunTrigger trigger = domain::RunTrigger::kScheduled;
  bool success = false;
  std::string error_code;
  absl::Duration duration;
  int32_t records_inserted = 0;
  int32_t records_updated = 0;
  // The failure scheduled a retry / paused the integration's schedule.
  bool retry_scheduled = false;
  bool paused = false;
};
// Run id -> integration id of the runs a FinishRuns call ended.
using RunsFinished = absl::flat_hash_map<std::string, std::string>;

using FinishedObserver = std::function<void(const std::vector<FinishedRun>&)>;

// A run the reaper failed.
struct ReapedRun {
  std::string run_id;
  std::string integration_id;
  std::string error_code;  // TIMEOUT or WORKER_LOST
};

struct WorkerInfo {
  std::string id;
  std::string name;
  std::string version;
  int32_t capacity = 0;
  bool draining = false;
};

struct WorkerRow {
  WorkerInfo info;
  absl::Time connected_at;
  absl::Time last_heartbeat_at;
  std::vector<std::string> running_run_ids;
};

class DispatchStore {
 public:
  // `uniform01` draws the retry jitter. `limits` are this replica's configured concurrency limits; the
  // strictest of all live replicas' is in force (Heartbeat publishes them).
  DispatchStore(PgPool& pool, const Clock& clock, schedule::RetryPolicy policy, std::string replica_id,
                std::function<double()> uniform01, schedule::ConcurrencyLimits limits = {});

  const std::string& replica_id() const { return replica_id_; }
  // Told about the runs each FinishRuns ended, after its commit, on the calling thread. Set before use.
  void SetFinishedObserver(FinishedObserver observer) { finished_observer_ = std::move(observer); }

  // Starts runs for up to slots.size() pieces of work: waiting manual runs first, then due integrations,
  // within the concurrency limits in force across all replicas. slots[i] is the worker that gets the i-th
  // run (the first ones are used when the limits leave fewer). Each run's deadline is its start plus its
  // integration's config.syncTimeoutSeconds, or `default_timeout`.
  absl::StatusOr<Claimed> Claim(const std::vector<std::string>& slots, absl::Duration lease,
                                absl::Duration default_timeout);

  // When there may be work again: the earliest next_sync_at or waiting manual run (nullopt: none at all),
  // passing over integrations whose target host is one of `full_hosts`.
  absl::StatusOr<std::optional<absl::Time>> NextDue(const std::vector<std::string>& full_hosts = {});

  // Finishes the runs and moves their integrations' schedules on. Returns run id -> integration id of the
  // runs this call finished; the others had finished already (a repeated or late result) and are left as
  // they were.
  absl::StatusOr<RunsFinished> FinishRuns(const std::vector<RunEnd>& ends);

  // Upserts a run's record batch in one transaction and records its counts. A batch already applied (same
  // run and sequence) is not applied again; its counts are returned. FAILED_PRECONDITION when the run is
  // not running (any more).
  absl::StatusOr<RecordCounts> ApplyRecordBatch(const RecordBatchIn& batch);

  // Fails runs whose lease ran out (retried by the normal rules): TIMEOUT when the run passed its deadline
  // plus `deadline_grace` (heartbeats stop extending leases there, see ExtendLeases), else WORKER_LOST.
  absl::StatusOr<std::vector<ReapedRun>> FailExpiredLeases(int limit, absl::Duration deadline_grace);

  // Extends the leases of runs held by `worker_id` (on this replica), each to at most its deadline plus
  // `deadline_grace`; returns the run ids still RUNNING.
  absl::StatusOr<std::vector<std::string>> ExtendLeases(const std::vector<std::string>& run_ids,
                                                        const std::string& worker_id, absl::Duration lease,
                                                        absl::Duration deadline_grace);

  // History retention: deletes up to `limit` runs that finished before `cutoff`, oldest first, with their
  // record batches. Returns how many went; `limit` of them means there may be more.
  absl::StatusOr<int> PruneHistory(absl::Time cutoff, int limit);

  // Presence: this replica and its workers are alive; rows not refreshed for `stale_after` are removed.
  absl::Status Heartbeat(const std::vector<WorkerInfo>& workers, absl::Duration stale_after);
  absl::Status WorkerConnected(const WorkerInfo& worker);
  absl::Status WorkerDisconnected(const std::string& worker_id);
  absl::Status ReplicaStopped();

  // For GetWorkerStatus: workers heard from within `fresh`, and whether a replica is dispatching.
  absl::StatusOr<std::vector<WorkerRow>> ListWorkers(absl::Duration fresh);
  absl::StatusOr<bool> SchedulerRunning(absl::Duration fresh);
  absl::StatusOr<int32_t> DueBacklog();
  absl::StatusOr<ConcurrencyStatus> Concurrency();

 private:
  Claimed ClaimUnlimited(pqxx::work& tx, const std::vector<std::string>& slots, int64_t now_us,
                         int64_t lease_us, double timeout_s);
  schedule::RunningSyncs CountRunning(pqxx::work& tx);

  PgPool& pool_;
  const Clock& clock_;
  const schedule::RetryPolicy policy_;
  const std::string replica_id_;
  const schedule::ConcurrencyLimits limits_;
  const absl::Time started_at_;
  std::function<double()> uniform01_;
  FinishedObserver finished_observer_;
};

}  // namespace syncd::store
