#include "sync_service/dispatch/dispatcher.h"

#include <algorithm>
#include <map>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"
#include "sync_service/api/convert.h"
#include "sync_service/dispatch/sync_metrics.h"
#include "sync_service/domain/validation.h"

namespace syncd::dispatch {
namespace {

// When claims find nothing although something is due, another replica holds those rows for a moment.
constexpr absl::Duration kContendedRetry = absl::Milliseconds(20);
constexpr absl::Duration kDatabaseRetry = absl::Seconds(1);

store::RunEnd EndFromResult(const v1::RunResult& r, absl::Time now) {
  store::RunEnd end;
  end.run_id = r.run_id();
  end.records_count = std::max(0, r.records_count());
  end.finish.success = r.success();
  end.finish.completed_at = r.has_completed_at() ? api::TimeOf(r.completed_at()) : now;
  if (!r.success()) {
    end.finish.error_code = r.error_code().empty() ? "INTERNAL" : r.error_code();
    end.finish.error_message =
        r.error_message().empty() ? "The worker reported a failure without a message." : r.error_message();
    end.finish.suggestion = r.suggestion();
    if (r.has_retry_after()) end.finish.retry_after = api::TimeOf(r.retry_after());
  }
  return end;
}

}  // namespace

Dispatcher::Dispatcher(store::DispatchStore& store, const Clock& clock, DispatcherOptions options)
    : store_(store), clock_(clock), options_(options) {}

Dispatcher::~Dispatcher() { Stop(); }

void Dispatcher::Start() {
  // Presence (with this replica's concurrency limits) is in the database before the service answers, so
  // worker status shows the limits in force from the first request.
  if (absl::Status s = store_.Heartbeat({}, options_.presence_interval * 3); !s.ok()) {
    spdlog::warn("recording this replica's presence: {}", std::string(s.message()));
  }
  dispatch_thread_ = std::thread([this] { DispatchLoop(); });
  session_thread_ = std::thread([this] { SessionLoop(); });
}

void Dispatcher::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_ && !dispatch_thread_.joinable()) return;
    stopping_ = true;
  }
  if (dispatch_thread_.joinable()) dispatch_thread_.join();
  if (session_thread_.joinable()) session_thread_.join();
}

void Dispatcher::Wake() {
  absl::MutexLock lock(&mu_);
  wake_ = true;
}

void Dispatcher::OnHello(const std::shared_ptr<WorkerSession>& session, const v1::WorkerHello& hello) {
  v1::ServerMessage ack;
  ack.mutable_hello_ack()->set_heartbeat_interval_ms(
      static_cast<int32_t>(absl::ToInt64Milliseconds(options_.heartbeat_interval)));
  ack.mutable_hello_ack()->set_lease_duration_ms(
      static_cast<int32_t>(absl::ToInt64Milliseconds(options_.lease)));
  session->Send(std::move(ack));
  spdlog::info("worker connected worker_id={} name={} version={} capacity={} held_runs={}", hello.worker_id(),
               hello.name(), hello.version(), session->identity().capacity, hello.held_run_ids_size());
  absl::MutexLock lock(&mu_);
  sessions_.push_back(session);
  connected_.push_back(session);
  if (hello.held_run_ids_size() > 0) {
    leases_.push_back({session, {hello.held_run_ids().begin(), hello.held_run_ids().end()}});
  }
  wake_ = true;
}

void Dispatcher::OnHeartbeat(const std::shared_ptr<WorkerSession>& session, const v1::WorkerHeartbeat& hb) {
  absl::MutexLock lock(&mu_);
  leases_.push_back({session, {hb.run_ids().begin(), hb.run_ids().end()}});
  if (hb.draining()) wake_ = true;  // the dispatch thread confirms the drain
}

void Dispatcher::OnResults(const std::shared_ptr<WorkerSession>& session, const v1::RunResults& results) {
  const absl::Time now = clock_.Now();
  std::vector<std::string> malformed;
  absl::MutexLock lock(&mu_);
  for (const v1::RunResult& r : results.results()) {
    if (!domain::IsUuid(r.run_id())) {
      malformed.push_back(r.run_id());
      continue;
    }
    results_.push_back({session, EndFromResult(r, now)});
  }
  if (!malformed.empty()) {
    spdlog::warn("worker {} sent {} results with malformed run ids; dropped", session->identity().worker_id,
                 malformed.size());
    v1::ServerMessage ack;
    for (const auto& id : malformed) ack.mutable_result_ack()->add_run_ids(id);
    session->Send(std::move(ack));
  }
}

