// Global concurrency limits (--max_concurrent_syncs, --max_concurrent_syncs_per_host) with real replicas,
// workers and PostgreSQL: how many syncs ran at once is read from the runs' recorded [started_at,
// completed_at] intervals, not from timers. Also: manual triggers go ahead of a scheduled backlog.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/integration/sync_loop_fixture.h"

namespace syncd::testing {
namespace {

using ::testing::IsEmpty;

// A sync_service test whose services all run with `limit_flags`.
class LimitsTest : public SyncLoopTest {
 protected:
  explicit LimitsTest(std::vector<std::string> limit_flags) : limit_flags_(std::move(limit_flags)) {}

  std::vector<std::string> ServiceFlags() const override {
    std::vector<std::string> flags = SyncLoopTest::ServiceFlags();
    flags.insert(flags.end(), limit_flags_.begin(), limit_flags_.end());
    return flags;
  }

  // The most runs in progress at one instant, from the history of the integrations `ids` (all when empty):
  // a sweep over the runs' starts and ends, an end before a start at the same instant; a run still going
  // counts as open-ended.
  int MaxConcurrentRuns(const std::vector<std::string>& ids = {}) {
    pqxx::work tx(Sql());
    std::string array = "{";
    for (size_t i = 0; i < ids.size(); ++i) absl::StrAppend(&array, i > 0 ? "," : "", ids[i]);
    array += "}";
    return tx
        .exec_params1(
            "WITH r AS (SELECT started_at, completed_at FROM sync_runs WHERE started_at IS NOT NULL "
            "    AND (cardinality($1::uuid[]) = 0 OR integration_id = ANY($1::uuid[]))), "
            "  ev AS (SELECT started_at AS t, 1 AS d FROM r "
            "    UNION ALL SELECT completed_at, -1 FROM r WHERE completed_at IS NOT NULL) "
            "SELECT COALESCE(max(n), 0) FROM "
            "  (SELECT sum(d) OVER (ORDER BY t, d ROWS UNBOUNDED PRECEDING) AS n FROM ev) x",
            array)[0]
        .as<int>();
  }

  int RunsWithStatus(const std::string& integration_id, const std::string& status) {
    pqxx::work tx(Sql());
    return tx
        .exec_params1("SELECT count(*) FROM sync_runs WHERE integration_id = $1 AND status = $2",
                      integration_id, status)[0]
        .as<int>();
  }

  v1::GetWorkerStatusResponse MustWorkerStatus() {
    v1::GetWorkerStatusResponse response;
    grpc::Status status = WorkerStatus(&response);
    EXPECT_TRUE(status.ok()) << "GetWorkerStatus: " << testing::Describe(status);
    return response;
  }

  // A sync_service on the test's database with the fixture's flags and `extra` (later flags win).
  std::unique_ptr<SyncServiceProcess> StartReplicaWith(const std::vector<std::string>& extra) {
    SyncServiceOptions options;
    options.database_url = database_url();
    options.extra_args = ServiceFlags();
    options.extra_args.insert(options.extra_args.end(), extra.begin(), extra.end());
    absl::StatusOr<std::unique_ptr<SyncServiceProcess>> started = SyncServiceProcess::Start(options);
    EXPECT_TRUE(started.ok()) << started.status();
    return started.ok() ? *std::move(started) : nullptr;
  }

