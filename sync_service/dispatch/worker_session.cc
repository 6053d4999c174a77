#include "sync_service/dispatch/worker_session.h"

#include "google/protobuf/arena.h"
#include "spdlog/spdlog.h"

namespace syncd::dispatch {

class WorkerReactor final : public grpc::ServerBidiReactor<v1::WorkerMessage, v1::ServerMessage> {
 public:
  WorkerReactor(SessionEvents& events, std::string peer)
      : events_(events), peer_(std::move(peer)), session_(std::make_shared<WorkerSession>()) {
    session_->Attach(this);
    StartRead(in_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      EndReads();
      return;
    }
    switch (in_->kind_case()) {
      case v1::WorkerMessage::kHello: {
        const v1::WorkerHello& hello = in_->hello();
        if (hello.worker_id().empty() || session_->hello_received()) {
          spdlog::warn("worker stream from {}: {}; closing", peer_,
                       hello.worker_id().empty() ? "hello without worker_id" : "second hello");
          EndReads();
          return;
        }
        WorkerSession::Identity id{hello.worker_id(), hello.name(), hello.version(),
                                   hello.capacity() > 0 ? hello.capacity() : 3};
        session_->SetHello(id, {hello.held_run_ids().begin(), hello.held_run_ids().end()});
        events_.OnHello(session_, hello);
        break;
      }
      case v1::WorkerMessage::kHeartbeat:
        if (!session_->hello_received()) break;
        session_->SetDraining(in_->heartbeat().draining());
        events_.OnHeartbeat(session_, in_->heartbeat());
        break;
      case v1::WorkerMessage::kResults:
        if (!session_->hello_received()) break;
        events_.OnResults(session_, in_->results());
        break;
      case v1::WorkerMessage::kRecords:
        if (!session_->hello_received()) break;
        events_.OnRecords(session_, in_->records());
        break;
      default:
        // Progress is not used yet.
        break;
    }
    // The handlers copied what they keep.
    arena_.Reset();
    in_ = NewMessage();
    StartRead(in_);
  }

  void OnWriteDone(bool ok) override {
    bool finish = false;
    const v1::ServerMessage* next = session_->WriteDone(ok, &finish);
    if (next != nullptr) {
      StartWrite(next);
    } else if (finish) {
      Finish(grpc::Status::OK);
    }
  }

  void OnCancel() override { spdlog::debug("worker stream from {} cancelled", peer_); }

  void OnDone() override {
    session_->Detach();
    events_.OnClosed(session_);
    delete this;
  }

  // Called by WorkerSession::Send with the session's lock released.
  void Write(const v1::ServerMessage* message) { StartWrite(message); }

 private:
  void EndReads() {
    if (session_->ReadsEnded()) Finish(grpc::Status::OK);
  }
  v1::WorkerMessage* NewMessage() {
    return google::protobuf::Arena::CreateMessage<v1::WorkerMessage>(&arena_);
  }

