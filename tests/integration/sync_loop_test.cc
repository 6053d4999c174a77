// The sync loop as a user sees it, with a real sync_service, real workers and PostgreSQL: scheduled syncs
// happen by themselves on their interval, manual triggers run at once, failures retry with backoff and
// then pause the schedule, and resuming starts over.

#include <string>
#include <vector>

#include "tests/integration/sync_loop_fixture.h"

namespace syncd::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

class SyncLoopScheduleTest : public SyncLoopTest {};

TEST_F(SyncLoopScheduleTest, ScheduledSyncsRunOnTheirIntervalCountedFromCompletion) {
  ASSERT_NE(StartWorker("worker-a"), nullptr);
  constexpr int kInterval = 2;
  const absl::Time before_create = absl::Now();
  // 300 ms per sync, so that "from its completion" and "from its start" are told apart.
  v1::Integration integration = MustCreate(Demo("Every two seconds", {.latency_ms = 300}, kInterval));
  ASSERT_FALSE(integration.id().empty());

  std::vector<v1::SyncRun> runs;
  ASSERT_TRUE(Eventually(kWait,
                         [&] {
                           runs = RunsOf(integration.id());
                           int succeeded = 0;
                           for (const auto& run : runs) succeeded += run.status() == v1::SyncRun::SUCCESS;
                           return succeeded >= 3;
                         }))
      << "fewer than 3 scheduled syncs succeeded:" << Describe(runs);

  // No one triggered anything: every run came from the schedule, the first at once.
  ASSERT_GE(runs.size(), 3u);
  EXPECT_THAT(ToTime(runs[0].scheduled_for()), IsNear(before_create, kNowTolerance));
  for (size_t i = 0; i < runs.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("run ", i + 1, ":", Describe(runs)));
    const v1::SyncRun& run = runs[i];
    EXPECT_EQ(run.trigger(), v1::SyncRun::SCHEDULED);
    EXPECT_EQ(run.attempt(), 1);
    EXPECT_EQ(run.worker_id(), "worker-a");
    if (!run.has_started_at()) continue;
    // Never early, and on time: the scheduler wakes for the due time instead of polling.
    EXPECT_GE(ToTime(run.started_at()), ToTime(run.scheduled_for()));
    EXPECT_LE(ToTime(run.started_at()) - ToTime(run.scheduled_for()), absl::Seconds(1));
    if (i == 0 || runs[i - 1].status() != v1::SyncRun::SUCCESS) continue;
    // The next one is due an interval after the previous one completed.
    EXPECT_THAT(ToTime(run.scheduled_for()),
                IsNear(ToTime(runs[i - 1].completed_at()) + absl::Seconds(kInterval), kExact));
  }
  for (size_t i = 0; i < runs.size(); ++i) {
    // All done but perhaps the last, which may still be running.
    if (i + 1 < runs.size() || runs[i].status() != v1::SyncRun::RUNNING) {
      EXPECT_EQ(runs[i].status(), v1::SyncRun::SUCCESS) << Describe(runs);
      EXPECT_EQ(runs[i].records_count(), 10);
    }
  }

  // The integration shows the same: nextSyncAt = lastSync + interval.
  v1::Integration now = MustGet(integration.id());
  EXPECT_EQ(now.retry_count(), 0);
  EXPECT_EQ(now.last_sync_status(), v1::SyncRun::SUCCESS);
  ASSERT_TRUE(now.has_last_sync());
  ASSERT_TRUE(now.has_next_sync_at());
  EXPECT_THAT(ToTime(now.next_sync_at()), IsNear(ToTime(now.last_sync()) + absl::Seconds(kInterval), kExact));
  EXPECT_THAT(OverlappingRuns(), IsEmpty());
}

