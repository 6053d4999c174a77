// Leases and processes dying in the middle of syncs, with a real sync_service, real workers and
// PostgreSQL: a worker killed with SIGKILL loses its run (WORKER_LOST after the lease) and another worker
// retries it, while a live worker keeps a long run alive with heartbeats; a worker told to stop (SIGTERM,
// even twice) finishes and reports its sync before it exits; a sync_service killed and restarted gets the
// results of the syncs that ran meanwhile.

#include <map>
#include <string>
#include <vector>

#include "tests/integration/sync_loop_fixture.h"

namespace syncd::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

class WorkerRecoveryTest : public SyncLoopTest {};

TEST_F(WorkerRecoveryTest, KilledWorkerLosesItsRunWithinTheLeaseAndAnotherWorkerRetriesIt) {
  ASSERT_NE(StartWorker("worker-doomed", /*capacity=*/1), nullptr);
  // Hourly, so the only runs are the first one (due at once) and its retry.
  v1::Integration integration = MustCreate(Demo("Long sync", {.latency_ms = 30000}, 3600));
  std::vector<v1::SyncRun> runs;
  ASSERT_TRUE(AwaitFirstRunRunning(integration.id(), &runs)) << Describe(runs);
  ASSERT_EQ(runs[0].worker_id(), "worker-doomed");
  const std::string lost_run = runs[0].id();
  ASSERT_NE(StartWorker("worker-survivor", /*capacity=*/1), nullptr);

  const absl::Time killed_at = absl::Now();
  ExitStatus killed = worker("worker-doomed").Kill();
  EXPECT_EQ(killed.signal, SIGKILL) << killed.ToString();
  // The retry is a quick one: the config is read when a run is handed out.
  v1::Integration changes;
  *changes.mutable_config() = ConfigStruct({.latency_ms = 0});
  v1::Integration updated;
  ASSERT_THAT(Update(integration.id(), changes, &updated), IsOk());

  std::optional<v1::SyncRun> lost = AwaitEnded(integration.id(), lost_run);
  ASSERT_TRUE(lost.has_value()) << "the killed worker's run never ended:"
                                << Describe(RunsOf(integration.id()));
  EXPECT_EQ(lost->status(), v1::SyncRun::FAILED) << Describe(*lost);
  EXPECT_EQ(lost->error_code(), "WORKER_LOST") << Describe(*lost);
  EXPECT_FALSE(lost->suggestion().empty());
  // Within the lease (counted from the last heartbeat before the kill), plus the reaper's round.
  const absl::Duration lost_after = ToTime(lost->completed_at()) - killed_at;
  EXPECT_LE(lost_after, kLease + absl::Seconds(3)) << Describe(*lost);
  // Not at once either: the worker might have come back within the lease.
  EXPECT_GE(lost_after, kLease - absl::Seconds(2))
      << "failed before the lease could have ended: " << Describe(*lost);

  std::vector<v1::SyncRun> after;
  ASSERT_TRUE(Eventually(kWait,
                         [&] {
                           after = RunsOf(integration.id());
                           return after.size() >= 2 && after[1].status() != v1::SyncRun::RUNNING &&
                                  after[1].status() != v1::SyncRun::PENDING;
                         }))
      << "no retry finished:" << Describe(after);
  ASSERT_EQ(after.size(), 2u) << Describe(after);
  const v1::SyncRun& retry = after[1];
  EXPECT_EQ(retry.status(), v1::SyncRun::SUCCESS) << Describe(retry);
  EXPECT_EQ(retry.trigger(), v1::SyncRun::RETRY);
  EXPECT_EQ(retry.attempt(), 2);
  EXPECT_EQ(retry.worker_id(), "worker-survivor");
  EXPECT_THAT(ToTime(retry.scheduled_for()), IsNear(ToTime(lost->completed_at()) + kRetryBase, kExact));
  v1::Integration now = MustGet(integration.id());
  EXPECT_EQ(now.retry_count(), 0);
  EXPECT_EQ(now.last_sync_status(), v1::SyncRun::SUCCESS);
  // The dead worker drops out of the status (after its lease); the survivor stays.
  std::map<std::string, v1::Worker> workers;
  EXPECT_TRUE(Eventually(kWait, [&] {
    workers = ListedWorkers();
    return workers.count("worker-doomed") == 0;
  })) << "the killed worker is still listed";
  EXPECT_EQ(workers.count("worker-survivor"), 1u);
  EXPECT_THAT(OverlappingRuns(), IsEmpty());
}

