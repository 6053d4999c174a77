#include "tests/integration/sync_loop_fixture.h"

#include <algorithm>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace syncd::testing {

google::protobuf::Struct ConfigStruct(const DemoConfig& config) {
  google::protobuf::Struct out;
  auto& fields = *out.mutable_fields();
  fields["records"] = NumberValue(config.records);
  fields["latencyMs"] = NumberValue(config.latency_ms);
  fields["failureRate"] = NumberValue(config.failure_rate);
  fields["errorCode"] = StringValue(config.error_code);
  if (config.sync_timeout_seconds.has_value())
    fields["syncTimeoutSeconds"] = NumberValue(*config.sync_timeout_seconds);
  if (config.ignore_deadline) fields["ignoreDeadline"].set_bool_value(true);
  return out;
}

v1::Integration Demo(const std::string& name, const DemoConfig& config, std::optional<int> interval_seconds) {
  v1::Integration integration = DemoIntegration(name);
  *integration.mutable_config() = ConfigStruct(config);
  *integration.mutable_sync_interval() =
      interval_seconds.has_value() ? NumberValue(*interval_seconds) : NullValue();
  return integration;
}

bool Eventually(absl::Duration timeout, const std::function<bool()>& condition) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    if (condition()) return true;
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(50));
  }
}

std::string Describe(const v1::SyncRun& run) {
  std::string out = absl::StrCat(v1::SyncRun::Trigger_Name(run.trigger()), " attempt ", run.attempt(), " ",
                                 v1::SyncRun::Status_Name(run.status()));
  if (run.has_error_code()) absl::StrAppend(&out, " ", run.error_code());
  if (run.has_worker_id()) absl::StrAppend(&out, " on ", run.worker_id());
  absl::StrAppend(&out, " scheduledFor=", absl::FormatTime(ToTime(run.scheduled_for())));
  if (run.has_started_at()) absl::StrAppend(&out, " startedAt=", absl::FormatTime(ToTime(run.started_at())));
  if (run.has_completed_at()) {
    absl::StrAppend(&out, " completedAt=", absl::FormatTime(ToTime(run.completed_at())));
  }
  return out;
}

std::string Describe(const std::vector<v1::SyncRun>& runs) {
  std::string out;
  for (const v1::SyncRun& run : runs) absl::StrAppend(&out, "\n  ", Describe(run));
  return out;
}

std::vector<std::string> SyncLoopTest::ServiceFlags() const {
  return {"--lease=" + absl::FormatDuration(kLease),
          "--heartbeat_interval=1s",
          "--retry_base_delay=" + absl::FormatDuration(kRetryBase),
          absl::StrCat("--max_retries=", kMaxRetries),
          "--retry_jitter=0",
          "--min_sync_interval=1s",
          "--sync_deadline_grace=1s",
          "--shutdown_grace_seconds=2"};
}

void SyncLoopTest::ConfigureService(SyncServiceOptions& options) {
  // A fixed port, so that workers find the service again after Kill() and Restart().
  absl::StatusOr<int> port = PickFreePort();
  ASSERT_TRUE(port.ok()) << port.status();
  options.listen = absl::StrCat("127.0.0.1:", *port);
  service_address_ = options.listen;
  options.extra_args = ServiceFlags();
}

void SyncLoopTest::TearDown() {
  // Workers first: a worker stopping finishes its syncs and reports them to a service that is still there.
  for (auto& [id, w] : workers_) {
    if (w->IsRunning()) {
      ExitStatus status = w->Stop(SIGTERM, absl::Seconds(30));
      EXPECT_TRUE(status.success()) << "worker " << id
                                    << " did not exit cleanly on SIGTERM: " << status.ToString();
    }
    if (HasFailure()) std::cerr << "worker " << id << "\n" << w->LogTail() << "\n";
  }
  for (size_t i = 0; i < replicas_.size(); ++i) {
    if (replicas_[i]->IsRunning()) replicas_[i]->Stop();
    if (HasFailure()) std::cerr << "replica " << i + 1 << "\n" << replicas_[i]->LogTail() << "\n";
  }
  if (HasFailure()) std::cerr << "sync_runs:\n" << RunsTable() << "\n";
  workers_.clear();
  replicas_.clear();
  SyncServiceTest::TearDown();
}

WorkerProcess* SyncLoopTest::StartWorker(const std::string& id, int capacity, const std::string& address) {
  WorkerProcessOptions options;
  options.sync_service_address = address.empty() ? service_address_ : address;
  options.extra_args = {"--worker_id=" + id, "--name=" + id, absl::StrCat("--capacity=", capacity),
                        "--drain_timeout=20s"};
  absl::StatusOr<std::unique_ptr<WorkerProcess>> started = WorkerProcess::Start(options);
  EXPECT_TRUE(started.ok()) << started.status();
  if (!started.ok()) return nullptr;
  WorkerProcess* worker = started->get();
  workers_[id] = *std::move(started);
  const bool ready = Eventually(kWait, [&] {
    absl::StatusOr<HttpResponse> response = worker->Get("/readyz");
    return response.ok() && response->status == 200;
  });
  EXPECT_TRUE(ready) << "worker " << id << " never became ready\n" << worker->LogTail();
  return ready ? worker : nullptr;
}

std::map<std::string, ExitStatus> SyncLoopTest::StopWorkers() {
  // One SIGTERM each, all at once (Stop() would signal again: a second SIGTERM is a different test).
  for (auto& [id, w] : workers_) w->Signal(SIGTERM);
  std::map<std::string, ExitStatus> out;
  for (auto& [id, w] : workers_) {
    std::optional<ExitStatus> status = w->WaitFor(absl::Seconds(30));
    out[id] = status.has_value() ? *status : w->Kill();
  }
  return out;
}

