// When integrations are due and what status they show: intervals, manual-only, pausing and resuming
// (UpdateSyncSettings), and the next scheduled sync that GetWorkerStatus reports.

#include "tests/integration/sync_service_fixture.h"

namespace syncd::testing {
namespace {

using ::testing::IsEmpty;

class SyncScheduleTest : public SyncServiceTest {
 protected:
  v1::UpdateSyncSettingsRequest Settings(const std::string& id) {
    v1::UpdateSyncSettingsRequest request;
    request.set_id(id);
    return request;
  }

  v1::Integration MustUpdateSettings(const v1::UpdateSyncSettingsRequest& request) {
    v1::Integration updated;
    grpc::Status status = UpdateSettings(request, &updated);
    EXPECT_TRUE(status.ok()) << "UpdateSyncSettings(" << request.ShortDebugString()
                             << "): " << Describe(status);
    return updated;
  }

  // Records a finished successful sync at `when`, as a worker would have left it.
  void SetLastSync(const std::string& id, absl::Time when) {
    pqxx::work tx(Sql());
    tx.exec_params(
        "UPDATE integrations SET last_sync_at = $2::timestamptz, last_sync_status = 'SUCCESS' WHERE id = $1",
        id, absl::FormatTime("%Y-%m-%d %H:%M:%E6S+00", when, absl::UTCTimeZone()));
    tx.commit();
  }
};

TEST_F(SyncScheduleTest, ManualOnlyIntegrationHasNoNextSync) {
  v1::Integration integration = DemoIntegration("By hand");
  *integration.mutable_sync_interval() = NullValue();
  v1::Integration created = MustCreate(integration);

  for (const v1::Integration& seen : {created, MustGet(created.id())}) {
    EXPECT_EQ(seen.sync_interval().kind_case(), google::protobuf::Value::kNullValue)
        << seen.ShortDebugString();
    EXPECT_EQ(seen.status(), v1::Integration::MANUAL_ONLY);
    EXPECT_FALSE(seen.has_next_sync_at()) << seen.ShortDebugString();
    EXPECT_TRUE(seen.sync_enabled());
  }
}

TEST_F(SyncScheduleTest, IntegrationCreatedDisabledIsPaused) {
  v1::Integration integration = DemoIntegration("Off");
  integration.set_sync_enabled(false);
  v1::Integration created = MustCreate(integration);
  EXPECT_EQ(created.status(), v1::Integration::PAUSED);
  EXPECT_FALSE(created.sync_enabled());
  EXPECT_FALSE(created.has_next_sync_at());
  EXPECT_EQ(created.sync_interval().number_value(), 3600);
}

TEST_F(SyncScheduleTest, PauseClearsNextSyncAndResumeMakesANeverSyncedIntegrationDueNow) {
  v1::Integration created = MustCreate(DemoIntegration("Toggle"));
  ASSERT_TRUE(created.has_next_sync_at());

  v1::UpdateSyncSettingsRequest pause = Settings(created.id());
  pause.set_sync_enabled(false);
  v1::Integration paused = MustUpdateSettings(pause);
  EXPECT_FALSE(paused.sync_enabled());
  EXPECT_EQ(paused.status(), v1::Integration::PAUSED);
  EXPECT_FALSE(paused.has_next_sync_at()) << paused.ShortDebugString();
  EXPECT_EQ(paused.sync_interval().number_value(), 3600);
  v1::Integration read = MustGet(created.id());
  EXPECT_EQ(read.status(), v1::Integration::PAUSED);
  EXPECT_FALSE(read.has_next_sync_at());

  v1::UpdateSyncSettingsRequest resume = Settings(created.id());
  resume.set_sync_enabled(true);
  absl::Time before = absl::Now();
  v1::Integration resumed = MustUpdateSettings(resume);
  EXPECT_TRUE(resumed.sync_enabled());
  EXPECT_EQ(resumed.status(), v1::Integration::ACTIVE);
  ASSERT_TRUE(resumed.has_next_sync_at()) << resumed.ShortDebugString();
  EXPECT_THAT(ToTime(resumed.next_sync_at()), IsNear(before, kNowTolerance));
  EXPECT_EQ(MustGet(created.id()).next_sync_at().SerializeAsString(),
            resumed.next_sync_at().SerializeAsString());
}

TEST_F(SyncScheduleTest, ResumeCountsTheIntervalFromTheLastSync) {
  v1::Integration created = MustCreate(DemoIntegration("Synced before"));
  v1::UpdateSyncSettingsRequest pause = Settings(created.id());
  pause.set_sync_enabled(false);
  MustUpdateSettings(pause);
  absl::Time last_sync = absl::Now() - absl::Minutes(10);
  SetLastSync(created.id(), last_sync);

  v1::UpdateSyncSettingsRequest resume = Settings(created.id());
  resume.set_sync_enabled(true);
  v1::Integration resumed = MustUpdateSettings(resume);
  ASSERT_TRUE(resumed.has_next_sync_at());
  EXPECT_THAT(ToTime(resumed.next_sync_at()), IsNear(last_sync + absl::Hours(1), absl::Seconds(1)));
  EXPECT_THAT(ToTime(resumed.last_sync()), IsNear(last_sync, absl::Milliseconds(1)));
  EXPECT_EQ(resumed.last_sync_status(), v1::SyncRun::SUCCESS);
}

TEST_F(SyncScheduleTest, NewIntervalOfANeverSyncedIntegrationKeepsItDueNow) {
  v1::Integration created = MustCreate(DemoIntegration("Faster"));
  v1::UpdateSyncSettingsRequest faster = Settings(created.id());
  *faster.mutable_sync_interval() = NumberValue(120);
  absl::Time before = absl::Now();
  v1::Integration updated = MustUpdateSettings(faster);
  EXPECT_EQ(updated.sync_interval().number_value(), 120);
  EXPECT_TRUE(updated.sync_enabled());
  EXPECT_EQ(updated.status(), v1::Integration::ACTIVE);
  ASSERT_TRUE(updated.has_next_sync_at());
  EXPECT_THAT(ToTime(updated.next_sync_at()), IsNear(before, kNowTolerance));
  EXPECT_EQ(MustGet(created.id()).sync_interval().number_value(), 120);
}

TEST_F(SyncScheduleTest, NewIntervalCountsFromTheLastSync) {
  v1::Integration created = MustCreate(DemoIntegration("Slower"));
  absl::Time last_sync = absl::Now() - absl::Minutes(10);
  SetLastSync(created.id(), last_sync);

  v1::UpdateSyncSettingsRequest slower = Settings(created.id());
  *slower.mutable_sync_interval() = NumberValue(7200);
  v1::Integration updated = MustUpdateSettings(slower);
  ASSERT_TRUE(updated.has_next_sync_at());
  EXPECT_THAT(ToTime(updated.next_sync_at()), IsNear(last_sync + absl::Hours(2), absl::Seconds(1)));

  // The same rule through UpdateIntegration.
  v1::Integration changes;
  *changes.mutable_sync_interval() = NumberValue(1800);
  v1::Integration changed;
  ASSERT_THAT(Update(created.id(), changes, &changed), IsOk());
  ASSERT_TRUE(changed.has_next_sync_at());
  EXPECT_THAT(ToTime(changed.next_sync_at()), IsNear(last_sync + absl::Minutes(30), absl::Seconds(1)));
}

TEST_F(SyncScheduleTest, NullIntervalMakesItManualOnlyAndANumberSchedulesItAgain) {
  v1::Integration created = MustCreate(DemoIntegration("Switch"));

  v1::UpdateSyncSettingsRequest manual = Settings(created.id());
  *manual.mutable_sync_interval() = NullValue();
  v1::Integration manual_only = MustUpdateSettings(manual);
  EXPECT_EQ(manual_only.sync_interval().kind_case(), google::protobuf::Value::kNullValue);
  EXPECT_EQ(manual_only.status(), v1::Integration::MANUAL_ONLY);
  EXPECT_FALSE(manual_only.has_next_sync_at());
  EXPECT_TRUE(manual_only.sync_enabled());

  v1::UpdateSyncSettingsRequest scheduled = Settings(created.id());
  *scheduled.mutable_sync_interval() = NumberValue(300);
  absl::Time before = absl::Now();
  v1::Integration again = MustUpdateSettings(scheduled);
  EXPECT_EQ(again.sync_interval().number_value(), 300);
  EXPECT_EQ(again.status(), v1::Integration::ACTIVE);
  ASSERT_TRUE(again.has_next_sync_at());
  EXPECT_THAT(ToTime(again.next_sync_at()), IsNear(before, kNowTolerance));
}

TEST_F(SyncScheduleTest, SettingsLeftOutStayUnchanged) {
  v1::Integration integration = DemoIntegration("Steady");
  *integration.mutable_sync_interval() = NumberValue(900);
  v1::Integration created = MustCreate(integration);

  v1::Integration same = MustUpdateSettings(Settings(created.id()));
  EXPECT_EQ(same.sync_interval().number_value(), 900);
  EXPECT_TRUE(same.sync_enabled());
  EXPECT_EQ(same.next_sync_at().SerializeAsString(), created.next_sync_at().SerializeAsString());

  v1::UpdateSyncSettingsRequest pause = Settings(created.id());
  pause.set_sync_enabled(false);
  EXPECT_EQ(MustUpdateSettings(pause).sync_interval().number_value(), 900);
}

TEST_F(SyncScheduleTest, UpdateSyncSettingsRejectsBadIntervalsAndChangesNothing) {
  v1::Integration created = MustCreate(DemoIntegration("Guarded"));
  google::protobuf::Value list;
  list.mutable_list_value()->add_values()->set_number_value(600);
  for (const google::protobuf::Value& value : {NumberValue(59), NumberValue(604801), NumberValue(90.5),
                                               NumberValue(-1), StringValue("600"), BoolValue(false), list}) {
    v1::UpdateSyncSettingsRequest request = Settings(created.id());
    *request.mutable_sync_interval() = value;
    request.set_sync_enabled(false);
    v1::Integration updated;
    EXPECT_THAT(UpdateSettings(request, &updated), IsInvalidArgument("syncInterval"))
        << value.ShortDebugString();
  }
  v1::Integration read = MustGet(created.id());
  EXPECT_EQ(read.SerializeAsString(), created.SerializeAsString())
      << "created: " << created.ShortDebugString() << "\nread: " << read.ShortDebugString();
}

TEST_F(SyncScheduleTest, UpdateSyncSettingsRejectsMalformedIdAndUnknownId) {
  v1::Integration updated;
  v1::UpdateSyncSettingsRequest request = Settings("x");
  request.set_sync_enabled(false);
  EXPECT_THAT(UpdateSettings(request, &updated), IsInvalidArgument("id"));
  request.set_id(kUnknownId);
  EXPECT_THAT(UpdateSettings(request, &updated), HasCode(grpc::StatusCode::NOT_FOUND));
}

TEST_F(SyncScheduleTest, FailedSyncWithRetryScheduledShowsRetrying) {
  v1::Integration created = MustCreate(DemoIntegration("Flaky"));
  {
    pqxx::work tx(Sql());
    tx.exec_params(
        "UPDATE integrations SET retry_count = 2, last_sync_status = 'FAILED', last_sync_error = 'timed "
        "out', "
        "last_sync_at = now(), next_sync_at = now() + interval '5 minutes' WHERE id = $1",
        created.id());
    tx.commit();
  }
  v1::Integration read = MustGet(created.id());
  EXPECT_EQ(read.status(), v1::Integration::RETRYING);
  EXPECT_EQ(read.retry_count(), 2);
  EXPECT_EQ(read.last_sync_status(), v1::SyncRun::FAILED);
  EXPECT_EQ(read.last_sync_error(), "timed out");
  EXPECT_TRUE(read.has_last_sync());
}

TEST_F(SyncScheduleTest, WorkerStatusWithNothingScheduled) {
  v1::GetWorkerStatusResponse response;
  ASSERT_THAT(WorkerStatus(&response), IsOk());
  EXPECT_THAT(response.workers(), IsEmpty());
  EXPECT_FALSE(response.has_next_scheduled_sync_at());
}

TEST_F(SyncScheduleTest, WorkerStatusReportsTheEarliestNextSyncOfEnabledIntegrations) {
  v1::Integration first = MustCreate(DemoIntegration("First"));
  v1::Integration second = MustCreate(DemoIntegration("Second"));
  v1::Integration manual = DemoIntegration("Manual");
  *manual.mutable_sync_interval() = NullValue();
  MustCreate(manual);
  // Make the later-created one the earliest, so the answer is not simply the first row.
  {
    pqxx::work tx(Sql());
    tx.exec_params("UPDATE integrations SET next_sync_at = now() + interval '10 minutes' WHERE id = $1",
                   second.id());
    tx.exec_params("UPDATE integrations SET next_sync_at = now() + interval '1 hour' WHERE id = $1",
                   first.id());
    tx.commit();
  }
  v1::GetWorkerStatusResponse response;
  ASSERT_THAT(WorkerStatus(&response), IsOk());
  EXPECT_THAT(response.workers(), IsEmpty());
  ASSERT_TRUE(response.has_next_scheduled_sync_at());
  EXPECT_EQ(response.next_scheduled_sync_at().SerializeAsString(),
            MustGet(second.id()).next_sync_at().SerializeAsString());

  // Paused, it no longer counts.
  v1::UpdateSyncSettingsRequest pause;
  pause.set_id(second.id());
  pause.set_sync_enabled(false);
  MustUpdateSettings(pause);
  ASSERT_THAT(WorkerStatus(&response), IsOk());
  ASSERT_TRUE(response.has_next_scheduled_sync_at());
  EXPECT_EQ(response.next_scheduled_sync_at().SerializeAsString(),
            MustGet(first.id()).next_sync_at().SerializeAsString());

  pause.set_id(first.id());
  MustUpdateSettings(pause);
  ASSERT_THAT(WorkerStatus(&response), IsOk());
  EXPECT_FALSE(response.has_next_scheduled_sync_at()) << response.ShortDebugString();
}

}  // namespace
}  // namespace syncd::testing