void Dispatcher::OnRecords(const std::shared_ptr<WorkerSession>& session, const v1::RecordBatch& batch) {
  PendingRecords pending{session, {batch.run_id(), batch.sequence(), {}}};
  pending.batch.records.reserve(batch.records_size());
  for (const v1::Record& r : batch.records()) pending.batch.records.emplace_back(r.external_id(), r.json());
  absl::MutexLock lock(&mu_);
  records_.push_back(std::move(pending));
}

void Dispatcher::OnClosed(const std::shared_ptr<WorkerSession>& session) {
  absl::MutexLock lock(&mu_);
  sessions_.erase(std::remove(sessions_.begin(), sessions_.end(), session), sessions_.end());
  if (!session->hello_received()) return;
  const std::string worker_id = session->identity().worker_id;
  spdlog::info("worker disconnected worker_id={} held_runs={}", worker_id, session->HeldRunCount());
  // A worker that already reconnected (a new stream) keeps its row.
  for (const auto& s : sessions_) {
    if (s->identity().worker_id == worker_id) return;
  }
  disconnected_.push_back(worker_id);
}

std::vector<store::WorkerInfo> Dispatcher::LiveWorkers() const {
  std::vector<std::shared_ptr<WorkerSession>> sessions;
  {
    absl::MutexLock lock(&mu_);
    sessions = sessions_;
  }
  std::vector<store::WorkerInfo> out;
  for (const auto& s : sessions) {
    if (!s->hello_received() || !s->open()) continue;
    WorkerSession::Identity id = s->identity();
    out.push_back({id.worker_id, id.name, id.version, id.capacity, s->draining()});
  }
  return out;
}

Dispatcher::Load Dispatcher::CurrentLoad() const {
  std::vector<std::shared_ptr<WorkerSession>> sessions;
  {
    absl::MutexLock lock(&mu_);
    sessions = sessions_;
  }
  Load load;
  for (const auto& s : sessions) {
    if (!s->hello_received() || !s->open()) continue;
    ++load.workers;
    load.runs += s->HeldRunCount();
  }
  return load;
}

int Dispatcher::ClaimAndAssign() {
  std::vector<std::shared_ptr<WorkerSession>> sessions;
  {
    absl::MutexLock lock(&mu_);
    sessions = sessions_;
  }
  // Confirm drains here, on the only thread that sends assignments: every assignment of an earlier claim
  // is already queued on the stream, and the session offers no slots any more.
  for (const auto& s : sessions) {
    if (!s->TakeDrainToConfirm()) continue;
    v1::ServerMessage drain;
    drain.mutable_drain()->set_reason("the worker is draining; no more assignments will be sent");
    s->Send(std::move(drain));
  }
  // Deal slots out round-robin so work spreads over the workers.
  std::vector<int> free;
  for (const auto& s : sessions) free.push_back(s->FreeSlots());
  std::vector<std::string> slots;
  std::map<std::string, std::shared_ptr<WorkerSession>> by_worker;
  for (bool added = true; added && static_cast<int>(slots.size()) < options_.max_batch;) {
    added = false;
    for (size_t i = 0; i < sessions.size() && static_cast<int>(slots.size()) < options_.max_batch; ++i) {
      if (free[i] <= 0) continue;
      --free[i];
      const std::string id = sessions[i]->identity().worker_id;
      slots.push_back(id);
      by_worker[id] = sessions[i];
      added = true;
    }
  }
  if (slots.empty()) return 0;

  absl::StatusOr<store::Claimed> claimed = store_.Claim(slots, options_.lease, options_.default_sync_timeout);
  if (!claimed.ok()) {
    spdlog::warn("claiming due syncs failed: {}", std::string(claimed.status().message()));
    return -1;
  }
  globally_full_ = claimed->globally_full;
  full_hosts_ = std::move(claimed->full_hosts);
  std::map<std::string, OutgoingMessage> messages;
  std::map<std::string, std::vector<std::string>> run_ids;
  for (store::ClaimedRun& c : claimed->runs) {
    const std::string& worker = *c.run.worker_id;
    v1::Assignment* a = messages[worker]->mutable_assignments()->add_assignments();
    api::ToProto(c.run, *a->mutable_run());
    a->set_integration_id(c.run.integration_id);
    a->set_integration_name(std::move(c.integration_name));
    a->set_type(c.integration_type == domain::IntegrationType::kHttpJson ? v1::Integration::HTTP_JSON
                                                                         : v1::Integration::DEMO);
    a->set_config_json(std::move(c.integration_config));
    *a->mutable_deadline() = api::TimestampOf(c.deadline);
    run_ids[worker].push_back(c.run.id);
    if (options_.metrics != nullptr) options_.metrics->Started(c.run);
    spdlog::debug("sync started integration_id={} run_id={} trigger={} attempt={} worker_id={} lag_ms={}",
                  c.run.integration_id, c.run.id, domain::Name(c.run.trigger), c.run.attempt, worker,
                  absl::ToInt64Milliseconds(*c.run.started_at - c.run.scheduled_for));
  }
  for (auto& [worker, message] : messages) {
    const auto& session = by_worker.at(worker);
    session->AddRuns(run_ids[worker]);
    session->Send(std::move(message));
  }
  return static_cast<int>(claimed->runs.size());
}