void SyncLoopTest::PauseSchedules(const std::vector<std::string>& integration_ids) {
  for (const std::string& id : integration_ids) {
    v1::UpdateSyncSettingsRequest pause;
    pause.set_id(id);
    pause.set_sync_enabled(false);
    v1::Integration paused;
    grpc::Status status = UpdateSettings(pause, &paused);
    EXPECT_TRUE(status.ok()) << "pausing " << id << ": " << testing::Describe(status);
  }
  absl::SleepFor(absl::Milliseconds(200));
}

SyncServiceProcess* SyncLoopTest::StartReplica() {
  SyncServiceOptions options;
  options.database_url = database_url();
  options.extra_args = ServiceFlags();
  absl::StatusOr<std::unique_ptr<SyncServiceProcess>> started = SyncServiceProcess::Start(options);
  EXPECT_TRUE(started.ok()) << started.status();
  if (!started.ok()) return nullptr;
  replicas_.push_back(*std::move(started));
  return replicas_.back().get();
}

std::vector<v1::SyncRun> SyncLoopTest::RunsOf(const std::string& integration_id) {
  v1::GetSyncHistoryResponse history;
  grpc::Status status = History(integration_id, 1, 100, &history);
  EXPECT_TRUE(status.ok()) << "GetSyncHistory(" << integration_id << "): " << testing::Describe(status);
  std::vector<v1::SyncRun> runs(history.logs().rbegin(), history.logs().rend());
  return runs;
}

std::optional<v1::SyncRun> SyncLoopTest::FindRun(const std::string& integration_id,
                                                 const std::string& run_id) {
  for (const v1::SyncRun& run : RunsOf(integration_id)) {
    if (run.id() == run_id) return run;
  }
  return std::nullopt;
}

bool SyncLoopTest::AwaitFirstRunRunning(const std::string& integration_id, std::vector<v1::SyncRun>* runs) {
  return Eventually(kWait, [&] {
    *runs = RunsOf(integration_id);
    return !runs->empty() && (*runs)[0].status() == v1::SyncRun::RUNNING;
  });
}

std::optional<v1::SyncRun> SyncLoopTest::AwaitEnded(const std::string& integration_id,
                                                    const std::string& run_id) {
  std::optional<v1::SyncRun> run;
  const bool ended = Eventually(kWait, [&] {
    run = FindRun(integration_id, run_id);
    return run.has_value() && run->status() != v1::SyncRun::PENDING && run->status() != v1::SyncRun::RUNNING;
  });
  if (!ended) return std::nullopt;
  return run;
}

std::map<std::string, v1::Worker> SyncLoopTest::ListedWorkers() {
  v1::GetWorkerStatusResponse response;
  grpc::Status status = WorkerStatus(&response);
  EXPECT_TRUE(status.ok()) << "GetWorkerStatus: " << testing::Describe(status);
  std::map<std::string, v1::Worker> out;
  for (const v1::Worker& w : response.workers()) out[w.id()] = w;
  return out;
}

std::vector<std::string> SyncLoopTest::OverlappingRuns() {
  pqxx::work tx(Sql());
  pqxx::result rows = tx.exec(
      "SELECT a.integration_id::text, a.id::text, a.status, a.started_at::text, "
      "  COALESCE(a.completed_at::text, 'still running'), b.id::text, b.status, b.started_at::text, "
      "  COALESCE(b.completed_at::text, 'still running') "
      "FROM sync_runs a JOIN sync_runs b ON a.integration_id = b.integration_id AND a.id < b.id "
      "WHERE a.started_at IS NOT NULL AND b.started_at IS NOT NULL "
      "  AND a.started_at < COALESCE(b.completed_at, 'infinity') "
      "  AND b.started_at < COALESCE(a.completed_at, 'infinity') "
      "ORDER BY 1, 4");
  std::vector<std::string> out;
  for (const auto& row : rows) {
    out.push_back(absl::StrCat("integration ", row[0].c_str(), ": run ", row[1].c_str(), " (", row[2].c_str(),
                               ", ", row[3].c_str(), " .. ", row[4].c_str(), ") and run ", row[5].c_str(),
                               " (", row[6].c_str(), ", ", row[7].c_str(), " .. ", row[8].c_str(), ")"));
  }
  return out;
}

int SyncLoopTest::ActiveRuns() {
  pqxx::work tx(Sql());
  return tx.exec1("SELECT count(*) FROM sync_runs WHERE status IN ('PENDING', 'RUNNING')")[0].as<int>();
}

std::string SyncLoopTest::RunsTable() {
  try {
    pqxx::work tx(Sql());
    pqxx::result rows = tx.exec(
        "SELECT r.integration_id::text, i.name, r.id::text, r.status, r.trigger, r.attempt, "
        "  r.scheduled_for::text, COALESCE(r.started_at::text, '-'), COALESCE(r.completed_at::text, '-'), "
        "  COALESCE(r.worker_id, '-'), COALESCE(r.replica_id, '-'), COALESCE(r.error_code, '') "
        "FROM sync_runs r LEFT JOIN integrations i ON i.id = r.integration_id "
        "ORDER BY i.name, r.created_at LIMIT 400");
    std::vector<std::string> lines;
    for (const auto& row : rows) {
      std::vector<std::string> cells;
      for (const auto& field : row) cells.push_back(field.is_null() ? "NULL" : field.c_str());
      lines.push_back(absl::StrJoin(cells, " | "));
    }
    return absl::StrJoin(lines, "\n");
  } catch (const std::exception& e) {
    return absl::StrCat("(cannot read sync_runs: ", e.what(), ")");
  }
}

}  // namespace syncd::testing
