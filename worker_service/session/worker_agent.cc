#include "worker_service/session/worker_agent.h"

#include <algorithm>

#include "absl/random/random.h"
#include "google/protobuf/arena.h"
#include "google/protobuf/util/time_util.h"
#include "spdlog/spdlog.h"
#include "worker_service/session/safe_text.h"

namespace syncd::worker {
namespace {

using google::protobuf::util::TimeUtil;

google::protobuf::Timestamp Ts(absl::Time t) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
}

const char* TypeName(v1::Integration::Type type) {
  switch (type) {
    case v1::Integration::HTTP_JSON:
      return "HTTP_JSON";
    case v1::Integration::DEMO:
      return "DEMO";
    default:
      return "UNKNOWN";
  }
}

SyncJob JobFromAssignment(const v1::Assignment& a) {
  SyncJob job;
  job.run_id = a.run().id();
  job.integration_id = a.integration_id();
  job.integration_name = a.integration_name();
  job.type = TypeName(a.type());
  job.config = nlohmann::json::parse(a.config_json(), nullptr, /*allow_exceptions=*/false);
  if (!job.config.is_object()) job.config = nlohmann::json::object();
  job.attempt = a.run().attempt();
  job.deadline = a.has_deadline() ? absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(a.deadline()))
                                  : absl::Now() + absl::Minutes(10);
  return job;
}

}  // namespace

class WorkerAgent::Context final : public SyncContext {
 public:
  Context(WorkerAgent& agent, std::string run_id, std::shared_ptr<std::atomic<bool>> cancelled,
          absl::Time deadline)
      : agent_(agent), run_id_(std::move(run_id)), cancelled_(std::move(cancelled)), deadline_(deadline) {}
  bool Stopped() const override { return *cancelled_ || absl::Now() >= deadline_; }
  absl::Time Deadline() const override { return deadline_; }
  bool Sleep(absl::Duration d) override {
    const absl::Time until = absl::Now() + d;
    while (!Stopped()) {
      const absl::Time now = absl::Now();
      if (now >= until) return true;
      absl::SleepFor(std::min(until - now, absl::Milliseconds(20)));
    }
    return false;
  }
  void Progress(int, int) override {}
  absl::StatusOr<BatchCounts> EmitRecords(std::vector<SourceRecord> records) override {
    return agent_.SendRecords(
        run_id_, ++sequence_, std::move(records), [this] { return Stopped(); }, deadline_);
  }

 private:
  WorkerAgent& agent_;
  const std::string run_id_;
  int sequence_ = 0;
  std::shared_ptr<std::atomic<bool>> cancelled_;
  const absl::Time deadline_;
};

WorkerAgent::WorkerAgent(WorkerOptions options, ConnectorMap connectors)
    : options_(std::move(options)), connectors_(std::move(connectors)) {
  heartbeat_interval_ = options_.heartbeat_interval;
  grpc::ChannelArguments args;
  // Notice a dead sync_service (or network) within seconds even when no sync is reporting.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS,
              static_cast<int>(absl::ToInt64Milliseconds(options_.reconnect_max)));
  channel_ =
      grpc::CreateCustomChannel(options_.sync_service_address, grpc::InsecureChannelCredentials(), args);
  stub_ = v1::WorkerService::NewStub(channel_);
}

WorkerAgent::~WorkerAgent() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    work_cv_.SignalAll();
    for (auto& [_, r] : running_) *r.cancelled = true;
  }
  {
    absl::MutexLock lock(&write_mu_);
    if (stream_context_ != nullptr) stream_context_->TryCancel();
  }
  if (connection_thread_.joinable()) connection_thread_.join();
  if (sender_thread_.joinable()) sender_thread_.join();
  for (auto& t : executors_) {
    if (t.joinable()) t.join();
  }
}

void WorkerAgent::Start() {
  for (int i = 0; i < options_.capacity; ++i) executors_.emplace_back([this] { ExecutorLoop(); });
  sender_thread_ = std::thread([this] { SenderLoop(); });
  connection_thread_ = std::thread([this] { ConnectionLoop(); });
}

bool WorkerAgent::Ready() const {
  absl::MutexLock lock(&mu_);
  return connected_ && !draining_ && !stopping_;
}

int WorkerAgent::Running() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(running_.size() + queue_.size());
}

bool WorkerAgent::Write(const v1::WorkerMessage& message) {
  absl::MutexLock lock(&write_mu_);
  return stream_ != nullptr && stream_->Write(message);
}