 private:
  std::vector<std::string> limit_flags_;
};

class GlobalLimitTest : public LimitsTest {
 protected:
  GlobalLimitTest() : LimitsTest({"--max_concurrent_syncs=3"}) {}
};

TEST_F(GlobalLimitTest, NeverMoreThanTheLimitRunAcrossReplicasAndWorkersAndAllDueWorkRuns) {
  SyncServiceProcess* replica = StartReplica();
  ASSERT_NE(replica, nullptr);
  // Nine worker slots on two replicas, three allowed to run at once.
  ASSERT_NE(StartWorker("worker-1"), nullptr);
  ASSERT_NE(StartWorker("worker-2"), nullptr);
  ASSERT_NE(StartWorker("worker-3", /*capacity=*/3, replica->address()), nullptr);

  constexpr int kIntegrations = 12;
  // Three at a time, 150 ms each: about 20 syncs/s for 12 integrations due every second or so.
  std::vector<std::string> ids;
  for (int i = 0; i < kIntegrations; ++i) {
    ids.push_back(MustCreate(Demo(absl::StrCat("Limited ", i), {.latency_ms = 150}, 1)).id());
  }
  int most_running_shown = 0;
  const absl::Time until = absl::Now() + absl::Seconds(8);
  while (absl::Now() < until) {
    v1::GetWorkerStatusResponse status = MustWorkerStatus();
    EXPECT_EQ(status.max_concurrent_syncs(), 3);
    EXPECT_EQ(status.max_concurrent_syncs_per_host(), 0);
    most_running_shown = std::max(most_running_shown, status.running_syncs());
    absl::SleepFor(absl::Milliseconds(100));
  }
  PauseSchedules(ids);
  for (const auto& [id, status] : StopWorkers())
    EXPECT_TRUE(status.success()) << id << ": " << status.ToString();

  EXPECT_EQ(ActiveRuns(), 0) << RunsTable();
  EXPECT_THAT(OverlappingRuns(), IsEmpty());
  // Three ran at once, never more: the limit held across both replicas and all three workers, and work did
  // run side by side up to it.
  EXPECT_EQ(MaxConcurrentRuns(), 3) << RunsTable();
  EXPECT_LE(most_running_shown, 3);
  EXPECT_GE(most_running_shown, 1);
  // Work held back by the limit still ran: every integration, again and again.
  for (const std::string& id : ids) EXPECT_GE(RunsWithStatus(id, "SUCCESS"), 2) << id << "\n" << RunsTable();
  pqxx::work tx(Sql());
  EXPECT_EQ(tx.exec1("SELECT count(DISTINCT replica_id) FROM sync_runs")[0].as<int>(), 2)
      << "both replicas should have handed out work";
}

class TightGlobalLimitTest : public LimitsTest {
 protected:
  TightGlobalLimitTest() : LimitsTest({"--max_concurrent_syncs=2"}) {}
};

TEST_F(TightGlobalLimitTest, ManualTriggersAndRetriesWaitForASlotAndThenRun) {
  ASSERT_NE(StartWorker("worker-1"), nullptr);
  ASSERT_NE(StartWorker("worker-2"), nullptr);
  // Two schedules that always fail, so their retries compete for the two slots with manual triggers.
  std::vector<std::string> failing;
  for (int i = 0; i < 2; ++i) {
    failing.push_back(
        MustCreate(Demo(absl::StrCat("Failing ", i), {.latency_ms = 300, .failure_rate = 1}, 1)).id());
  }
  std::vector<std::string> manual;
  for (int i = 0; i < 5; ++i) {
    manual.push_back(MustCreate(Demo(absl::StrCat("Manual ", i), {.latency_ms = 300}, std::nullopt)).id());
  }
  for (const std::string& id : manual) {
    v1::TriggerSyncResponse triggered;
    ASSERT_TRUE(Trigger(id, &triggered).ok());
  }
  // Every manual trigger ran, and both schedules went through all their retries and paused.
  ASSERT_TRUE(Eventually(kWait, [&] {
    for (const std::string& id : manual) {
      if (RunsWithStatus(id, "SUCCESS") != 1) return false;
    }
    for (const std::string& id : failing) {
      if (MustGet(id).sync_enabled()) return false;
    }
    return true;
  })) << RunsTable();
  for (const std::string& id : failing) {
    std::vector<v1::SyncRun> runs = RunsOf(id);
    ASSERT_EQ(runs.size(), static_cast<size_t>(1 + kMaxRetries)) << Describe(runs);
    EXPECT_EQ(runs.back().trigger(), v1::SyncRun::RETRY);
  }
  EXPECT_EQ(MaxConcurrentRuns(), 2) << RunsTable();
  EXPECT_EQ(ActiveRuns(), 0) << RunsTable();
}

class PerHostLimitTest : public LimitsTest {
 protected:
  PerHostLimitTest() : LimitsTest({"--max_concurrent_syncs_per_host=1"}) {}
};

// HTTP_JSON integrations on two hosts (written differently: case, port, user info). This branch's workers
// have no HTTP_JSON connector yet, so each sync ends at once (CONFIG_INVALID); syncs handed out together
// still overlap, which is what the per-host limit must prevent.
TEST_F(PerHostLimitTest, NeverMoreThanTheLimitRunAgainstOneHost) {
  ASSERT_NE(StartWorker("worker-1"), nullptr);
  ASSERT_NE(StartWorker("worker-2"), nullptr);
  const std::vector<std::string> alpha_urls = {
      "https://alpha.example.test/items", "https://ALPHA.example.test:8443/orders",
      "http://user@alpha.example.test/users", "https://alpha.example.test./more"};
  const std::vector<std::string> beta_urls = {
      "https://beta.example.test/items", "https://beta.example.test/orders",
      "https://beta.example.test:444/x", "https://Beta.Example.Test/y"};
  std::vector<std::string> alpha, beta, all;
  auto manual_only = [](v1::Integration integration) {
    *integration.mutable_sync_interval() = NullValue();
    return integration;
  };
  for (size_t i = 0; i < alpha_urls.size(); ++i) {
    alpha.push_back(
        MustCreate(manual_only(HttpJsonIntegration(absl::StrCat("Alpha ", i), alpha_urls[i]))).id());
    beta.push_back(MustCreate(manual_only(HttpJsonIntegration(absl::StrCat("Beta ", i), beta_urls[i]))).id());
  }
  all = alpha;
  all.insert(all.end(), beta.begin(), beta.end());

  constexpr int kRounds = 5;
  for (int round = 1; round <= kRounds; ++round) {
    for (const std::string& id : all) {
      v1::TriggerSyncResponse triggered;
      ASSERT_TRUE(Trigger(id, &triggered).ok());
    }
    // Every trigger ran: held back work is not lost.
    ASSERT_TRUE(Eventually(
        kWait,
        [&] {
          pqxx::work tx(Sql());
          return tx.exec1("SELECT count(*) FROM sync_runs WHERE completed_at IS NOT NULL")[0].as<int>() ==
                 round * static_cast<int>(all.size());
        }))
        << "round " << round << "\n"
        << RunsTable();
  }
  EXPECT_EQ(MaxConcurrentRuns(alpha), 1) << RunsTable();
  EXPECT_EQ(MaxConcurrentRuns(beta), 1) << RunsTable();
  // The limit is per host, not global: the two hosts' syncs ran side by side.
  EXPECT_EQ(MaxConcurrentRuns(), 2) << RunsTable();
}

class LimitsStatusTest : public LimitsTest {
 protected:
  LimitsStatusTest() : LimitsTest({"--max_concurrent_syncs=4", "--max_concurrent_syncs_per_host=5"}) {}
};

TEST_F(LimitsStatusTest, TheStrictestLimitOfTheLiveReplicasHoldsAndIsShown) {
  v1::GetWorkerStatusResponse status = MustWorkerStatus();
  EXPECT_EQ(status.max_concurrent_syncs(), 4);
  EXPECT_EQ(status.max_concurrent_syncs_per_host(), 5);
  EXPECT_EQ(status.running_syncs(), 0);

  // A second replica configured more strictly for the total and not at all per host.
  std::unique_ptr<SyncServiceProcess> strict =
      StartReplicaWith({"--max_concurrent_syncs=2", "--max_concurrent_syncs_per_host=0"});
  ASSERT_NE(strict, nullptr);
  ASSERT_TRUE(Eventually(kWait, [&] { return MustWorkerStatus().max_concurrent_syncs() == 2; }));
  status = MustWorkerStatus();
  EXPECT_EQ(status.max_concurrent_syncs_per_host(), 5);
  // Both replicas answer the same.
  v1::GetWorkerStatusResponse from_strict;
  {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    ASSERT_TRUE(strict->stub().GetWorkerStatus(&context, {}, &from_strict).ok());
  }
  EXPECT_EQ(from_strict.max_concurrent_syncs(), 2);
  EXPECT_EQ(from_strict.max_concurrent_syncs_per_host(), 5);

  // Three long syncs for a worker of capacity 3 on the lenient replica: the strict replica's limit holds.
  ASSERT_NE(StartWorker("worker-1"), nullptr);
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(MustCreate(Demo(absl::StrCat("Long ", i), {.latency_ms = 60'000}, std::nullopt)).id());
    v1::TriggerSyncResponse triggered;
    ASSERT_TRUE(Trigger(ids.back(), &triggered).ok());
  }
  ASSERT_TRUE(Eventually(kWait, [&] { return MustWorkerStatus().running_syncs() == 2; })) << RunsTable();
  status = MustWorkerStatus();
  EXPECT_EQ(status.due_backlog(), 1) << "the third trigger waits for a slot";
  EXPECT_THAT(status.running_by_host(), IsEmpty()) << "DEMO syncs have no target host";

  // The strict replica stops (and says so in the database): the lenient limit holds, and the third starts.
  strict->Stop(absl::Seconds(30));
  ASSERT_TRUE(Eventually(kWait, [&] { return MustWorkerStatus().running_syncs() == 3; })) << RunsTable();
  status = MustWorkerStatus();
  EXPECT_EQ(status.max_concurrent_syncs(), 4);
  EXPECT_EQ(status.due_backlog(), 0);
  PauseSchedules(ids);
}

// Issue 3: manual triggers go ahead of scheduled work. One worker with one slot, a backlog of scheduled
// integrations that are all due, and a manual trigger: the trigger's run is the next to start.
class ManualPriorityTest : public SyncLoopTest {};

TEST_F(ManualPriorityTest, ManualTriggerRunsBeforeADueBacklog) {
  std::vector<std::string> scheduled;
  for (int i = 0; i < 8; ++i) {
    scheduled.push_back(MustCreate(Demo(absl::StrCat("Backlog ", i), {.latency_ms = 300}, 1)).id());
  }
  const v1::Integration manual = MustCreate(Demo("Urgent", {.latency_ms = 0}, std::nullopt));
  ASSERT_NE(StartWorker("worker-1", /*capacity=*/1), nullptr);
  // The one slot is busy, and several scheduled integrations are due and waiting.
  ASSERT_TRUE(Eventually(kWait, [&] {
    v1::GetWorkerStatusResponse status;
    return WorkerStatus(&status).ok() && status.due_backlog() >= 5 && ActiveRuns() == 1;
  })) << RunsTable();
  v1::TriggerSyncResponse triggered;
  ASSERT_TRUE(Trigger(manual.id(), &triggered).ok());
  const absl::Time triggered_at = absl::Now();  // the trigger is committed
  std::optional<v1::SyncRun> ended = AwaitEnded(manual.id(), triggered.run().id());
  ASSERT_TRUE(ended.has_value()) << RunsTable();
  EXPECT_EQ(ended->status(), v1::SyncRun::SUCCESS);
  // The backlog drains after it.
  ASSERT_TRUE(Eventually(kWait, [&] {
    pqxx::work tx(Sql());
    return tx.exec_params1(
                 "SELECT count(*) FROM sync_runs WHERE trigger = 'SCHEDULED' AND status = 'SUCCESS' "
                 "AND started_at > (SELECT started_at FROM sync_runs WHERE id = $1)",
                 triggered.run().id())[0]
               .as<int>() >= 4;
  })) << RunsTable();
  PauseSchedules(scheduled);

  pqxx::work tx(Sql());
  // No scheduled run started between the trigger and its run, although they were due earlier...
  EXPECT_EQ(tx.exec_params1("SELECT count(*) FROM sync_runs WHERE trigger = 'SCHEDULED' "
                            "AND started_at > timestamptz 'epoch' + $2::bigint * interval '1 microsecond' "
                            "AND started_at < (SELECT started_at FROM sync_runs WHERE id = $1)",
                            triggered.run().id(), absl::ToUnixMicros(triggered_at))[0]
                .as<int>(),
            0)
      << RunsTable();
  // ... and several that were due before the trigger started after it.
  EXPECT_GE(tx.exec_params1("SELECT count(*) FROM sync_runs WHERE trigger = 'SCHEDULED' "
                            "AND scheduled_for < (SELECT created_at FROM sync_runs WHERE id = $1) "
                            "AND started_at > (SELECT started_at FROM sync_runs WHERE id = $1)",
                            triggered.run().id())[0]
                .as<int>(),
            4)
      << RunsTable();
}

}  // namespace
}  // namespace syncd::testing