  SessionEvents& events_;
  const std::string peer_;
  std::shared_ptr<WorkerSession> session_;
  // Each message from the worker is parsed into this arena, emptied once the message is handled: a batch of
  // results is hundreds of runs with several strings each, which otherwise cost an allocation and a free
  // apiece.
  google::protobuf::Arena arena_;
  v1::WorkerMessage* in_ = NewMessage();
};

void WorkerSession::Attach(WorkerReactor* reactor) {
  absl::MutexLock lock(&mu_);
  reactor_ = reactor;
}

void WorkerSession::Detach() {
  absl::MutexLock lock(&mu_);
  reactor_ = nullptr;
  finished_ = true;
  outbox_.clear();
}

void WorkerSession::Send(const v1::ServerMessage& message) {
  OutgoingMessage out;
  *out = message;
  Send(std::move(out));
}

void WorkerSession::Send(OutgoingMessage message) {
  WorkerReactor* reactor = nullptr;
  const v1::ServerMessage* first = nullptr;
  {
    absl::MutexLock lock(&mu_);
    if (finished_ || reads_ended_ || reactor_ == nullptr) return;
    outbox_.push_back(std::move(message));
    if (write_in_flight_) return;
    write_in_flight_ = true;
    reactor = reactor_;
    first = &*outbox_.front();
  }
  // Safe without the lock: while a write is in flight the stream cannot finish, so the reactor lives, and
  // deque elements do not move when others are pushed behind them.
  reactor->Write(first);
}

const v1::ServerMessage* WorkerSession::WriteDone(bool ok, bool* finish) {
  absl::MutexLock lock(&mu_);
  if (!outbox_.empty()) outbox_.pop_front();
  if (!ok) outbox_.clear();  // the stream is broken; the reads will end too
  if (!outbox_.empty() && !reads_ended_) return &*outbox_.front();
  write_in_flight_ = false;
  if (reads_ended_ && !finished_) {
    finished_ = true;
    *finish = true;
  }
  return nullptr;
}

bool WorkerSession::ReadsEnded() {
  absl::MutexLock lock(&mu_);
  reads_ended_ = true;
  if (write_in_flight_ || finished_) return false;
  finished_ = true;
  return true;
}

void WorkerSession::SetHello(Identity identity, const std::vector<std::string>& held) {
  absl::MutexLock lock(&mu_);
  identity_ = std::move(identity);
  hello_ = true;
  runs_.insert(held.begin(), held.end());
}

void WorkerSession::SetDraining(bool draining) {
  absl::MutexLock lock(&mu_);
  draining_ = draining;
}

WorkerSession::Identity WorkerSession::identity() const {
  absl::MutexLock lock(&mu_);
  return identity_;
}

bool WorkerSession::hello_received() const {
  absl::MutexLock lock(&mu_);
  return hello_;
}

bool WorkerSession::draining() const {
  absl::MutexLock lock(&mu_);
  return draining_;
}

bool WorkerSession::TakeDrainToConfirm() {
  absl::MutexLock lock(&mu_);
  if (!draining_ || drain_confirmed_) return false;
  drain_confirmed_ = true;
  return true;
}

bool WorkerSession::open() const {
  absl::MutexLock lock(&mu_);
  return !finished_ && !reads_ended_;
}

int WorkerSession::FreeSlots() const {
  absl::MutexLock lock(&mu_);
  if (!hello_ || draining_ || finished_ || reads_ended_) return 0;
  return std::max(0, identity_.capacity - static_cast<int>(runs_.size()));
}

void WorkerSession::AddRuns(const std::vector<std::string>& run_ids) {
  absl::MutexLock lock(&mu_);
  runs_.insert(run_ids.begin(), run_ids.end());
}

void WorkerSession::RemoveRuns(const std::vector<std::string>& run_ids) {
  absl::MutexLock lock(&mu_);
  for (const auto& id : run_ids) {
    runs_.erase(id);
    ended_.erase(id);
  }
}

std::vector<std::string> WorkerSession::EndedWhileHeld(const std::vector<std::string>& run_ids) {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> marked;
  for (const auto& id : run_ids) {
    // A run already acknowledged (its result came in before this report was handled) stays out.
    if (runs_.count(id) > 0 && ended_.insert(id).second) marked.push_back(id);
  }
  return marked;
}

void WorkerSession::Reported(const std::vector<std::string>& run_ids) {
  const absl::flat_hash_set<std::string> reported(run_ids.begin(), run_ids.end());
  absl::MutexLock lock(&mu_);
  for (auto it = ended_.begin(); it != ended_.end();) {
    if (reported.count(*it) > 0) {
      ++it;
      continue;
    }
    runs_.erase(*it);
    ended_.erase(it++);
  }
}

int WorkerSession::HeldRunCount() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(runs_.size());
}

grpc::ServerBidiReactor<v1::WorkerMessage, v1::ServerMessage>* WorkerServiceImpl::Connect(
    grpc::CallbackServerContext* context) {
  return new WorkerReactor(events_, context->peer());
}

}  // namespace syncd::dispatch