TEST_F(SyncLoopScheduleTest, ManualTriggerRunsAtOnceAndASecondTriggerReturnsTheRunningRun) {
  ASSERT_NE(StartWorker("worker-a"), nullptr);
  v1::Integration integration = MustCreate(Demo("By hand", {.latency_ms = 0}, std::nullopt));
  ASSERT_EQ(integration.status(), v1::Integration::MANUAL_ONLY);

  v1::TriggerSyncResponse first;
  ASSERT_THAT(Trigger(integration.id(), &first), IsOk());
  EXPECT_FALSE(first.already_running());
  std::optional<v1::SyncRun> done = AwaitEnded(integration.id(), first.run().id());
  ASSERT_TRUE(done.has_value()) << "the manual run never ended:" << Describe(RunsOf(integration.id()));
  EXPECT_EQ(done->status(), v1::SyncRun::SUCCESS) << Describe(*done);
  EXPECT_EQ(done->trigger(), v1::SyncRun::MANUAL);
  EXPECT_EQ(done->records_count(), 10);
  EXPECT_LE(ToTime(done->started_at()) - ToTime(done->created_at()), absl::Seconds(1)) << Describe(*done);

  // A slow sync now: a trigger while it runs gets that run back, no second one starts.
  v1::Integration changes;
  *changes.mutable_config() = ConfigStruct({.latency_ms = 2000});
  v1::Integration updated;
  ASSERT_THAT(Update(integration.id(), changes, &updated), IsOk());
  v1::TriggerSyncResponse slow;
  ASSERT_THAT(Trigger(integration.id(), &slow), IsOk());
  EXPECT_FALSE(slow.already_running());
  ASSERT_TRUE(Eventually(kWait, [&] {
    std::optional<v1::SyncRun> run = FindRun(integration.id(), slow.run().id());
    return run.has_value() && run->status() == v1::SyncRun::RUNNING;
  })) << Describe(RunsOf(integration.id()));
  v1::TriggerSyncResponse again;
  ASSERT_THAT(Trigger(integration.id(), &again), IsOk());
  EXPECT_TRUE(again.already_running());
  EXPECT_EQ(again.run().id(), slow.run().id());
  EXPECT_EQ(again.run().status(), v1::SyncRun::RUNNING);

  std::optional<v1::SyncRun> slow_done = AwaitEnded(integration.id(), slow.run().id());
  ASSERT_TRUE(slow_done.has_value());
  EXPECT_EQ(slow_done->status(), v1::SyncRun::SUCCESS) << Describe(*slow_done);
  EXPECT_GE(slow_done->duration(), 2000);
  EXPECT_EQ(RunsOf(integration.id()).size(), 2u) << Describe(RunsOf(integration.id()));
  // Manual only: nothing is scheduled after a manual run.
  v1::Integration after = MustGet(integration.id());
  EXPECT_FALSE(after.has_next_sync_at());
  EXPECT_EQ(after.status(), v1::Integration::MANUAL_ONLY);
}

class SyncLoopRetryTest : public SyncLoopTest {
 protected:
  // Waits (kWait) until the integration's schedule is paused; the integration as last read.
  v1::Integration AwaitPaused(const std::string& id) {
    v1::Integration read;
    Eventually(kWait, [&] {
      read = MustGet(id);
      return !read.sync_enabled();
    });
    return read;
  }
};