// A worker that stalls (SIGSTOP: no heartbeats) loses its run to the lease; when it comes back and reports
// that run late, the late result is kept as a note and changes nothing: the run stays WORKER_LOST and the
// integration keeps the outcome of the retry that ran meanwhile.
TEST_F(WorkerRecoveryTest, ALateResultAfterTheLeaseEndedIsNotedAndChangesNothing) {
  ASSERT_NE(StartWorker("worker-stalled", /*capacity=*/1), nullptr);
  v1::Integration integration = MustCreate(Demo("Stalled", {.latency_ms = 4000}, 3600));
  std::vector<v1::SyncRun> runs;
  ASSERT_TRUE(AwaitFirstRunRunning(integration.id(), &runs)) << Describe(runs);
  const std::string stalled_run = runs[0].id();
  ASSERT_NE(StartWorker("worker-healthy", /*capacity=*/1), nullptr);
  worker("worker-stalled").Signal(SIGSTOP);
  v1::Integration changes;
  *changes.mutable_config() = ConfigStruct({.latency_ms = 0});
  v1::Integration updated;
  ASSERT_THAT(Update(integration.id(), changes, &updated), IsOk());

  std::optional<v1::SyncRun> lost = AwaitEnded(integration.id(), stalled_run);
  ASSERT_TRUE(lost.has_value()) << Describe(RunsOf(integration.id()));
  EXPECT_EQ(lost->error_code(), "WORKER_LOST") << Describe(*lost);
  std::vector<v1::SyncRun> after;
  ASSERT_TRUE(Eventually(kWait,
                         [&] {
                           after = RunsOf(integration.id());
                           return after.size() >= 2 && after[1].status() == v1::SyncRun::SUCCESS;
                         }))
      << "no successful retry:" << Describe(after);

  // Back to life: its sync finishes and its result arrives after the lease ended.
  worker("worker-stalled").Signal(SIGCONT);
  std::optional<v1::SyncRun> noted;
  EXPECT_TRUE(Eventually(kWait,
                         [&] {
                           noted = FindRun(integration.id(), stalled_run);
                           return noted.has_value() && noted->error_message().find(
                                                           "after its lease had ended") != std::string::npos;
                         }))
      << "the late result was not noted: " << (noted ? Describe(*noted) : std::string("run gone"));
  ASSERT_TRUE(noted.has_value());
  EXPECT_EQ(noted->status(), v1::SyncRun::FAILED) << Describe(*noted);
  EXPECT_EQ(noted->error_code(), "WORKER_LOST");
  v1::Integration now = MustGet(integration.id());
  EXPECT_EQ(now.last_sync_status(), v1::SyncRun::SUCCESS);
  EXPECT_EQ(now.retry_count(), 0);
  EXPECT_EQ(RunsOf(integration.id()).size(), 2u) << Describe(RunsOf(integration.id()));
  EXPECT_THAT(OverlappingRuns(), IsEmpty());
}

// The other side of leases: a worker that is alive keeps its runs however long they take, from the
// moment it connects.
TEST_F(WorkerRecoveryTest, HeartbeatsKeepASyncLongerThanTheLeaseAlive) {
  ASSERT_NE(StartWorker("worker-a", /*capacity=*/1), nullptr);
  const absl::Duration sync_takes = kLease * 2;
  v1::Integration integration =
      MustCreate(Demo("Longer than the lease",
                      {.latency_ms = static_cast<int>(absl::ToInt64Milliseconds(sync_takes))}, 3600));
  std::vector<v1::SyncRun> runs;
  ASSERT_TRUE(Eventually(kWait, [&] {
    runs = RunsOf(integration.id());
    return !runs.empty() && runs[0].status() != v1::SyncRun::PENDING &&
           runs[0].status() != v1::SyncRun::RUNNING;
  })) << Describe(runs);
  EXPECT_EQ(runs[0].status(), v1::SyncRun::SUCCESS) << Describe(runs);
  EXPECT_FALSE(runs[0].has_error_code()) << Describe(runs);
  EXPECT_GE(runs[0].duration(), absl::ToInt64Milliseconds(sync_takes)) << Describe(runs);
  EXPECT_EQ(runs.size(), 1u) << Describe(runs);
}