v1::WorkerMessage WorkerAgent::HeartbeatMessage() const {
  v1::WorkerMessage m;
  absl::MutexLock lock(&mu_);
  for (const auto& [id, _] : running_) m.mutable_heartbeat()->add_run_ids(id);
  for (const auto& job : queue_) m.mutable_heartbeat()->add_run_ids(job.run_id);
  // Finished but unacknowledged runs are still RUNNING on the server until their result lands.
  for (const auto& [id, _] : unacked_) m.mutable_heartbeat()->add_run_ids(id);
  m.mutable_heartbeat()->set_draining(draining_);
  return m;
}

void WorkerAgent::ConnectionLoop() {
  absl::BitGen gen;
  absl::Duration backoff = options_.reconnect_min;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReaderWriter<v1::WorkerMessage, v1::ServerMessage>> stream =
        stub_->Connect(&context);
    v1::WorkerMessage hello;
    {
      absl::MutexLock lock(&mu_);
      v1::WorkerHello* h = hello.mutable_hello();
      h->set_worker_id(options_.worker_id);
      h->set_name(options_.name);
      h->set_version(options_.version);
      h->set_capacity(options_.capacity);
      for (const auto& [id, _] : running_) h->add_held_run_ids(id);
      for (const auto& job : queue_) h->add_held_run_ids(job.run_id);
      for (const auto& [id, _] : unacked_) h->add_held_run_ids(id);
    }
    {
      absl::MutexLock lock(&write_mu_);
      stream_ = stream.get();
      stream_context_ = &context;
    }
    bool got_reply = false;
    if (Write(hello)) {
      {
        absl::MutexLock lock(&mu_);
        connected_ = true;
        // Everything not acknowledged goes again on the new stream: applying a result twice is harmless.
        unsent_.clear();
        for (const auto& [id, _] : unacked_) unsent_.push_back(id);
        heartbeat_due_ = draining_;
        drain_confirmed_ = false;  // a new stream: sync_service must confirm again
      }
      std::vector<v1::WorkerMessage> batches;
      {
        absl::MutexLock lock(&mu_);
        for (const auto& [_, m] : pending_batches_) batches.push_back(m);
      }
      for (const auto& m : batches) Write(m);
      // Each message is parsed into an arena that is emptied once it is handled: an assignment batch is
      // hundreds of runs with a dozen strings each, which otherwise cost an allocation and a free apiece
      // (a third of a worker's CPU in the throughput benchmark).
      google::protobuf::Arena arena;
      while (true) {
        auto* message = google::protobuf::Arena::CreateMessage<v1::ServerMessage>(&arena);
        if (!stream->Read(message)) break;
        if (!got_reply) {
          got_reply = true;
          backoff = options_.reconnect_min;
          spdlog::info("connected to sync_service at {}", options_.sync_service_address);
        }
        HandleMessage(*message);
        arena.Reset();
      }
    }
    {
      absl::MutexLock lock(&write_mu_);
      stream_ = nullptr;
      stream_context_ = nullptr;
    }
    bool stopping = false;
    {
      absl::MutexLock lock(&mu_);
      connected_ = false;
      stopping = stopping_;
    }
    const grpc::Status status = stream->Finish();
    if (stopping) return;
    const absl::Duration wait = backoff * (1.0 + absl::Uniform<double>(gen, 0.0, 0.5));
    spdlog::warn("stream to sync_service at {} ended ({}: {}); reconnecting in {}ms",
                 options_.sync_service_address, static_cast<int>(status.error_code()), status.error_message(),
                 absl::ToInt64Milliseconds(wait));
    backoff = std::min(backoff * 2, options_.reconnect_max);
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), wait);
  }
}

void WorkerAgent::HandleMessage(const v1::ServerMessage& message) {
  absl::MutexLock lock(&mu_);
  switch (message.kind_case()) {
    case v1::ServerMessage::kHelloAck:
      if (message.hello_ack().heartbeat_interval_ms() > 0) {
        heartbeat_interval_ = absl::Milliseconds(message.hello_ack().heartbeat_interval_ms());
      }
      // Heartbeat now and then at sync_service's interval: the sender may be waiting out a longer one.
      heartbeat_due_ = true;
      break;
    case v1::ServerMessage::kAssignments:
      for (const v1::Assignment& a : message.assignments().assignments()) {
        const std::string& id = a.run().id();
        if (running_.count(id) > 0 || unacked_.count(id) > 0 || !queued_ids_.insert(id).second) continue;
        queue_.push_back(JobFromAssignment(a));
      }
      if (!queue_.empty()) WakeExecutor();
      break;
    case v1::ServerMessage::kCancel: {
      const std::string& id = message.cancel().run_id();
      if (auto it = running_.find(id); it != running_.end() && !*it->second.cancelled) {
        spdlog::info("cancelling integration_id={} run_id={}: {}", it->second.job.integration_id, id,
                     message.cancel().reason());
        *it->second.cancelled = true;
      }
      if (queued_ids_.erase(id) > 0) {
        queue_.erase(
            std::remove_if(queue_.begin(), queue_.end(), [&](const SyncJob& j) { return j.run_id == id; }),
            queue_.end());
      }
      break;
    }
    case v1::ServerMessage::kDrain:
      // Either the answer to our draining heartbeat or sync_service's own request: from here on it sends
      // this stream no assignments.
      if (!draining_) spdlog::info("sync_service asked this worker to drain: {}", message.drain().reason());
      if (!draining_) heartbeat_due_ = true;
      draining_ = true;
      drain_confirmed_ = true;
      break;
    case v1::ServerMessage::kRecordsAck: {
      const auto& ack = message.records_ack();
      const auto key = std::make_pair(ack.run_id(), ack.sequence());
      if (pending_batches_.erase(key) > 0) {
        if (ack.error().empty()) {
          batch_acks_[key] = BatchCounts{ack.inserted(), ack.updated(), ack.unchanged()};
        } else {
          batch_acks_[key] = absl::InvalidArgumentError(ack.error());
        }
        batch_cv_.SignalAll();
      }
      break;
    }
    case v1::ServerMessage::kResultAck:
      for (const auto& id : message.result_ack().run_ids()) unacked_.erase(id);
      break;
    default:
      break;
  }
}

