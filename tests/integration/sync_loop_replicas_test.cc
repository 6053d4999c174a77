// Several sync_service replicas on one database, with real workers and PostgreSQL: many integrations on
// short intervals for a while; the database keeps every integration to one run at a time, every due
// integration runs, and nothing is left running once the workers have stopped.

#include <map>
#include <string>
#include <vector>

#include "tests/integration/sync_loop_fixture.h"

namespace syncd::testing {
namespace {

using ::testing::IsEmpty;

class ReplicasTest : public SyncLoopTest {};

TEST_F(ReplicasTest, TwoReplicasAndThreeWorkersRunEveryIntegrationNeverTwiceAtOnce) {
  SyncServiceProcess* replica = StartReplica();
  ASSERT_NE(replica, nullptr);
  // Two workers on the first replica, one on the second.
  ASSERT_NE(StartWorker("worker-1"), nullptr);
  ASSERT_NE(StartWorker("worker-2"), nullptr);
  ASSERT_NE(StartWorker("worker-3", /*capacity=*/3, replica->address()), nullptr);

  constexpr int kIntegrations = 40;
  constexpr int kInterval = 2;
  constexpr absl::Duration kRunFor = absl::Seconds(15);
  // A sync every 2 s plus its latency (at most 0.5 s) and dispatch lag: about 6 in 15 s; 4 leaves room for
  // a loaded machine.
  constexpr int kMinRuns = 4;
  // How long a due integration may wait for a worker with free slots (there are plenty) on a loaded machine.
  constexpr absl::Duration kMaxLag = absl::Seconds(2);
  // Each sync takes a moment, so runs of different integrations overlap and the replicas compete.
  std::vector<std::string> ids;
  for (int i = 0; i < kIntegrations; ++i) {
    ids.push_back(MustCreate(Demo(absl::StrCat("Busy ", i), {.latency_ms = 100 + 10 * i}, kInterval)).id());
  }
  ASSERT_EQ(ids.size(), static_cast<size_t>(kIntegrations));
  absl::SleepFor(kRunFor);

  // Stop scheduling, then stop the workers while their last syncs may still run: they finish and report
  // them before they exit.
  const absl::Time pausing_at = absl::Now();
  PauseSchedules(ids);
  std::map<std::string, ExitStatus> stopped = StopWorkers();
  for (const auto& [id, status] : stopped) EXPECT_TRUE(status.success()) << id << ": " << status.ToString();

  // Nothing left running: the workers finished and reported everything before they exited.
  EXPECT_EQ(ActiveRuns(), 0) << RunsTable();
  EXPECT_THAT(OverlappingRuns(), IsEmpty());

  // Every integration ran again and again, each time on schedule: due an interval after the previous
  // completion, started soon after (never early), and none was left due at the end.
  for (const std::string& id : ids) {
    std::vector<v1::SyncRun> runs = RunsOf(id);
    SCOPED_TRACE(absl::StrCat("integration ", id, ":", Describe(runs)));
    ASSERT_GE(static_cast<int>(runs.size()), kMinRuns);
    for (size_t i = 0; i < runs.size(); ++i) {
      EXPECT_EQ(runs[i].status(), v1::SyncRun::SUCCESS);
      EXPECT_EQ(runs[i].trigger(), v1::SyncRun::SCHEDULED);
      EXPECT_GE(ToTime(runs[i].started_at()), ToTime(runs[i].scheduled_for()));
      EXPECT_LE(ToTime(runs[i].started_at()) - ToTime(runs[i].scheduled_for()), kMaxLag);
      if (i > 0) {
        EXPECT_THAT(ToTime(runs[i].scheduled_for()),
                    IsNear(ToTime(runs[i - 1].completed_at()) + absl::Seconds(kInterval), kExact));
      }
    }
    ASSERT_TRUE(runs.back().has_completed_at());
    EXPECT_GE(ToTime(runs.back().completed_at()) + absl::Seconds(kInterval) + kMaxLag, pausing_at)
        << "due since " << absl::FormatTime(ToTime(runs.back().completed_at()) + absl::Seconds(kInterval))
        << " and not run before the schedule paused at " << absl::FormatTime(pausing_at);
  }

  // Both replicas handed out work, each to its own workers, and every worker ran syncs.
  pqxx::work tx(Sql());
  pqxx::result by_worker = tx.exec(
      "SELECT worker_id, count(DISTINCT replica_id), count(*) FROM sync_runs GROUP BY worker_id ORDER BY 1");
  std::map<std::string, int> runs_by_worker;
  for (const auto& row : by_worker) {
    const std::string worker_id = row[0].is_null() ? "NULL" : row[0].as<std::string>();
    runs_by_worker[worker_id] = row[2].as<int>();
    EXPECT_EQ(row[1].as<int>(), 1) << worker_id << " ran syncs for more than one replica";
  }
  for (const char* id : {"worker-1", "worker-2", "worker-3"}) {
    EXPECT_GT(runs_by_worker[id], 0) << id << " ran no sync";
  }
  EXPECT_EQ(tx.exec1("SELECT count(DISTINCT replica_id) FROM sync_runs")[0].as<int>(), 2);
  tx.commit();

  // GetSyncStatus' summary, kept up by both replicas as they wrote the runs, is what the history holds,
  // and stays so when integrations are deleted with their history.
  auto expect_summary_matches_history = [&](const std::string& when) {
    SCOPED_TRACE(when);
    v1::GetSyncStatusResponse status;
    ASSERT_THAT(SyncStatus(0, &status), IsOk());
    pqxx::work read(Sql());
    pqxx::row counts = read.exec1(
        "SELECT count(*), count(*) FILTER (WHERE status = 'SUCCESS'), count(*) FILTER (WHERE status = "
        "'FAILED'), "
        "  count(*) FILTER (WHERE status IN ('PENDING', 'RUNNING')) FROM sync_runs");
    EXPECT_EQ(status.summary().total(), counts[0].as<int>());
    EXPECT_EQ(status.summary().successful(), counts[1].as<int>());
    EXPECT_EQ(status.summary().failed(), counts[2].as<int>());
    EXPECT_EQ(status.summary().in_progress(), counts[3].as<int>());
  };
  expect_summary_matches_history("after the runs");
  v1::GetSyncStatusResponse before;
  ASSERT_THAT(SyncStatus(0, &before), IsOk());
  EXPECT_GT(before.summary().total(), kIntegrations * kMinRuns - 1);
  EXPECT_EQ(ToTime(before.summary().last_sync_at()), [&] {
    pqxx::work read(Sql());
    return absl::FromUnixMicros(
        read.exec1("SELECT (extract(epoch FROM max(completed_at)) * 1000000)::bigint FROM sync_runs")[0]
            .as<int64_t>());
  }());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Delete(ids[i]).ok());
  expect_summary_matches_history("after deleting three integrations");

