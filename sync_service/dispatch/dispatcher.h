// The sync loop of one sync_service replica.
//
// Dispatch thread: sleeps until the earliest due time (or a wake-up: a change made through any replica,
// announced by LISTEN/NOTIFY, a worker connecting or finishing), then claims as much due work as its
// connected workers have free slots and sends them the assignments. It also fails runs whose lease ran out
// and keeps this replica's and its workers' presence rows fresh.
// Session thread: applies what workers report, in batches: results (then acknowledges them), lease
// extensions from heartbeats, workers connecting and leaving.
//
// All decisions that matter for correctness are made in PostgreSQL (row locks, SKIP LOCKED, the unique
// index on active runs, the concurrency limits counted under an advisory lock); the in-memory slot counts
// only decide how much to ask for, and what held a claim back only decides when to look again.
//
//   Dispatcher dispatcher(store, clock, options);
//   dispatcher.Start();
//   ... builder.RegisterService(&worker_service) with dispatcher as its SessionEvents ...
//   dispatcher.Stop();
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "sync_service/dispatch/worker_session.h"
#include "sync_service/store/dispatch_store.h"

namespace syncd::dispatch {

class SyncMetrics;

struct DispatcherOptions {
  // A running run fails as WORKER_LOST when no heartbeat extended it for this long.
  absl::Duration lease = absl::Seconds(30);
  absl::Duration heartbeat_interval = absl::Seconds(5);
  // Even without any wake-up, look for due work this often (a missed notification costs at most this).
  absl::Duration safety_poll = absl::Seconds(5);
  // How often to look for expired leases.
  absl::Duration reap_interval = absl::Seconds(2);
  // How often to refresh this replica's and its workers' presence rows.
  absl::Duration presence_interval = absl::Seconds(5);
  // Default sync deadline when the integration sets no syncTimeoutSeconds.
  absl::Duration default_sync_timeout = absl::Minutes(10);
  // How long past its deadline a run may stay RUNNING for its worker to stop it and report; after that the
  // run's lease is no longer extended and it fails as TIMEOUT.
  absl::Duration sync_deadline_grace = absl::Minutes(1);
  // Finished runs older than this are deleted from the history, with their record batches (zero: kept
  // forever). Checked every prune_interval, in slices of max_batch runs.
  absl::Duration history_retention = absl::Hours(24 * 90);
  absl::Duration prune_interval = absl::Minutes(10);
  // Most runs claimed or finished in one transaction.
  int max_batch = 512;
  // Counts the syncs started (optional).
  SyncMetrics* metrics = nullptr;
};

class Dispatcher final : public SessionEvents {
 public:
  Dispatcher(store::DispatchStore& store, const Clock& clock, DispatcherOptions options);
  ~Dispatcher() override;

  // Records this replica's presence (and limits), then starts the dispatch and session threads.
  void Start();
  // Stops claiming, applies the results already received, and joins the threads.
  void Stop();
  // Look for due work now (a change was announced).
  void Wake();

  // Workers connected to this replica and the runs they hold (for metrics).
  struct Load {
    int workers = 0;
    int runs = 0;
  };
  Load CurrentLoad() const;

  // SessionEvents: called on gRPC threads; they only queue.
  void OnHello(const std::shared_ptr<WorkerSession>& session, const v1::WorkerHello& hello) override;
  void OnHeartbeat(const std::shared_ptr<WorkerSession>& session, const v1::WorkerHeartbeat& hb) override;
  void OnResults(const std::shared_ptr<WorkerSession>& session, const v1::RunResults& results) override;
  void OnRecords(const std::shared_ptr<WorkerSession>& session, const v1::RecordBatch& batch) override;
  void OnClosed(const std::shared_ptr<WorkerSession>& session) override;

 private:
  struct PendingResult {
    std::shared_ptr<WorkerSession> session;
    store::RunEnd end;
  };
  struct PendingRecords {
    std::shared_ptr<WorkerSession> session;
    store::RecordBatchIn batch;
  };
  struct LeaseRequest {
    std::shared_ptr<WorkerSession> session;
    std::vector<std::string> run_ids;
  };

  void DispatchLoop();
  void SessionLoop();
  // One claim round; returns how many runs were handed out.
  int ClaimAndAssign();
  // Returns false when the database refused them (they are queued again).
  bool ApplyResults(std::vector<PendingResult> batch);
  void ApplyLeases(std::vector<LeaseRequest> batch);
  void ApplyRecords(std::vector<PendingRecords> batches);
  std::vector<store::WorkerInfo> LiveWorkers() const;

  store::DispatchStore& store_;
  const Clock& clock_;
  const DispatcherOptions options_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool wake_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::shared_ptr<WorkerSession>> sessions_ ABSL_GUARDED_BY(mu_);
  std::deque<PendingResult> results_ ABSL_GUARDED_BY(mu_);
  std::deque<LeaseRequest> leases_ ABSL_GUARDED_BY(mu_);
  std::deque<PendingRecords> records_ ABSL_GUARDED_BY(mu_);
  std::deque<std::shared_ptr<WorkerSession>> connected_ ABSL_GUARDED_BY(mu_);
  std::deque<std::string> disconnected_ ABSL_GUARDED_BY(mu_);

  // What held the last claim back (the dispatch thread's own).
  bool globally_full_ = false;
  std::vector<std::string> full_hosts_;

  std::thread dispatch_thread_;
  std::thread session_thread_;
};

}  // namespace syncd::dispatch