TEST_F(SyncLoopRetryTest, FailingSyncRetriesWithBackoffThenPausesAndResumingStartsOver) {
  ASSERT_NE(StartWorker("worker-a"), nullptr);
  v1::Integration integration =
      MustCreate(Demo("Always failing", {.failure_rate = 1, .error_code = "SERVER_ERROR"}, 2));

  // Attempts 1..4 (max_retries 3), then the schedule pauses.
  v1::Integration paused = AwaitPaused(integration.id());
  ASSERT_FALSE(paused.sync_enabled()) << "never paused:" << Describe(RunsOf(integration.id()));
  std::vector<v1::SyncRun> runs = RunsOf(integration.id());
  ASSERT_EQ(runs.size(), static_cast<size_t>(kMaxRetries + 1)) << Describe(runs);
  for (int i = 0; i < static_cast<int>(runs.size()); ++i) {
    SCOPED_TRACE(absl::StrCat("run ", i + 1, ":", Describe(runs)));
    const v1::SyncRun& run = runs[i];
    EXPECT_EQ(run.status(), v1::SyncRun::FAILED);
    EXPECT_EQ(run.error_code(), "SERVER_ERROR");
    EXPECT_EQ(run.attempt(), i + 1);
    EXPECT_EQ(run.trigger(), i == 0 ? v1::SyncRun::SCHEDULED : v1::SyncRun::RETRY);
    EXPECT_GE(ToTime(run.started_at()), ToTime(run.scheduled_for()));
    if (i == 0) continue;
    // Backoff 1, 2, 4 × base from the failed run's completion (jitter 0).
    const absl::Duration backoff = kRetryBase * (1 << (i - 1));
    EXPECT_THAT(ToTime(run.scheduled_for()), IsNear(ToTime(runs[i - 1].completed_at()) + backoff, kExact));
  }

  const v1::SyncRun& last = runs.back();
  EXPECT_EQ(paused.status(), v1::Integration::PAUSED);
  EXPECT_FALSE(paused.has_next_sync_at());
  EXPECT_EQ(paused.retry_count(), kMaxRetries + 1);
  EXPECT_EQ(paused.last_sync_status(), v1::SyncRun::FAILED);
  ASSERT_TRUE(paused.has_paused_reason());
  EXPECT_THAT(paused.paused_reason(), HasSubstr("SERVER_ERROR"));
  ASSERT_FALSE(last.suggestion().empty());
  EXPECT_THAT(paused.paused_reason(), HasSubstr(last.suggestion()));
  EXPECT_THAT(paused.paused_reason(), HasSubstr(last.error_message()));

  // Resuming clears the pause and the failure streak; the next scheduled sync is a first attempt again.
  v1::UpdateSyncSettingsRequest resume;
  resume.set_id(integration.id());
  resume.set_sync_enabled(true);
  v1::Integration resumed;
  ASSERT_THAT(UpdateSettings(resume, &resumed), IsOk());
  EXPECT_TRUE(resumed.sync_enabled());
  EXPECT_FALSE(resumed.has_paused_reason());
  EXPECT_EQ(resumed.retry_count(), 0);
  EXPECT_TRUE(resumed.has_next_sync_at());
  EXPECT_NE(resumed.status(), v1::Integration::PAUSED);

  // It fails again, and the backoff starts over at the base delay as retry 1 (attempt 2).
  std::vector<v1::SyncRun> after;
  ASSERT_TRUE(Eventually(kWait,
                         [&] {
                           after = RunsOf(integration.id());
                           return after.size() > runs.size() + 1 &&
                                  after[runs.size() + 1].status() == v1::SyncRun::FAILED;
                         }))
      << "no sync and retry after resuming:" << Describe(after);
  SCOPED_TRACE(Describe(after));
  const v1::SyncRun& fresh = after[runs.size()];
  EXPECT_EQ(fresh.trigger(), v1::SyncRun::SCHEDULED);
  EXPECT_EQ(fresh.attempt(), 1);
  EXPECT_GE(ToTime(fresh.scheduled_for()), ToTime(last.completed_at()));
  const v1::SyncRun& retry = after[runs.size() + 1];
  EXPECT_EQ(retry.trigger(), v1::SyncRun::RETRY);
  EXPECT_EQ(retry.attempt(), 2);
  EXPECT_THAT(ToTime(retry.scheduled_for()), IsNear(ToTime(fresh.completed_at()) + kRetryBase, kExact));
  v1::Integration retrying = MustGet(integration.id());
  EXPECT_TRUE(retrying.sync_enabled()) << retrying.ShortDebugString();
  EXPECT_FALSE(retrying.has_paused_reason());
}