void Dispatcher::DispatchLoop() {
  absl::Time next_reap = clock_.Now();
  absl::Time next_presence = clock_.Now();
  absl::Time next_prune = clock_.Now();
  const absl::Duration stale_after = options_.presence_interval * 3;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) break;
      wake_ = false;
    }
    absl::Time now = clock_.Now();
    absl::Time deadline = now + options_.safety_poll;
    if (now >= next_reap) {
      absl::StatusOr<std::vector<store::ReapedRun>> failed =
          store_.FailExpiredLeases(options_.max_batch, options_.sync_deadline_grace);
      if (!failed.ok()) {
        spdlog::warn("failing expired leases: {}", std::string(failed.status().message()));
      } else {
        int lost = 0;
        for (const store::ReapedRun& r : *failed) {
          spdlog::info("sync finished integration_id={} run_id={} status=FAILED error_code={}",
                       r.integration_id, r.run_id, r.error_code);
          if (r.error_code == "WORKER_LOST") ++lost;
        }
        if (lost > 0) {
          spdlog::warn("{} runs failed as WORKER_LOST: their lease ended without a heartbeat", lost);
        }
        if (static_cast<size_t>(lost) < failed->size()) {
          spdlog::warn("{} runs failed as TIMEOUT: still running {} past their deadline",
                       failed->size() - lost, absl::FormatDuration(options_.sync_deadline_grace));
        }
      }
      // A full batch means there may be more: look again soon.
      next_reap = now + ((failed.ok() && static_cast<int>(failed->size()) == options_.max_batch)
                             ? absl::ZeroDuration()
                             : options_.reap_interval);
    }
    if (options_.history_retention > absl::ZeroDuration() && now >= next_prune) {
      // A slice per pass, so that a large backlog (the first prune after turning retention on) does not
      // hold dispatching back; a full slice means there may be more: look again at once.
      const absl::Time cutoff = now - options_.history_retention;
      absl::StatusOr<int> pruned = store_.PruneHistory(cutoff, options_.max_batch);
      if (!pruned.ok()) {
        spdlog::warn("pruning the sync history: {}", std::string(pruned.status().message()));
      } else if (*pruned > 0) {
        spdlog::info("pruned {} runs that finished before {} (--history_retention={})", *pruned,
                     absl::FormatTime(cutoff), absl::FormatDuration(options_.history_retention));
      }
      next_prune = now + ((pruned.ok() && *pruned == options_.max_batch) ? absl::ZeroDuration()
                                                                         : options_.prune_interval);
    }
    if (now >= next_presence) {
      if (absl::Status s = store_.Heartbeat(LiveWorkers(), stale_after); !s.ok()) {
        spdlog::warn("refreshing presence: {}", std::string(s.message()));
      }
      next_presence = now + options_.presence_interval;
    }
    const int assigned = ClaimAndAssign();
    if (assigned < 0) {
      deadline = std::min(deadline, now + kDatabaseRetry);
    } else {
      bool have_slots = false;
      {
        absl::MutexLock lock(&mu_);
        for (const auto& s : sessions_) have_slots = have_slots || s->FreeSlots() > 0;
      }
      // At the global limit, only a run ending makes room; every replica hears of it (NOTIFY), and the
      // safety poll backs that up.
      if (globally_full_) have_slots = false;
      if (assigned > 0 && have_slots) continue;  // more may be due right now
      if (have_slots) {
        // Work of hosts at their limit waits for one of their runs to end, not for its due time.
        absl::StatusOr<std::optional<absl::Time>> next_due = store_.NextDue(full_hosts_);
        if (!next_due.ok()) {
          deadline = std::min(deadline, now + kDatabaseRetry);
        } else if (next_due->has_value()) {
          deadline = std::min(
              deadline, std::max(**next_due, now + (assigned == 0 ? kContendedRetry : absl::ZeroDuration())));
        }
      }
    }
    deadline = std::min({deadline, next_reap, next_presence});
    if (options_.history_retention > absl::ZeroDuration()) deadline = std::min(deadline, next_prune);
    absl::MutexLock lock(&mu_);
    auto woken = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return wake_ || stopping_; };
    mu_.AwaitWithDeadline(absl::Condition(&woken), absl::Now() + (deadline - clock_.Now()));
  }
}

