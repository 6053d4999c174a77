#include "sync_service/schedule/sync_time.h"

#include <gtest/gtest.h>

namespace syncd::schedule {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

TEST(NextSyncTimeTest, NeverSyncedIsDueNow) { EXPECT_EQ(NextSyncTime(3600, true, std::nullopt, kNow), kNow); }

TEST(NextSyncTimeTest, OneIntervalAfterLastSync) {
  EXPECT_EQ(NextSyncTime(900, true, kNow - absl::Minutes(5), kNow), kNow + absl::Minutes(10));
}

TEST(NextSyncTimeTest, OverdueStaysInThePastMeaningDueNow) {
  EXPECT_EQ(NextSyncTime(300, true, kNow - absl::Hours(2), kNow), kNow - absl::Hours(2) + absl::Minutes(5));
}

TEST(NextSyncTimeTest, PausedOrManualOnlyHasNoNextSync) {
  EXPECT_EQ(NextSyncTime(3600, false, kNow, kNow), std::nullopt);
  EXPECT_EQ(NextSyncTime(std::nullopt, true, kNow, kNow), std::nullopt);
}

}  // namespace
}  // namespace syncd::schedule