  // The replicas fold the counts' rows (one per statement that wrote runs) into one as they refresh their
  // presence (every 5 s), once there are more than 32. Forty rows that change no count make sure there are.
  {
    pqxx::work write(Sql());
    write.exec0("INSERT INTO run_totals (total) SELECT 0 FROM generate_series(1, 40)");
    write.commit();
  }
  EXPECT_TRUE(Eventually(absl::Seconds(20), [&] {
    pqxx::work read(Sql());
    return read.exec1("SELECT count(*) FROM run_totals")[0].as<int>() <= 33;
  }));
  expect_summary_matches_history("after folding");
}

// A worker told to stop (SIGTERM) just as sync_service hands it a run must not take that run with it:
// whatever was assigned to it is either run and reported before it exits, or left for another worker at
// once. The moment is a race, so the test stops several busy workers in turn, each while runs are handed
// out every few milliseconds.
class WorkerDrainRaceTest : public SyncLoopTest {};

TEST_F(WorkerDrainRaceTest, WorkerStoppedWhileRunsAreHandedOutLeavesNoneRunning) {
  constexpr int kIntegrations = 150;
  // Each round catches the race about one time in four here: ten give a broken worker little chance to pass.
  constexpr int kRounds = 10;
  for (int i = 0; i < kIntegrations; ++i) {
    MustCreate(Demo(absl::StrCat("Quick ", i), {.records = 0, .latency_ms = 0}, 1));
  }
  std::vector<std::string> left_running;
  for (int round = 1; round <= kRounds && left_running.empty(); ++round) {
    const std::string id = absl::StrCat("worker-", round);
    WorkerProcess* w = StartWorker(id, /*capacity=*/8);
    ASSERT_NE(w, nullptr);
    // Busy: it has finished a good number of syncs.
    ASSERT_TRUE(Eventually(
        kWait,
        [&] {
          pqxx::work tx(Sql());
          return tx.exec_params1("SELECT count(*) FROM sync_runs WHERE worker_id = $1 AND status = 'SUCCESS'",
                                 id)[0]
                     .as<int>() >= 100;
        }))
        << id << " ran too few syncs\n"
        << w->LogTail();
    w->Signal(SIGTERM);
    std::optional<ExitStatus> exited = w->WaitFor(kWait);
    ASSERT_TRUE(exited.has_value()) << id << " did not exit";
    EXPECT_TRUE(exited->success()) << id << ": " << exited->ToString();
    pqxx::work tx(Sql());
    for (const auto& row : tx.exec_params(
             "SELECT id::text, started_at::text FROM sync_runs WHERE worker_id = $1 AND status = 'RUNNING'",
             id)) {
      left_running.push_back(absl::StrCat("run ", row[0].c_str(), " started ", row[1].c_str(), " on ", id,
                                          ", which exited cleanly"));
    }
  }
  EXPECT_THAT(left_running, IsEmpty());
}

}  // namespace
}  // namespace syncd::testing