void Dispatcher::SessionLoop() {
  while (true) {
    std::vector<PendingResult> results;
    std::vector<LeaseRequest> leases;
    std::vector<PendingRecords> records;
    std::vector<std::shared_ptr<WorkerSession>> connected;
    std::vector<std::string> disconnected;
    bool stopping = false;
    {
      absl::MutexLock lock(&mu_);
      auto has_work = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return stopping_ || !results_.empty() || !leases_.empty() || !connected_.empty() ||
               !disconnected_.empty() || !records_.empty();
      };
      mu_.AwaitWithTimeout(absl::Condition(&has_work), absl::Seconds(1));
      stopping = stopping_;
      while (!results_.empty() && static_cast<int>(results.size()) < options_.max_batch) {
        results.push_back(std::move(results_.front()));
        results_.pop_front();
      }
      leases.assign(std::make_move_iterator(leases_.begin()), std::make_move_iterator(leases_.end()));
      leases_.clear();
      records.assign(std::make_move_iterator(records_.begin()), std::make_move_iterator(records_.end()));
      records_.clear();
      connected.assign(connected_.begin(), connected_.end());
      connected_.clear();
      disconnected.assign(disconnected_.begin(), disconnected_.end());
      disconnected_.clear();
    }
    for (const std::string& worker_id : disconnected) {
      if (absl::Status s = store_.WorkerDisconnected(worker_id); !s.ok()) {
        spdlog::warn("removing worker {}: {}", worker_id, std::string(s.message()));
      }
    }
    for (const auto& session : connected) {
      WorkerSession::Identity id = session->identity();
      if (absl::Status s = store_.WorkerConnected({id.worker_id, id.name, id.version, id.capacity, false});
          !s.ok()) {
        spdlog::warn("recording worker {}: {}", id.worker_id, std::string(s.message()));
      }
    }
    // Leases first: they are cheap, and a large record batch (seconds to apply on a busy database) must not
    // hold back the heartbeats that keep its run's lease alive. Records before results: a worker reports a
    // run only after its batches were acknowledged.
    if (!leases.empty()) ApplyLeases(std::move(leases));
    if (!records.empty()) ApplyRecords(std::move(records));
    const bool applied = results.empty() || ApplyResults(std::move(results));
    if (stopping) {
      absl::MutexLock lock(&mu_);
      if (results_.empty()) break;
      if (!applied) {
        // The database is gone while stopping: the workers still hold these results and send them to the
        // replica they reach next.
        spdlog::warn("stopping with {} sync results unrecorded; their workers will report them again",
                     results_.size());
        break;
      }
    }
  }
}