TEST_F(SyncLoopRetryTest, ASuccessEndsTheFailureStreakAndSchedulesWithTheIntervalSetWhileItRan) {
  ASSERT_NE(StartWorker("worker-a"), nullptr);
  v1::Integration integration = MustCreate(
      Demo("Recovers", {.failure_rate = 1, .error_code = "SERVER_ERROR"}, /*interval_seconds=*/3600));
  v1::Integration failing;
  ASSERT_TRUE(Eventually(kWait,
                         [&] {
                           failing = MustGet(integration.id());
                           return failing.retry_count() >= 1;
                         }))
      << "the first sync never failed:" << Describe(RunsOf(integration.id()));
  EXPECT_EQ(failing.last_sync_status(), v1::SyncRun::FAILED);
  EXPECT_TRUE(failing.has_last_sync_error());

  // The source recovers, slowly: the next attempt succeeds after 1.5 s. A retry claimed before this edit
  // still fails; the first one claimed after it (started later) is the success.
  v1::Integration changes;
  *changes.mutable_config() = ConfigStruct({.latency_ms = 1500});
  v1::Integration updated;
  ASSERT_THAT(Update(integration.id(), changes, &updated), IsOk());
  const absl::Time edited = absl::Now();
  std::optional<v1::SyncRun> success_run;
  ASSERT_TRUE(Eventually(kWait,
                         [&] {
                           for (const v1::SyncRun& run : RunsOf(integration.id())) {
                             if (run.status() == v1::SyncRun::RUNNING && ToTime(run.started_at()) > edited) {
                               success_run = run;
                             }
                           }
                           return success_run.has_value();
                         }))
      << "no attempt after the edit:" << Describe(RunsOf(integration.id()));

  // While it runs, the admin sets a new interval: the next sync counts it from this run's completion.
  constexpr int kNewInterval = 7200;
  v1::UpdateSyncSettingsRequest settings;
  settings.set_id(integration.id());
  settings.mutable_sync_interval()->set_number_value(kNewInterval);
  ASSERT_THAT(UpdateSettings(settings, &updated), IsOk());

  std::optional<v1::SyncRun> done = AwaitEnded(integration.id(), success_run->id());
  ASSERT_TRUE(done.has_value()) << Describe(RunsOf(integration.id()));
  EXPECT_EQ(done->status(), v1::SyncRun::SUCCESS) << Describe(*done);
  EXPECT_EQ(done->trigger(), v1::SyncRun::RETRY);

  v1::Integration recovered = MustGet(integration.id());
  EXPECT_EQ(recovered.retry_count(), 0) << recovered.ShortDebugString();
  EXPECT_EQ(recovered.last_sync_status(), v1::SyncRun::SUCCESS);
  EXPECT_FALSE(recovered.has_last_sync_error()) << recovered.ShortDebugString();
  EXPECT_TRUE(recovered.sync_enabled());
  EXPECT_FALSE(recovered.has_paused_reason());
  EXPECT_EQ(recovered.status(), v1::Integration::ACTIVE) << recovered.ShortDebugString();
  ASSERT_TRUE(recovered.has_last_sync());
  EXPECT_THAT(ToTime(recovered.last_sync()), IsNear(ToTime(done->completed_at()), kExact));
  ASSERT_TRUE(recovered.has_next_sync_at());
  EXPECT_THAT(ToTime(recovered.next_sync_at()),
              IsNear(ToTime(recovered.last_sync()) + absl::Seconds(kNewInterval), kExact));
}

TEST_F(SyncLoopRetryTest, AManualSyncOfAPausedIntegrationSucceedsAndTheScheduleStaysPaused) {
  ASSERT_NE(StartWorker("worker-a"), nullptr);
  v1::Integration integration =
      MustCreate(Demo("Bad credentials, fixed", {.failure_rate = 1, .error_code = "AUTH_FAILED"}, 2));
  v1::Integration paused = AwaitPaused(integration.id());
  ASSERT_FALSE(paused.sync_enabled()) << "never paused:" << Describe(RunsOf(integration.id()));

  // The admin fixes the credentials and tries a sync by hand before resuming.
  v1::Integration changes;
  *changes.mutable_config() = ConfigStruct({});
  v1::Integration updated;
  ASSERT_THAT(Update(integration.id(), changes, &updated), IsOk());
  v1::TriggerSyncResponse trigger;
  ASSERT_THAT(Trigger(integration.id(), &trigger), IsOk());
  std::optional<v1::SyncRun> done = AwaitEnded(integration.id(), trigger.run().id());
  ASSERT_TRUE(done.has_value()) << Describe(RunsOf(integration.id()));
  EXPECT_EQ(done->status(), v1::SyncRun::SUCCESS) << Describe(*done);

  // The sync worked and says so, but only resuming restarts the schedule.
  v1::Integration after = MustGet(integration.id());
  EXPECT_EQ(after.last_sync_status(), v1::SyncRun::SUCCESS);
  EXPECT_FALSE(after.has_last_sync_error());
  EXPECT_EQ(after.retry_count(), 0);
  EXPECT_FALSE(after.sync_enabled());
  EXPECT_EQ(after.status(), v1::Integration::PAUSED);
  EXPECT_FALSE(after.has_next_sync_at()) << after.ShortDebugString();
  EXPECT_EQ(after.paused_reason(), paused.paused_reason());
}