// The deadline holds even when the connector ignores it: heartbeats stop extending the run's lease at
// its deadline plus the grace (1 s here), and the run ends TIMEOUT while the connector is still busy.
TEST_F(WorkerRecoveryTest, SyncThatIgnoresItsDeadlineEndsAsTimeoutWhileItsWorkerStillHeartbeats) {
  ASSERT_NE(StartWorker("worker-a", /*capacity=*/1), nullptr);
  const int stuck_ms = 7000;
  v1::Integration integration = MustCreate(Demo(
      "Stuck connector", {.latency_ms = stuck_ms, .sync_timeout_seconds = 1, .ignore_deadline = true}, 3600));
  std::vector<v1::SyncRun> runs;
  ASSERT_TRUE(AwaitFirstRunRunning(integration.id(), &runs)) << Describe(runs);
  const std::string stuck_run = runs[0].id();
  std::optional<v1::SyncRun> ended = AwaitEnded(integration.id(), stuck_run);
  ASSERT_TRUE(ended.has_value()) << Describe(RunsOf(integration.id()));
  PauseSchedules({integration.id()});
  // Due now, on the worker's only slot, which the stuck connector still occupies: it must wait for the
  // connector to return, not be queued behind it as if the slot were free.
  v1::Integration next = MustCreate(Demo("Waits for the slot", {}, 3600));
  EXPECT_EQ(ended->status(), v1::SyncRun::FAILED) << Describe(*ended);
  EXPECT_EQ(ended->error_code(), "TIMEOUT") << Describe(*ended);
  EXPECT_THAT(ended->error_message(), HasSubstr("past its deadline (1 s after it started)"));
  EXPECT_THAT(ended->suggestion(), HasSubstr("syncTimeoutSeconds"));
  // Ended by sync_service (deadline 1 s + grace 1 s, give or take a heartbeat and a reaper pass), not by
  // the connector, which was still asleep.
  EXPECT_LT(ended->duration(), stuck_ms - 2000) << Describe(*ended);
  v1::Integration after = MustGet(integration.id());
  EXPECT_EQ(after.last_sync_status(), v1::SyncRun::FAILED);
  EXPECT_EQ(after.retry_count(), 1);

  // The connector wakes up and its worker reports, too late: the outcome stays.
  const std::string reported = "integration_id=" + integration.id() + " run_id=" + stuck_run;
  EXPECT_TRUE(Eventually(kWait, [&] {
    const std::string log = worker("worker-a").LogTail(400);
    return log.find("sync done " + reported) != std::string::npos ||
           log.find("sync failed " + reported) != std::string::npos;
  })) << worker("worker-a").LogTail();
  absl::SleepFor(absl::Seconds(1));  // for its result to reach sync_service
  std::optional<v1::SyncRun> later = FindRun(integration.id(), stuck_run);
  ASSERT_TRUE(later.has_value());
  EXPECT_EQ(later->status(), v1::SyncRun::FAILED) << Describe(*later);
  EXPECT_EQ(later->error_code(), "TIMEOUT");
  EXPECT_EQ(MustGet(integration.id()).last_sync_status(), v1::SyncRun::FAILED);

  std::vector<v1::SyncRun> next_runs;
  ASSERT_TRUE(Eventually(kWait, [&] {
    next_runs = RunsOf(next.id());
    return !next_runs.empty() && next_runs[0].status() == v1::SyncRun::SUCCESS;
  })) << Describe(next_runs);
  // Handed out once the stuck connector had returned (it slept stuck_ms from the start of its run).
  EXPECT_GE(ToTime(next_runs[0].started_at()) - ToTime(runs[0].started_at()),
            absl::Milliseconds(stuck_ms - 500))
      << Describe(next_runs[0]);
  EXPECT_THAT(OverlappingRuns(), IsEmpty());
}

