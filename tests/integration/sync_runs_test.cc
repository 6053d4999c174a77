// Sync runs as a user sees them: TriggerSync, an integration's paged history (GetSyncHistory) and the
// recent runs with their summary (GetSyncStatus). No worker is connected, so triggered runs stay PENDING;
// longer histories are set up with SQL, and everything is read back through the API.

#include <climits>
#include <string>
#include <vector>

#include "tests/integration/sync_service_fixture.h"

namespace syncd::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

class SyncRunsTest : public SyncServiceTest {
 protected:
  // Inserts `count` finished runs one minute apart, oldest first, ending an hour ago; returns their ids
  // newest first (the order the API must give).
  std::vector<std::string> InsertFinishedRuns(const std::string& integration_id, int count) {
    std::vector<std::string> ids;
    absl::Time start = absl::Now() - absl::Hours(1) - absl::Minutes(count);
    for (int i = 0; i < count; ++i) {
      RunRow row;
      row.integration_id = integration_id;
      row.status = i % 3 == 0 ? "FAILED" : "SUCCESS";
      row.created_at = start + absl::Minutes(i);
      row.started_at = row.created_at;
      row.completed_at = row.created_at + absl::Seconds(5);
      row.duration_ms = 5000;
      ids.insert(ids.begin(), InsertRun(row));
    }
    return ids;
  }

  // Inserts a run of `integration_id` with `status` created at `created_at` and finished 30 s later.
  std::string InsertFinishedRun(const std::string& integration_id, const char* status,
                                absl::Time created_at) {
    RunRow row;
    row.integration_id = integration_id;
    row.status = status;
    row.created_at = created_at;
    row.started_at = row.created_at;
    row.completed_at = row.created_at + absl::Seconds(30);
    row.duration_ms = 30000;
    return InsertRun(row);
  }

  // Inserts a run of `integration_id` that started at `started_at` and is still running on worker-1.
  std::string InsertRunningRun(const std::string& integration_id, absl::Time started_at) {
    RunRow row;
    row.integration_id = integration_id;
    row.status = "RUNNING";
    row.created_at = started_at;
    row.started_at = started_at;
    row.worker_id = "worker-1";
    return InsertRun(row);
  }

  static std::vector<std::string> Ids(const google::protobuf::RepeatedPtrField<v1::SyncRun>& runs) {
    std::vector<std::string> ids;
    for (const v1::SyncRun& run : runs) ids.push_back(run.id());
    return ids;
  }

  v1::Integration ManualOnly(const std::string& name) {
    v1::Integration integration = DemoIntegration(name);
    *integration.mutable_sync_interval() = NullValue();
    return MustCreate(integration);
  }
};

// --- TriggerSync ---

TEST_F(SyncRunsTest, TriggerCreatesAPendingManualRun) {
  v1::Integration integration = MustCreate(DemoIntegration("Now"));
  absl::Time before = absl::Now();
  v1::TriggerSyncResponse response;
  ASSERT_THAT(Trigger(integration.id(), &response), IsOk());

  EXPECT_FALSE(response.already_running());
  const v1::SyncRun& run = response.run();
  EXPECT_TRUE(LooksLikeUuid(run.id())) << run.id();
  EXPECT_EQ(run.integration_id(), integration.id());
  EXPECT_EQ(run.status(), v1::SyncRun::PENDING);
  EXPECT_EQ(run.trigger(), v1::SyncRun::MANUAL);
  EXPECT_EQ(run.attempt(), 1);
  EXPECT_THAT(ToTime(run.created_at()), IsNear(before, kNowTolerance));
  EXPECT_THAT(ToTime(run.scheduled_for()), IsNear(before, kNowTolerance));
  EXPECT_FALSE(run.has_started_at());
  EXPECT_FALSE(run.has_completed_at());
  EXPECT_FALSE(run.has_duration());
  EXPECT_FALSE(run.has_error_code());
  EXPECT_EQ(run.records_count(), 0);

  EXPECT_EQ(MustGet(integration.id()).status(), v1::Integration::SYNCING);
  EXPECT_EQ(CountRuns(integration.id()), 1);
  v1::GetSyncHistoryResponse history;
  ASSERT_THAT(History(integration.id(), 0, 0, &history), IsOk());
  ASSERT_EQ(history.logs_size(), 1);
  EXPECT_EQ(history.logs(0).SerializeAsString(), run.SerializeAsString())
      << "history: " << history.logs(0).ShortDebugString() << "\ntriggered: " << run.ShortDebugString();
}