void WorkerAgent::SenderLoop() {
  absl::Time next_heartbeat = absl::Now();
  while (true) {
    std::vector<v1::RunResult> results;
    bool heartbeat = false;
    {
      absl::MutexLock lock(&mu_);
      auto has_work = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return stopping_ || (connected_ && (!unsent_.empty() || heartbeat_due_));
      };
      mu_.AwaitWithDeadline(absl::Condition(&has_work), next_heartbeat);
      if (stopping_ && !connected_) return;
      if (!connected_) {
        next_heartbeat = absl::Now() + heartbeat_interval_;
        continue;
      }
      for (const auto& id : unsent_) {
        if (auto it = unacked_.find(id); it != unacked_.end()) results.push_back(it->second);
      }
      unsent_.clear();
      heartbeat = heartbeat_due_ || absl::Now() >= next_heartbeat;
      heartbeat_due_ = false;
      if (stopping_ && results.empty() && !heartbeat) {
        // Nothing left to say: wait for the connection loop to close the stream.
        auto disconnected = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return !connected_; };
        mu_.AwaitWithTimeout(absl::Condition(&disconnected), absl::Milliseconds(100));
        continue;
      }
    }
    if (!results.empty()) {
      v1::WorkerMessage m;
      for (auto& r : results) *m.mutable_results()->add_results() = std::move(r);
      Write(m);  // on failure the new stream resends everything unacknowledged
    }
    if (heartbeat) {
      Write(HeartbeatMessage());
      absl::MutexLock lock(&mu_);
      next_heartbeat = absl::Now() + heartbeat_interval_;
    }
  }
}

void WorkerAgent::ExecutorLoop() {
  while (true) {
    SyncJob job;
    auto cancelled = std::make_shared<std::atomic<bool>>(false);
    {
      absl::MutexLock lock(&mu_);
      while (!stopping_ && queue_.empty()) {
        ++idle_executors_;
        work_cv_.Wait(&mu_);
        --idle_executors_;
        if (waking_executors_ > 0) --waking_executors_;
      }
      if (queue_.empty()) return;  // stopping
      job = std::move(queue_.front());
      queue_.pop_front();
      queued_ids_.erase(job.run_id);
      if (!queue_.empty()) WakeExecutor();
      if (stopping_) *cancelled = true;
      running_[job.run_id] = {job, cancelled};
    }
    const absl::Time started = absl::Now();
    SyncOutcome outcome;
    auto connector = connectors_.find(job.type);
    if (connector == connectors_.end()) {
      outcome = SyncOutcome::Failure(
          {"CONFIG_INVALID", "This worker has no connector for integration type " + job.type + ".",
           "Upgrade the workers to a version that supports this type.", std::nullopt});
    } else {
      Context context(*this, job.run_id, cancelled, job.deadline);
      try {
        outcome = connector->second->Run(job, context);
      } catch (const std::exception& e) {
        outcome =
            SyncOutcome::Failure({"INTERNAL", std::string("The connector failed unexpectedly: ") + e.what(),
                                  "This is a bug in syncd; the sync is retried. Please report it with the "
                                  "worker log.",
                                  std::nullopt});
      }
    }
    Finish(job, outcome, started);
  }
}

void WorkerAgent::WakeExecutor() {
  if (waking_executors_ > 0 || idle_executors_ == 0) return;
  ++waking_executors_;
  work_cv_.Signal();
}