TEST_F(WorkerRecoveryTest, SigtermedWorkerFinishesAndReportsItsSyncBeforeExiting) {
  ASSERT_NE(StartWorker("worker-a", /*capacity=*/1), nullptr);
  v1::Integration integration = MustCreate(Demo("Two second sync", {.latency_ms = 2000}, 3600));
  std::vector<v1::SyncRun> runs;
  ASSERT_TRUE(AwaitFirstRunRunning(integration.id(), &runs)) << Describe(runs);

  worker("worker-a").Signal(SIGTERM);
  // Draining: not ready for new work any more, though still alive.
  EXPECT_TRUE(Eventually(absl::Seconds(1), [&] {
    absl::StatusOr<HttpResponse> ready = worker("worker-a").Get("/readyz");
    return ready.ok() && ready->status == 503;
  })) << "a draining worker still says it is ready";
  std::optional<ExitStatus> exited = worker("worker-a").WaitFor(kWait);
  ASSERT_TRUE(exited.has_value()) << "the worker did not exit within " << kWait;
  EXPECT_TRUE(exited->success()) << exited->ToString();
  // Read right after the exit: the result reached sync_service before the worker left.
  std::optional<v1::SyncRun> run = FindRun(integration.id(), runs[0].id());
  ASSERT_TRUE(run.has_value());
  EXPECT_EQ(run->status(), v1::SyncRun::SUCCESS) << Describe(*run);
  EXPECT_EQ(run->records_count(), 10);
  EXPECT_GE(run->duration(), 2000) << "the sync was cut short: " << Describe(*run);
  EXPECT_EQ(ActiveRuns(), 0);
}

// An impatient admin (or a supervisor) may signal twice: the worker is already draining and keeps at it.
TEST_F(WorkerRecoveryTest, SecondSigtermDuringTheDrainDoesNotAbandonTheSync) {
  ASSERT_NE(StartWorker("worker-a", /*capacity=*/1), nullptr);
  v1::Integration integration = MustCreate(Demo("Two second sync", {.latency_ms = 2000}, 3600));
  std::vector<v1::SyncRun> runs;
  ASSERT_TRUE(AwaitFirstRunRunning(integration.id(), &runs)) << Describe(runs);

  worker("worker-a").Signal(SIGTERM);
  ASSERT_TRUE(Eventually(absl::Seconds(1), [&] {
    absl::StatusOr<HttpResponse> ready = worker("worker-a").Get("/readyz");
    return ready.ok() && ready->status == 503;
  })) << "not draining after the first SIGTERM";
  worker("worker-a").Signal(SIGTERM);
  std::optional<ExitStatus> exited = worker("worker-a").WaitFor(kWait);
  ASSERT_TRUE(exited.has_value()) << "the worker did not exit within " << kWait;
  EXPECT_TRUE(exited->success()) << exited->ToString();
  std::optional<v1::SyncRun> run = FindRun(integration.id(), runs[0].id());
  ASSERT_TRUE(run.has_value());
  EXPECT_EQ(run->status(), v1::SyncRun::SUCCESS) << Describe(*run);
}

// sync_service's lease (here the production default, 30 s) must outlast its own restart plus the time the
// workers take to find it again, so that the syncs running through the restart are reported rather than
// lost. Workers were seen to take up to 12 s: their own backoff (up to 5 s, plus half of that as jitter)
// stacks with the gRPC channel's reconnect backoff, during which a new stream fails at once.
class ServiceRestartTest : public SyncLoopTest {
 protected:
  static constexpr absl::Duration kRestartLease = absl::Seconds(30);
  std::vector<std::string> ServiceFlags() const override {
    std::vector<std::string> flags = SyncLoopTest::ServiceFlags();
    flags.push_back("--lease=" + absl::FormatDuration(kRestartLease));
    return flags;
  }
};