TEST_F(SyncRunsTest, TriggerWhileARunIsPendingReturnsThatRun) {
  v1::Integration integration = MustCreate(DemoIntegration("Twice"));
  v1::TriggerSyncResponse first;
  ASSERT_THAT(Trigger(integration.id(), &first), IsOk());
  v1::TriggerSyncResponse second;
  ASSERT_THAT(Trigger(integration.id(), &second), IsOk());

  EXPECT_FALSE(first.already_running());
  EXPECT_TRUE(second.already_running());
  EXPECT_EQ(second.run().id(), first.run().id());
  EXPECT_EQ(second.run().status(), v1::SyncRun::PENDING);
  EXPECT_EQ(CountRuns(integration.id()), 1);
}

TEST_F(SyncRunsTest, TriggerAfterTheRunFinishedStartsANewOne) {
  v1::Integration integration = ManualOnly("Again");
  v1::TriggerSyncResponse first;
  ASSERT_THAT(Trigger(integration.id(), &first), IsOk());
  {
    pqxx::work tx(Sql());
    tx.exec_params(
        "UPDATE sync_runs SET status = 'SUCCESS', started_at = now(), completed_at = now(), duration_ms = 0 "
        "WHERE id = $1",
        first.run().id());
    // As sync_service finishes a run: it is no longer its integration's active run.
    tx.exec_params("DELETE FROM active_runs WHERE run_id = $1", first.run().id());
    tx.commit();
  }
  v1::TriggerSyncResponse second;
  ASSERT_THAT(Trigger(integration.id(), &second), IsOk());
  EXPECT_FALSE(second.already_running());
  EXPECT_NE(second.run().id(), first.run().id());
  EXPECT_EQ(second.run().status(), v1::SyncRun::PENDING);
  EXPECT_EQ(CountRuns(integration.id()), 2);
}

TEST_F(SyncRunsTest, ManualOnlyIntegrationCanBeTriggeredAndThenShowsSyncing) {
  v1::Integration integration = ManualOnly("By hand");
  v1::TriggerSyncResponse response;
  ASSERT_THAT(Trigger(integration.id(), &response), IsOk());
  EXPECT_EQ(response.run().status(), v1::SyncRun::PENDING);
  EXPECT_EQ(response.run().trigger(), v1::SyncRun::MANUAL);
  v1::Integration read = MustGet(integration.id());
  EXPECT_EQ(read.status(), v1::Integration::SYNCING);
  // Triggering by hand does not put it on a schedule.
  EXPECT_FALSE(read.has_next_sync_at());
  EXPECT_EQ(read.sync_interval().kind_case(), google::protobuf::Value::kNullValue);
}

TEST_F(SyncRunsTest, PausedIntegrationCanBeTriggered) {
  v1::Integration integration = DemoIntegration("Paused");
  integration.set_sync_enabled(false);
  v1::Integration created = MustCreate(integration);
  v1::TriggerSyncResponse response;
  ASSERT_THAT(Trigger(created.id(), &response), IsOk());
  EXPECT_FALSE(response.already_running());
  EXPECT_EQ(response.run().status(), v1::SyncRun::PENDING);
  EXPECT_EQ(response.run().trigger(), v1::SyncRun::MANUAL);
  v1::Integration read = MustGet(created.id());
  EXPECT_EQ(read.status(), v1::Integration::SYNCING);
  // Still paused: no scheduled sync.
  EXPECT_FALSE(read.sync_enabled());
  EXPECT_FALSE(read.has_next_sync_at());
}

