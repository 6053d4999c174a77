// WorkerAgent: a worker's life. Holds one WorkerService.Connect stream to sync_service (reconnecting with
// backoff when it breaks), runs assigned syncs on a bounded pool of threads, and reports results until
// sync_service acknowledges them. Syncs keep running while the stream is down; their results are sent once
// it is back, so a sync_service restart loses nothing.
//
//   WorkerAgent agent(options, connectors);
//   agent.Start();
//   ...                       // on SIGTERM:
//   agent.Drain(absl::Seconds(30));
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "syncd/v1/worker_service.grpc.pb.h"
#include "worker_service/connectors/connector.h"

namespace syncd::worker {

struct WorkerOptions {
  std::string sync_service_address = "localhost:50051";
  std::string worker_id;
  std::string name;
  std::string version;
  int capacity = 3;
  // Reconnect backoff: doubles from min to max, with jitter.
  absl::Duration reconnect_min = absl::Milliseconds(200);
  absl::Duration reconnect_max = absl::Seconds(2);
  // Until sync_service says otherwise in its hello ack.
  absl::Duration heartbeat_interval = absl::Seconds(5);
  // Told about each sync that ran to the end (for metrics); optional.
  std::function<void(const SyncJob&, const SyncOutcome&, absl::Duration)> on_finished;
};

// Connectors by integration type ("DEMO", "HTTP_JSON").
using ConnectorMap = std::map<std::string, std::unique_ptr<Connector>>;

class WorkerAgent {
 public:
  WorkerAgent(WorkerOptions options, ConnectorMap connectors);
  ~WorkerAgent();

  void Start();
  // Takes no new work, lets running syncs finish (cancelling those still running at the deadline), waits for
  // their results to be acknowledged, then closes the stream. Returns true if everything was reported.
  bool Drain(absl::Duration timeout);

  // Connected to sync_service and accepting work (for /readyz).
  bool Ready() const;
  int Running() const;

 private:
  struct RunningSync {
    SyncJob job;
    std::shared_ptr<std::atomic<bool>> cancelled;
  };
  class Context;

  void ConnectionLoop();
  void SenderLoop();
  void ExecutorLoop();
  // Wakes one waiting executor for queued work, unless one is already on its way.
  void WakeExecutor() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void HandleMessage(const v1::ServerMessage& message);
  void Finish(const SyncJob& job, const SyncOutcome& outcome, absl::Time started);
  bool Write(const v1::WorkerMessage& message);
  // Sends a run's record batch and waits for sync_service to store it (or the run to stop).
  absl::StatusOr<BatchCounts> SendRecords(const std::string& run_id, int sequence,
                                          std::vector<SourceRecord> records,
                                          const std::function<bool()>& stopped, absl::Time deadline);
  v1::WorkerMessage HeartbeatMessage() const;

  const WorkerOptions options_;
  const ConnectorMap connectors_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::WorkerService::Stub> stub_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  bool connected_ ABSL_GUARDED_BY(mu_) = false;
  absl::Duration heartbeat_interval_ ABSL_GUARDED_BY(mu_);
  std::deque<SyncJob> queue_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> queued_ids_ ABSL_GUARDED_BY(mu_);  // the run ids in queue_
  // Executors wait on this rather than on an absl::Condition: with hundreds of executors, conditions would
  // be re-evaluated on every unlock of mu_.
  absl::CondVar work_cv_;
  // Executors waiting on work_cv_, and how many of them were signalled and have not yet looked at the
  // queue. At most one is woken at a time (WakeExecutor): a woken executor that takes a job wakes the next
  // one if work is left. Syncs that take a while still get an executor each, one wake-up after another;
  // syncs that end at once are run by the executors already awake instead of waking one per sync.
  int idle_executors_ ABSL_GUARDED_BY(mu_) = 0;
  int waking_executors_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<std::string, RunningSync> running_ ABSL_GUARDED_BY(mu_);
  // Finished, sent or not, until sync_service acknowledges them.
  absl::flat_hash_map<std::string, v1::RunResult> unacked_ ABSL_GUARDED_BY(mu_);
  // Finished and not yet written on the current stream.
  std::vector<std::string> unsent_ ABSL_GUARDED_BY(mu_);
  bool heartbeat_due_ ABSL_GUARDED_BY(mu_) = false;
  // sync_service confirmed (with a Drain message) that it sends this stream no more assignments.
  bool drain_confirmed_ ABSL_GUARDED_BY(mu_) = false;
  // Record batches sent and not yet acknowledged, by (run id, sequence); sent again after a reconnect.
  std::map<std::pair<std::string, int>, v1::WorkerMessage> pending_batches_ ABSL_GUARDED_BY(mu_);
  // The counts, or the error of a batch sync_service refused for good.
  std::map<std::pair<std::string, int>, absl::StatusOr<BatchCounts>> batch_acks_ ABSL_GUARDED_BY(mu_);
  absl::CondVar batch_cv_;

  // Serialises writes on the current stream; the stream pointer is only replaced under it.
  absl::Mutex write_mu_;
  grpc::ClientReaderWriter<v1::WorkerMessage, v1::ServerMessage>* stream_ ABSL_GUARDED_BY(write_mu_) =
      nullptr;
  grpc::ClientContext* stream_context_ ABSL_GUARDED_BY(write_mu_) = nullptr;

  std::thread connection_thread_;
  std::thread sender_thread_;
  std::vector<std::thread> executors_;
};

}  // namespace syncd::worker