bool Dispatcher::ApplyResults(std::vector<PendingResult> batch) {
  std::vector<store::RunEnd> ends;
  ends.reserve(batch.size());
  for (const auto& p : batch) ends.push_back(p.end);
  absl::StatusOr<store::RunsFinished> finished = store_.FinishRuns(ends);
  if (!finished.ok()) {
    // Not acknowledged: keep them and try again; the worker also resends them after a reconnect.
    spdlog::warn("recording {} sync results failed: {}", batch.size(),
                 std::string(finished.status().message()));
    absl::MutexLock lock(&mu_);
    for (auto it = batch.rbegin(); it != batch.rend(); ++it) results_.push_front(std::move(*it));
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), kDatabaseRetry);
    return false;
  }
  std::map<WorkerSession*, std::pair<std::shared_ptr<WorkerSession>, std::vector<std::string>>> acks;
  for (const auto& p : batch) {
    auto& entry = acks[p.session.get()];
    entry.first = p.session;
    entry.second.push_back(p.end.run_id);
    auto applied = finished->find(p.end.run_id);
    if (applied == finished->end()) {
      spdlog::info("sync result ignored run_id={} worker_id={}: the run had already ended", p.end.run_id,
                   p.session->identity().worker_id);
    } else if (p.end.finish.success) {
      spdlog::info("sync finished integration_id={} run_id={} worker_id={} status=SUCCESS records={}",
                   applied->second, p.end.run_id, p.session->identity().worker_id, p.end.records_count);
    } else {
      spdlog::info("sync finished integration_id={} run_id={} worker_id={} status=FAILED error_code={}",
                   applied->second, p.end.run_id, p.session->identity().worker_id, p.end.finish.error_code);
    }
  }
  for (auto& [_, entry] : acks) {
    v1::ServerMessage ack;
    for (const auto& id : entry.second) ack.mutable_result_ack()->add_run_ids(id);
    entry.first->RemoveRuns(entry.second);
    entry.first->Send(std::move(ack));
  }
  Wake();
  return true;
}

void Dispatcher::ApplyRecords(std::vector<PendingRecords> batches) {
  for (const PendingRecords& p : batches) {
    absl::StatusOr<store::RecordCounts> counts = store_.ApplyRecordBatch(p.batch);
    v1::ServerMessage ack;
    v1::RecordBatchAck* a = ack.mutable_records_ack();
    a->set_run_id(p.batch.run_id);
    a->set_sequence(p.batch.sequence);
    if (counts.ok()) {
      a->set_inserted(counts->inserted);
      a->set_updated(counts->updated);
      a->set_unchanged(counts->unchanged);
    } else if (counts.status().code() == absl::StatusCode::kInvalidArgument) {
      // PostgreSQL refused the data: the same batch would be refused again. The worker fails the run.
      spdlog::warn("record batch run_id={} sequence={} refused: {}", p.batch.run_id, p.batch.sequence,
                   std::string(counts.status().message()));
      a->set_error(absl::StrCat("PostgreSQL refused the records of batch ", p.batch.sequence, ": ",
                                counts.status().message()));
    } else if (counts.status().code() == absl::StatusCode::kFailedPrecondition) {
      // The run ended meanwhile (its lease ran out): acknowledge so the worker does not wait; the lease
      // check cancels the run on the worker.
      spdlog::info("record batch for run_id={} ignored: {}", p.batch.run_id,
                   std::string(counts.status().message()));
    } else {
      // Not acknowledged: the worker sends the batch again (after its timeout or a reconnect).
      spdlog::warn("applying record batch run_id={} sequence={}: {}", p.batch.run_id, p.batch.sequence,
                   std::string(counts.status().message()));
      continue;
    }
    p.session->Send(std::move(ack));
  }
}

void Dispatcher::ApplyLeases(std::vector<LeaseRequest> batch) {
  for (const LeaseRequest& req : batch) {
    const std::string worker_id = req.session->identity().worker_id;
    absl::StatusOr<std::vector<std::string>> alive =
        store_.ExtendLeases(req.run_ids, worker_id, options_.lease, options_.sync_deadline_grace);
    if (!alive.ok()) {
      spdlog::warn("extending leases of worker {}: {}", worker_id, std::string(alive.status().message()));
      continue;
    }
    const absl::flat_hash_set<std::string> running(alive->begin(), alive->end());
    std::vector<std::string> gone;
    for (const auto& id : req.run_ids) {
      if (running.count(id) == 0) gone.push_back(id);
    }
    req.session->Reported(req.run_ids);
    // Runs that ended without this worker (lease ran out, timed out, integration deleted, or already
    // recorded): stop wasting effort on them.
    // They keep their slots while the worker still holds them.
    for (const auto& id : req.session->EndedWhileHeld(gone)) {
      v1::ServerMessage cancel;
      cancel.mutable_cancel()->set_run_id(id);
      cancel.mutable_cancel()->set_reason(
          "the run is no longer running on this worker (its lease ended, it timed out, or its "
          "integration was deleted)");
      req.session->Send(std::move(cancel));
    }
  }
}

}  // namespace syncd::dispatch
