// The server side of WorkerService.Connect: one reactor per worker stream (gRPC callback API). Reactor
// callbacks never touch the database: they hand messages to SessionEvents (the dispatcher), which does the
// work on its own threads and answers through WorkerSession::Send.
//
//   WorkerServiceImpl service(dispatcher);  // dispatcher implements SessionEvents
//   builder.RegisterService(&service);
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "google/protobuf/arena.h"
#include "syncd/v1/worker_service.grpc.pb.h"

namespace syncd::dispatch {

class WorkerReactor;

// A message for a worker, built on an arena of its own: an assignment batch is hundreds of runs with a dozen
// strings each, all freed at once when the write is done instead of one by one.
class OutgoingMessage {
 public:
  OutgoingMessage()
      : arena_(std::make_unique<google::protobuf::Arena>()),
        message_(google::protobuf::Arena::CreateMessage<v1::ServerMessage>(arena_.get())) {}
  v1::ServerMessage& operator*() const { return *message_; }
  v1::ServerMessage* operator->() const { return message_; }

 private:
  std::unique_ptr<google::protobuf::Arena> arena_;
  v1::ServerMessage* message_;
};

// One connected worker as the rest of sync_service sees it. Outlives its stream: threads holding a
// shared_ptr may still call Send after the stream ended; the message is then dropped.
class WorkerSession {
 public:
  WorkerSession() = default;

  // Queues a message; writes go out one at a time in order. Thread-safe; never blocks.
  void Send(OutgoingMessage message);
  // The same for a small message built on the heap (copied).
  void Send(const v1::ServerMessage& message);

  // Identity and capacity, known after the hello.
  struct Identity {
    std::string worker_id;
    std::string name;
    std::string version;
    int32_t capacity = 0;
  };
  Identity identity() const;
  bool hello_received() const;
  bool draining() const;
  // True once after the worker said it is draining: the dispatcher then confirms with a Drain message,
  // after every assignment it sent this session (it alone sends assignments, so the order holds).
  bool TakeDrainToConfirm();
  bool open() const;

  // Free slots: capacity minus runs held (assigned and not yet acknowledged as finished).
  int FreeSlots() const;
  void AddRuns(const std::vector<std::string>& run_ids);
  void RemoveRuns(const std::vector<std::string>& run_ids);
  int HeldRunCount() const;
  // Runs of this session that ended without the worker (their lease ran out, or sync_service failed them
  // at their deadline) while the worker still reports holding them: a connector that ignores cancellation
  // still occupies its slot, so they keep theirs until the worker stops reporting them. Returns the runs
  // newly marked (to be cancelled on the worker).
  std::vector<std::string> EndedWhileHeld(const std::vector<std::string>& run_ids);
  // The runs the worker reported holding (heartbeat or hello): ended runs it no longer reports (its
  // connector returned and the result was acknowledged, or it dropped them from its queue) free their slots.
  void Reported(const std::vector<std::string>& run_ids);

 private:
  friend class WorkerReactor;

  // Called by the reactor.
  void Attach(WorkerReactor* reactor);
  void SetHello(Identity identity, const std::vector<std::string>& held);
  void SetDraining(bool draining);
  // Marks the end of reads; returns true if Finish should be called now (no write in flight).
  bool ReadsEnded();
  // After a write completed: the next message to write, or nullptr. *finish is set when Finish is due.
  const v1::ServerMessage* WriteDone(bool ok, bool* finish);
  void Detach();

  mutable absl::Mutex mu_;
  WorkerReactor* reactor_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::deque<OutgoingMessage> outbox_ ABSL_GUARDED_BY(mu_);
  bool write_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool reads_ended_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool hello_ ABSL_GUARDED_BY(mu_) = false;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  bool drain_confirmed_ ABSL_GUARDED_BY(mu_) = false;
  Identity identity_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> runs_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> ended_ ABSL_GUARDED_BY(mu_);  // a subset of runs_, see EndedWhileHeld
};

// What the reactor reports. Implementations must not block: queue and return.
class SessionEvents {
 public:
  virtual ~SessionEvents() = default;
  virtual void OnHello(const std::shared_ptr<WorkerSession>& session, const v1::WorkerHello& hello) = 0;
  virtual void OnHeartbeat(const std::shared_ptr<WorkerSession>& session, const v1::WorkerHeartbeat& hb) = 0;
  virtual void OnResults(const std::shared_ptr<WorkerSession>& session, const v1::RunResults& results) = 0;
  virtual void OnRecords(const std::shared_ptr<WorkerSession>& session, const v1::RecordBatch& batch) = 0;
  virtual void OnClosed(const std::shared_ptr<WorkerSession>& session) = 0;
};

class WorkerServiceImpl final : public v1::WorkerService::CallbackService {
 public:
  explicit WorkerServiceImpl(SessionEvents& events) : events_(events) {}
  grpc::ServerBidiReactor<v1::WorkerMessage, v1::ServerMessage>* Connect(
      grpc::CallbackServerContext* context) override;

 private:
  SessionEvents& events_;
};

}  // namespace syncd::dispatch