TEST_F(ServiceRestartTest, WorkersReconnectAfterAKillAndRestartAndReportTheSyncsThatRanMeanwhile) {
  ASSERT_NE(StartWorker("worker-a", /*capacity=*/2), nullptr);
  ASSERT_NE(StartWorker("worker-b", /*capacity=*/2), nullptr);
  constexpr int kIntegrations = 4;
  std::vector<std::string> ids;
  for (int i = 0; i < kIntegrations; ++i) {
    ids.push_back(MustCreate(Demo(absl::StrCat("Through restart ", i), {.latency_ms = 3000}, 2)).id());
  }
  // All four mid-sync.
  std::map<std::string, std::string> in_flight;  // run id -> integration id
  ASSERT_TRUE(Eventually(kWait, [&] {
    in_flight.clear();
    for (const std::string& id : ids) {
      std::vector<v1::SyncRun> runs = RunsOf(id);
      if (!runs.empty() && runs.back().status() == v1::SyncRun::RUNNING) in_flight[runs.back().id()] = id;
    }
    return static_cast<int>(in_flight.size()) == kIntegrations;
  })) << RunsTable();

  ExitStatus killed = service().Kill();
  EXPECT_EQ(killed.signal, SIGKILL) << killed.ToString();
  // Down long enough for the syncs to finish while nobody listens.
  EXPECT_TRUE(Eventually(absl::Seconds(10), [&] {
    absl::StatusOr<HttpResponse> a = worker("worker-a").Get("/readyz");
    absl::StatusOr<HttpResponse> b = worker("worker-b").Get("/readyz");
    return a.ok() && a->status == 503 && b.ok() && b->status == 503;
  })) << "workers still say they are ready with sync_service gone";
  absl::SleepFor(absl::Seconds(3));
  const absl::Time restarted_at = absl::Now();
  ASSERT_TRUE(service().Restart().ok()) << service().LogTail();

  // The workers come back (same address) ...
  ASSERT_TRUE(Eventually(kWait, [&] {
    std::map<std::string, v1::Worker> workers = ListedWorkers();
    return workers.count("worker-a") == 1 && workers.count("worker-b") == 1;
  })) << "the workers did not reconnect";
  // ... and the syncs that ran through the restart are recorded as they ended, not lost.
  for (const auto& [run_id, integration_id] : in_flight) {
    std::optional<v1::SyncRun> run = AwaitEnded(integration_id, run_id);
    ASSERT_TRUE(run.has_value()) << "run " << run_id << " never ended\n" << RunsTable();
    EXPECT_EQ(run->status(), v1::SyncRun::SUCCESS) << Describe(*run);
    EXPECT_GE(run->duration(), 3000) << Describe(*run);
  }
  // And scheduling goes on: every integration syncs again after the restart.
  for (const std::string& id : ids) {
    std::vector<v1::SyncRun> runs;
    EXPECT_TRUE(Eventually(kWait,
                           [&] {
                             runs = RunsOf(id);
                             for (const v1::SyncRun& run : runs) {
                               if (run.status() == v1::SyncRun::SUCCESS &&
                                   ToTime(run.started_at()) > restarted_at)
                                 return true;
                             }
                             return false;
                           }))
        << "integration " << id << " did not sync after the restart:" << Describe(runs);
  }

  PauseSchedules(ids);
  std::map<std::string, ExitStatus> stopped = StopWorkers();
  for (const auto& [id, status] : stopped) EXPECT_TRUE(status.success()) << id << ": " << status.ToString();
  EXPECT_EQ(ActiveRuns(), 0) << RunsTable();
  EXPECT_THAT(OverlappingRuns(), IsEmpty());
  for (const std::string& id : ids) {
    for (const v1::SyncRun& run : RunsOf(id)) {
      EXPECT_EQ(run.status(), v1::SyncRun::SUCCESS) << Describe(run);
    }
  }
}

}  // namespace
}  // namespace syncd::testing