TEST_F(SyncRunsTest, TriggerRejectsMalformedIdAndUnknownId) {
  v1::TriggerSyncResponse response;
  EXPECT_THAT(Trigger("abc", &response), IsInvalidArgument("id"));
  EXPECT_THAT(Trigger(kUnknownId, &response), HasCode(grpc::StatusCode::NOT_FOUND));
}

// --- GetSyncHistory ---

TEST_F(SyncRunsTest, HistoryOfANewIntegrationIsEmpty) {
  v1::Integration integration = MustCreate(DemoIntegration("Fresh"));
  v1::GetSyncHistoryResponse history;
  ASSERT_THAT(History(integration.id(), 0, 0, &history), IsOk());
  EXPECT_THAT(history.logs(), IsEmpty());
  EXPECT_EQ(history.total(), 0);
  EXPECT_EQ(history.page(), 1);
  EXPECT_EQ(history.page_size(), 20);
}

TEST_F(SyncRunsTest, HistoryPagesNewestFirst) {
  v1::Integration integration = ManualOnly("Busy");
  v1::Integration other = ManualOnly("Other");
  std::vector<std::string> expected = InsertFinishedRuns(integration.id(), 45);
  InsertFinishedRuns(other.id(), 3);

  v1::GetSyncHistoryResponse page1;
  ASSERT_THAT(History(integration.id(), 1, 20, &page1), IsOk());
  EXPECT_EQ(page1.total(), 45);
  EXPECT_EQ(page1.page(), 1);
  EXPECT_EQ(page1.page_size(), 20);
  EXPECT_THAT(Ids(page1.logs()), ElementsAreArray(expected.begin(), expected.begin() + 20));

  v1::GetSyncHistoryResponse page2;
  ASSERT_THAT(History(integration.id(), 2, 20, &page2), IsOk());
  EXPECT_EQ(page2.page(), 2);
  EXPECT_THAT(Ids(page2.logs()), ElementsAreArray(expected.begin() + 20, expected.begin() + 40));

  // The last page is partial.
  v1::GetSyncHistoryResponse page3;
  ASSERT_THAT(History(integration.id(), 3, 20, &page3), IsOk());
  EXPECT_EQ(page3.total(), 45);
  EXPECT_EQ(page3.page(), 3);
  EXPECT_THAT(Ids(page3.logs()), ElementsAreArray(expected.begin() + 40, expected.end()));

  // Past the end: no rows, but the total still tells how many there are.
  v1::GetSyncHistoryResponse page4;
  ASSERT_THAT(History(integration.id(), 4, 20, &page4), IsOk());
  EXPECT_THAT(page4.logs(), IsEmpty());
  EXPECT_EQ(page4.total(), 45);
  EXPECT_EQ(page4.page(), 4);
  EXPECT_EQ(page4.page_size(), 20);
}

TEST_F(SyncRunsTest, HistoryDefaultsAndLimits) {
  v1::Integration integration = ManualOnly("Sized");
  std::vector<std::string> expected = InsertFinishedRuns(integration.id(), 25);

  v1::GetSyncHistoryResponse defaults;
  ASSERT_THAT(History(integration.id(), 0, 0, &defaults), IsOk());
  EXPECT_EQ(defaults.page(), 1);
  EXPECT_EQ(defaults.page_size(), 20);
  EXPECT_THAT(Ids(defaults.logs()), ElementsAreArray(expected.begin(), expected.begin() + 20));

  v1::GetSyncHistoryResponse one;
  ASSERT_THAT(History(integration.id(), 7, 1, &one), IsOk());
  EXPECT_EQ(one.page_size(), 1);
  EXPECT_THAT(Ids(one.logs()), ElementsAreArray(expected.begin() + 6, expected.begin() + 7));

  v1::GetSyncHistoryResponse all;
  ASSERT_THAT(History(integration.id(), 1, 100, &all), IsOk());
  EXPECT_EQ(all.page_size(), 100);
  EXPECT_THAT(Ids(all.logs()), ElementsAreArray(expected));
}