void WorkerAgent::Finish(const SyncJob& job, const SyncOutcome& outcome, absl::Time started) {
  const absl::Time completed = absl::Now();
  v1::RunResult r;
  r.set_run_id(job.run_id);
  r.set_success(outcome.success);
  r.set_records_count(outcome.records_count);
  if (!outcome.success) {
    // Messages may quote the source's bytes; proto3 strings must be UTF-8 or the result never arrives.
    r.set_error_code(SafeResultText(outcome.failure.code));
    r.set_error_message(SafeResultText(outcome.failure.message));
    r.set_suggestion(SafeResultText(outcome.failure.suggestion));
    if (outcome.failure.retry_after) *r.mutable_retry_after() = Ts(*outcome.failure.retry_after);
  }
  *r.mutable_started_at() = Ts(started);
  *r.mutable_completed_at() = Ts(completed);
  if (outcome.success) {
    spdlog::info("sync done integration_id={} run_id={} records={} ms={}", job.integration_id, job.run_id,
                 outcome.records_count, absl::ToInt64Milliseconds(completed - started));
  } else {
    spdlog::info("sync failed integration_id={} run_id={} error_code={} ms={}", job.integration_id,
                 job.run_id, outcome.failure.code, absl::ToInt64Milliseconds(completed - started));
  }
  if (options_.on_finished) options_.on_finished(job, outcome, completed - started);
  absl::MutexLock lock(&mu_);
  running_.erase(job.run_id);
  unacked_[job.run_id] = std::move(r);
  unsent_.push_back(job.run_id);
}

absl::StatusOr<BatchCounts> WorkerAgent::SendRecords(const std::string& run_id, int sequence,
                                                     std::vector<SourceRecord> records,
                                                     const std::function<bool()>& stopped,
                                                     absl::Time deadline) {
  v1::WorkerMessage message;
  v1::RecordBatch* batch = message.mutable_records();
  batch->set_run_id(run_id);
  batch->set_sequence(sequence);
  for (auto& r : records) {
    v1::Record* out = batch->add_records();
    out->set_external_id(std::move(r.external_id));
    out->set_json(std::move(r.json));
  }
  const auto key = std::make_pair(run_id, sequence);
  {
    absl::MutexLock lock(&mu_);
    pending_batches_[key] = message;
  }
  Write(message);  // if the stream is down, the next one sends it
  absl::MutexLock lock(&mu_);
  while (batch_acks_.count(key) == 0) {
    if (stopped() || absl::Now() >= deadline) {
      pending_batches_.erase(key);
      return absl::DeadlineExceededError("sync_service did not store the records before the sync stopped");
    }
    batch_cv_.WaitWithTimeout(&mu_, absl::Milliseconds(100));
  }
  absl::StatusOr<BatchCounts> counts = std::move(batch_acks_.at(key));
  batch_acks_.erase(key);
  return counts;
}

bool WorkerAgent::Drain(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  // Let the last results reach sync_service after a forced cancel.
  const absl::Duration report_grace = std::min(absl::Seconds(5), timeout / 4);
  bool reported = false;
  {
    absl::MutexLock lock(&mu_);
    draining_ = true;
    heartbeat_due_ = true;
    spdlog::info("draining: {} syncs running or queued, {} results unacknowledged",
                 running_.size() + queue_.size(), unacked_.size());
    // Done when nothing is left to run or report and sync_service has confirmed that no assignment is on
    // its way (or it cannot be reached, so none can come).
    auto all_done = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return queue_.empty() && running_.empty() && unacked_.empty() && (drain_confirmed_ || !connected_);
    };
    reported = mu_.AwaitWithDeadline(absl::Condition(&all_done), deadline - report_grace);
    if (!reported) {
      for (auto& [id, r] : running_) {
        spdlog::warn("drain deadline: cancelling integration_id={} run_id={}", r.job.integration_id, id);
        *r.cancelled = true;
      }
      reported = mu_.AwaitWithDeadline(absl::Condition(&all_done), deadline);
    }
    if (!reported) {
      spdlog::warn(
          "drain ended with {} syncs unreported; sync_service fails them as WORKER_LOST when their lease "
          "ends and retries them",
          running_.size() + queue_.size() + unacked_.size());
    }
    stopping_ = true;
    work_cv_.SignalAll();
    for (auto& [_, r] : running_) *r.cancelled = true;
  }
  {
    absl::MutexLock lock(&write_mu_);
    if (stream_ != nullptr) stream_->WritesDone();
    stream_ = nullptr;  // no writes after WritesDone
    if (stream_context_ != nullptr && !reported) stream_context_->TryCancel();
  }
  if (connection_thread_.joinable()) connection_thread_.join();
  if (sender_thread_.joinable()) sender_thread_.join();
  for (auto& t : executors_) {
    if (t.joinable()) t.join();
  }
  return reported;
}

}  // namespace syncd::worker