namespace syncd::testing {
namespace {

// A change made through one replica wakes the others (LISTEN/NOTIFY), long before their safety poll.
class CrossReplicaWakeTest : public SyncLoopTest {
 protected:
  std::vector<std::string> ServiceFlags() const override {
    std::vector<std::string> flags = SyncLoopTest::ServiceFlags();
    flags.push_back("--safety_poll=" + absl::FormatDuration(kSafetyPoll));
    // The lease reaper's round (a tenth of the lease) also runs the dispatch loop: make it rare too. The
    // presence refresh still runs it every 5 s, so a trigger that waited for it would start up to 5 s late.
    flags.push_back("--lease=600s");
    return flags;
  }
  static constexpr absl::Duration kSafetyPoll = absl::Seconds(120);
};

TEST_F(CrossReplicaWakeTest, ATriggerThroughOneReplicaStartsAtOnceOnAnotherReplicasWorker) {
  SyncServiceProcess* other = StartReplica();
  ASSERT_NE(other, nullptr);
  // The only worker talks to the other replica; this one has none.
  ASSERT_NE(StartWorker("worker-b", 1, other->address()), nullptr);
  ASSERT_TRUE(Eventually(kWait, [&] { return ListedWorkers().count("worker-b") == 1; }));
  v1::Integration integration = MustCreate(Demo("Woken", {}, std::nullopt));
  // Let the other replica settle into its long sleep.
  absl::SleepFor(absl::Seconds(1));

  // Three triggers at different moments: one might land just before a presence refresh by chance, all
  // three starting within half a second only happen when the trigger wakes the other replica.
  for (int i = 0; i < 3; ++i) {
    v1::TriggerSyncResponse triggered;
    const absl::Time triggered_at = absl::Now();
    ASSERT_THAT(Trigger(integration.id(), &triggered), IsOk());
    std::optional<v1::SyncRun> done = AwaitEnded(integration.id(), triggered.run().id());
    ASSERT_TRUE(done.has_value()) << Describe(RunsOf(integration.id()));
    EXPECT_EQ(done->status(), v1::SyncRun::SUCCESS) << Describe(*done);
    EXPECT_EQ(done->worker_id(), "worker-b");
    EXPECT_LT(ToTime(done->started_at()) - triggered_at, absl::Milliseconds(500))
        << "the other replica was not woken by trigger " << i + 1 << ": " << Describe(*done);
    absl::SleepFor(absl::Milliseconds(1300));
  }
}

}  // namespace
}  // namespace syncd::testing