TEST_F(SyncRunsTest, HistoryPageFarPastTheEndIsEmpty) {
  v1::Integration integration = ManualOnly("Far");
  InsertFinishedRuns(integration.id(), 2);
  v1::GetSyncHistoryResponse history;
  ASSERT_THAT(History(integration.id(), INT_MAX, 100, &history), IsOk());
  EXPECT_THAT(history.logs(), IsEmpty());
  EXPECT_EQ(history.total(), 2);
  EXPECT_EQ(history.page(), INT_MAX);
}

TEST_F(SyncRunsTest, HistoryRejectsBadPaging) {
  v1::Integration integration = ManualOnly("Strict");
  v1::GetSyncHistoryResponse history;
  EXPECT_THAT(History(integration.id(), -1, 20, &history), IsInvalidArgument("page"));
  EXPECT_THAT(History(integration.id(), 1, -1, &history), IsInvalidArgument("pageSize"));
  EXPECT_THAT(History(integration.id(), 1, 101, &history), IsInvalidArgument("pageSize"));
  grpc::Status both = History(integration.id(), -3, 500, &history);
  EXPECT_EQ(both.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(BadRequestFields(both), UnorderedElementsAre("page", "pageSize")) << Describe(both);
}

TEST_F(SyncRunsTest, HistoryRejectsMalformedIdAndUnknownId) {
  v1::GetSyncHistoryResponse history;
  EXPECT_THAT(History("42", 1, 20, &history), IsInvalidArgument("id"));
  EXPECT_THAT(History(kUnknownId, 1, 20, &history), HasCode(grpc::StatusCode::NOT_FOUND));
}

TEST_F(SyncRunsTest, HistoryShowsEveryFieldOfARun) {
  v1::Integration integration = ManualOnly("Detailed");
  absl::Time created = absl::FromUnixMicros(absl::ToUnixMicros(absl::Now() - absl::Minutes(30)));
  RunRow failed;
  failed.integration_id = integration.id();
  failed.status = "FAILED";
  failed.trigger = "RETRY";
  failed.attempt = 3;
  failed.created_at = created;
  failed.started_at = created + absl::Seconds(1);
  failed.completed_at = created + absl::Milliseconds(3500);
  failed.duration_ms = 2500;
  failed.records_count = 40;
  failed.records_inserted = 10;
  failed.records_updated = 5;
  failed.records_unchanged = 25;
  failed.error_code = "AUTH_FAILED";
  failed.error_message = "401 Unauthorized";
  failed.suggestion = "Check the API key";
  failed.worker_id = "worker-7";
  std::string id = InsertRun(failed);

  v1::GetSyncHistoryResponse history;
  ASSERT_THAT(History(integration.id(), 1, 20, &history), IsOk());
  ASSERT_EQ(history.logs_size(), 1);
  const v1::SyncRun& run = history.logs(0);
  EXPECT_EQ(run.id(), id);
  EXPECT_EQ(run.integration_id(), integration.id());
  EXPECT_EQ(run.status(), v1::SyncRun::FAILED);
  EXPECT_EQ(run.trigger(), v1::SyncRun::RETRY);
  EXPECT_EQ(run.attempt(), 3);
  EXPECT_EQ(ToTime(run.scheduled_for()), created);
  EXPECT_EQ(ToTime(run.created_at()), created);
  EXPECT_EQ(ToTime(run.started_at()), *failed.started_at);
  EXPECT_EQ(ToTime(run.completed_at()), *failed.completed_at);
  ASSERT_TRUE(run.has_duration());
  EXPECT_EQ(run.duration(), 2500);
  EXPECT_EQ(run.records_count(), 40);
  EXPECT_EQ(run.records_inserted(), 10);
  EXPECT_EQ(run.records_updated(), 5);
  EXPECT_EQ(run.records_unchanged(), 25);
  EXPECT_EQ(run.error_code(), "AUTH_FAILED");
  EXPECT_EQ(run.error_message(), "401 Unauthorized");
  EXPECT_EQ(run.suggestion(), "Check the API key");
  EXPECT_EQ(run.worker_id(), "worker-7");
}

// --- GetSyncStatus ---

TEST_F(SyncRunsTest, SyncStatusWithNoRuns) {
  v1::GetSyncStatusResponse status;
  ASSERT_THAT(SyncStatus(0, &status), IsOk());
  EXPECT_THAT(status.recent_runs(), IsEmpty());
  EXPECT_EQ(status.summary().total(), 0);
  EXPECT_EQ(status.summary().successful(), 0);
  EXPECT_EQ(status.summary().failed(), 0);
  EXPECT_EQ(status.summary().in_progress(), 0);
  EXPECT_FALSE(status.summary().has_last_sync_at());
}

TEST_F(SyncRunsTest, SyncStatusSummarisesRunsOfAllIntegrations) {
  v1::Integration a = ManualOnly("A");
  v1::Integration b = ManualOnly("B");
  absl::Time now = absl::FromUnixMicros(absl::ToUnixMicros(absl::Now()));
  auto finished = [&](const v1::Integration& integration, const char* status, absl::Duration ago) {
    return InsertFinishedRun(integration.id(), status, now - ago);
  };
  std::string a1 = finished(a, "SUCCESS", absl::Minutes(60));
  std::string a2 = finished(a, "SUCCESS", absl::Minutes(50));
  std::string a3 = finished(a, "FAILED", absl::Minutes(40));
  std::string a4 = finished(a, "CANCELLED", absl::Minutes(35));
  std::string b1 = finished(b, "SUCCESS", absl::Minutes(30));
  // The newest finished run: it failed, 10 minutes ago plus its 30 seconds.
  std::string b2 = finished(b, "FAILED", absl::Minutes(10));
  std::string b3 = InsertRunningRun(b.id(), now - absl::Minutes(5));
  v1::TriggerSyncResponse triggered;
  ASSERT_THAT(Trigger(a.id(), &triggered), IsOk());
  std::string a5 = triggered.run().id();

  v1::GetSyncStatusResponse status;
  ASSERT_THAT(SyncStatus(0, &status), IsOk());
  EXPECT_THAT(Ids(status.recent_runs()), ElementsAreArray({a5, b3, b2, b1, a4, a3, a2, a1}));
  EXPECT_EQ(status.summary().total(), 8);
  EXPECT_EQ(status.summary().successful(), 3);
  EXPECT_EQ(status.summary().failed(), 2);
  EXPECT_EQ(status.summary().in_progress(), 2);
  ASSERT_TRUE(status.summary().has_last_sync_at());
  EXPECT_EQ(ToTime(status.summary().last_sync_at()), now - absl::Minutes(10) + absl::Seconds(30));
}

TEST_F(SyncRunsTest, SyncStatusLimit) {
  v1::Integration integration = ManualOnly("Many");
  std::vector<std::string> expected = InsertFinishedRuns(integration.id(), 25);

  v1::GetSyncStatusResponse status;
  ASSERT_THAT(SyncStatus(0, &status), IsOk());
  EXPECT_THAT(Ids(status.recent_runs()), ElementsAreArray(expected.begin(), expected.begin() + 20));
  EXPECT_EQ(status.summary().total(), 25);

  ASSERT_THAT(SyncStatus(5, &status), IsOk());
  EXPECT_THAT(Ids(status.recent_runs()), ElementsAreArray(expected.begin(), expected.begin() + 5));
  EXPECT_EQ(status.summary().total(), 25);

  ASSERT_THAT(SyncStatus(1, &status), IsOk());
  EXPECT_THAT(Ids(status.recent_runs()), ElementsAreArray(expected.begin(), expected.begin() + 1));

  ASSERT_THAT(SyncStatus(100, &status), IsOk());
  EXPECT_THAT(Ids(status.recent_runs()), ElementsAreArray(expected));
}

// History retention: sync_service itself deletes the runs that finished before --history_retention, with
// their record batches; newer runs and runs in flight stay, and the summary counts what is left.
class HistoryRetentionTest : public SyncRunsTest {
 protected:
  void ConfigureService(SyncServiceOptions& options) override {
    // Slices of 4 runs: the 10 old runs go in several, one after another.
    options.extra_args = {"--history_retention=24h", "--history_prune_interval=200ms", "--dispatch_batch=4"};
  }

  int BatchesOf(const std::string& run_id) {
    pqxx::work tx(Sql());
    return tx.exec_params1("SELECT count(*) FROM sync_run_batches WHERE run_id = $1", run_id)[0].as<int>();
  }
  void AddBatch(const std::string& run_id) {
    pqxx::work tx(Sql());
    tx.exec_params(
        "INSERT INTO sync_run_batches (run_id, sequence, inserted, updated, unchanged) "
        "VALUES ($1, 1, 5, 0, 0)",
        run_id);
    tx.commit();
  }
};

TEST_F(HistoryRetentionTest, RunsFinishedBeforeTheRetentionGoWithTheirBatches) {
  v1::Integration integration = ManualOnly("Kept a day");
  const absl::Time now = absl::FromUnixMicros(absl::ToUnixMicros(absl::Now()));
  auto finished = [&](const char* status, absl::Duration ago) {
    return InsertFinishedRun(integration.id(), status, now - ago);
  };
  std::vector<std::string> old_ids;
  for (int i = 0; i < 10; ++i)
    old_ids.push_back(finished(i % 2 == 0 ? "SUCCESS" : "FAILED", absl::Hours(48 + i)));
  const std::vector<std::string> recent_ids = {finished("FAILED", absl::Hours(2)),
                                               finished("SUCCESS", absl::Hours(1))};
  // Started two days ago and still running (a slow sync): in flight, so kept whatever its age.
  const std::string running_id = InsertRunningRun(integration.id(), now - absl::Hours(50));
  AddBatch(old_ids.front());
  AddBatch(recent_ids.front());

  // The prune runs every 200 ms, a slice of 4 runs at a time.
  std::vector<std::string> left;
  for (const absl::Time give_up = absl::Now() + absl::Seconds(20); absl::Now() < give_up;) {
    v1::GetSyncHistoryResponse page;
    ASSERT_THAT(History(integration.id(), 1, 100, &page), IsOk());
    left = Ids(page.logs());
    if (left.size() == 3) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_THAT(left, ElementsAre(recent_ids[1], recent_ids[0], running_id));  // newest first
  EXPECT_EQ(BatchesOf(old_ids.front()), 0);
  EXPECT_EQ(BatchesOf(recent_ids.front()), 1);

  v1::GetSyncStatusResponse status;
  ASSERT_THAT(SyncStatus(0, &status), IsOk());
  EXPECT_EQ(status.summary().total(), 3);
  EXPECT_EQ(status.summary().successful(), 1);
  EXPECT_EQ(status.summary().failed(), 1);
  EXPECT_EQ(status.summary().in_progress(), 1);
}

TEST_F(SyncRunsTest, SyncStatusRejectsBadLimit) {
  v1::GetSyncStatusResponse status;
  EXPECT_THAT(SyncStatus(-1, &status), IsInvalidArgument("limit"));
  EXPECT_THAT(SyncStatus(101, &status), IsInvalidArgument("limit"));
}

}  // namespace
}  // namespace syncd::testing