// A manual-only integration has no schedule: a failed sync by hand neither retries by itself nor pauses
// anything; the failure and its suggestion show until the admin syncs again.
TEST_F(SyncLoopRetryTest, AFailedManualOnlySyncNeitherRetriesNorPauses) {
  ASSERT_NE(StartWorker("worker-a"), nullptr);
  for (const char* code : {"SERVER_ERROR", "AUTH_FAILED"}) {
    SCOPED_TRACE(code);
    v1::Integration integration =
        MustCreate(Demo(absl::StrCat("By hand, failing ", code), {.failure_rate = 1, .error_code = code},
                        /*interval_seconds=*/std::nullopt));
    v1::TriggerSyncResponse trigger;
    ASSERT_THAT(Trigger(integration.id(), &trigger), IsOk());
    std::optional<v1::SyncRun> done = AwaitEnded(integration.id(), trigger.run().id());
    ASSERT_TRUE(done.has_value()) << Describe(RunsOf(integration.id()));
    EXPECT_EQ(done->status(), v1::SyncRun::FAILED);

    // A retry would have started after one base delay.
    absl::SleepFor(kRetryBase * 2);
    EXPECT_EQ(RunsOf(integration.id()).size(), 1u) << Describe(RunsOf(integration.id()));
    v1::Integration after = MustGet(integration.id());
    EXPECT_TRUE(after.sync_enabled()) << after.ShortDebugString();
    EXPECT_FALSE(after.has_paused_reason()) << after.ShortDebugString();
    EXPECT_FALSE(after.has_next_sync_at()) << after.ShortDebugString();
    EXPECT_EQ(after.status(), v1::Integration::MANUAL_ONLY);
    EXPECT_EQ(after.last_sync_status(), v1::SyncRun::FAILED);
    EXPECT_EQ(after.retry_count(), 1);
  }
}

TEST_F(SyncLoopRetryTest, PermanentErrorPausesAtOnceWithoutRetrying) {
  ASSERT_NE(StartWorker("worker-a"), nullptr);
  v1::Integration integration =
      MustCreate(Demo("Bad credentials", {.failure_rate = 1, .error_code = "AUTH_FAILED"}, 2));

  v1::Integration paused = AwaitPaused(integration.id());
  ASSERT_FALSE(paused.sync_enabled()) << "never paused:" << Describe(RunsOf(integration.id()));
  std::vector<v1::SyncRun> runs = RunsOf(integration.id());
  ASSERT_EQ(runs.size(), 1u) << Describe(runs);
  EXPECT_EQ(runs[0].status(), v1::SyncRun::FAILED);
  EXPECT_EQ(runs[0].error_code(), "AUTH_FAILED");
  EXPECT_EQ(paused.status(), v1::Integration::PAUSED);
  EXPECT_FALSE(paused.has_next_sync_at());
  ASSERT_TRUE(paused.has_paused_reason());
  EXPECT_THAT(paused.paused_reason(), HasSubstr("AUTH_FAILED"));
  ASSERT_FALSE(runs[0].suggestion().empty());
  EXPECT_THAT(paused.paused_reason(), HasSubstr(runs[0].suggestion()));

  // A retry would have come after one base delay; none does.
  absl::SleepFor(kRetryBase * 2);
  EXPECT_EQ(RunsOf(integration.id()).size(), 1u) << Describe(RunsOf(integration.id()));
  EXPECT_FALSE(MustGet(integration.id()).sync_enabled());
}

// The overlap check the other tests rely on finds overlaps (and only those).
class OverlapCheckTest : public SyncLoopTest {};

TEST_F(OverlapCheckTest, FindsRunsOfOneIntegrationThatOverlapAndNothingElse) {
  v1::Integration first = MustCreate(Demo("First", {}, std::nullopt));
  v1::Integration second = MustCreate(Demo("Second", {}, std::nullopt));
  const absl::Time t0 = absl::Now() - absl::Hours(1);
  auto run = [&](const v1::Integration& integration, absl::Duration from, std::optional<absl::Duration> to) {
    RunRow row;
    row.integration_id = integration.id();
    row.status = to.has_value() ? "SUCCESS" : "RUNNING";
    row.created_at = t0 + from;
    row.started_at = t0 + from;
    if (to.has_value()) row.completed_at = t0 + *to;
    return InsertRun(row);
  };
  // Back to back, and at the same time as another integration's: fine.
  run(first, absl::Seconds(0), absl::Seconds(10));
  run(first, absl::Seconds(10), absl::Seconds(20));
  run(second, absl::Seconds(5), absl::Seconds(15));
  EXPECT_THAT(OverlappingRuns(), IsEmpty());
  // An instant run inside another one, and a run still going under a later one: overlaps.
  run(second, absl::Seconds(7), absl::Seconds(7));
  run(first, absl::Seconds(30), std::nullopt);
  run(first, absl::Seconds(40), absl::Seconds(41));
  EXPECT_EQ(OverlappingRuns().size(), 2u) << ::testing::PrintToString(OverlappingRuns());
}

}  // namespace
}  // namespace syncd::testing
