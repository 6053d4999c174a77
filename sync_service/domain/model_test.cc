#include "sync_service/domain/model.h"

#include <gtest/gtest.h>

namespace syncd::domain {
namespace {

TEST(ModelTest, NamesRoundTrip) {
  for (auto s : {RunStatus::kPending, RunStatus::kRunning, RunStatus::kSuccess, RunStatus::kFailed,
                 RunStatus::kCancelled}) {
    EXPECT_EQ(ParseRunStatus(Name(s)), s);
  }
  for (auto t : {RunTrigger::kScheduled, RunTrigger::kManual, RunTrigger::kRetry}) {
    EXPECT_EQ(ParseRunTrigger(Name(t)), t);
  }
  EXPECT_EQ(Name(IntegrationType::kHttpJson), "HTTP_JSON");
  EXPECT_EQ(ParseIntegrationType("DEMO"), IntegrationType::kDemo);
  EXPECT_EQ(ParseIntegrationType("demo"), std::nullopt);
}

TEST(ModelTest, StatusFollowsTheFacts) {
  Integration i;
  i.sync_interval_seconds = 3600;
  EXPECT_EQ(StatusOf(i), IntegrationStatus::kActive);
  i.retry_count = 2;
  i.next_sync_at = absl::FromUnixSeconds(1'800'000'000);
  EXPECT_EQ(StatusOf(i), IntegrationStatus::kRetrying);
  i.has_active_run = true;
  EXPECT_EQ(StatusOf(i), IntegrationStatus::kSyncing);
  i.has_active_run = false;
  i.sync_enabled = false;
  EXPECT_EQ(StatusOf(i), IntegrationStatus::kPaused);
  i.sync_enabled = true;
  i.sync_interval_seconds.reset();
  i.retry_count = 0;
  i.next_sync_at.reset();
  EXPECT_EQ(StatusOf(i), IntegrationStatus::kManualOnly);
}

}  // namespace
}  // namespace syncd::domain
