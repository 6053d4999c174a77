#include "sync_service/schedule/concurrency_limits.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace syncd::schedule {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(StrictestTest, ZeroIsUnlimited) {
  EXPECT_EQ(Strictest(0, 0), 0);
  EXPECT_EQ(Strictest(0, 5), 5);
  EXPECT_EQ(Strictest(5, 0), 5);
  EXPECT_EQ(Strictest(5, 3), 3);
  EXPECT_EQ(Strictest(3, 5), 3);
  EXPECT_EQ(Strictest(-1, 4), 4);
  EXPECT_EQ(Strictest(ConcurrencyLimits{10, 0}, ConcurrencyLimits{0, 2}), (ConcurrencyLimits{10, 2}));
  EXPECT_EQ(Strictest(ConcurrencyLimits{10, 4}, ConcurrencyLimits{20, 2}), (ConcurrencyLimits{10, 2}));
}

TEST(ClaimRoomTest, UnlimitedGivesEverySlot) {
  ClaimRoom room({}, {.total = 1000, .by_host = {{"a", 1000}}});
  EXPECT_EQ(room.Slots(512), 512);
  EXPECT_THAT(room.FullHosts(), IsEmpty());
  EXPECT_FALSE(room.GloballyFull());
}

TEST(ClaimRoomTest, GlobalLimitLeavesTheRoomThatIsLeft) {
  ClaimRoom room({.max_concurrent_syncs = 5}, {.total = 3, .by_host = {}});
  EXPECT_EQ(room.Slots(10), 2);
  EXPECT_EQ(room.Slots(1), 1);
  EXPECT_EQ(room.Slots(0), 0);
  EXPECT_FALSE(room.GloballyFull());
  room.Started(std::nullopt);
  room.Started("api.example.com");
  EXPECT_EQ(room.Slots(10), 0);
  EXPECT_TRUE(room.GloballyFull());
}

TEST(ClaimRoomTest, MoreRunningThanTheLimitGivesNoRoom) {
  // A limit lowered while more syncs run: none is stopped, none starts.
  ClaimRoom room({.max_concurrent_syncs = 2}, {.total = 7, .by_host = {}});
  EXPECT_EQ(room.Slots(4), 0);
  EXPECT_TRUE(room.GloballyFull());
}

TEST(ClaimRoomTest, HostsAtTheirLimitAreFull) {
  ClaimRoom room({.max_concurrent_syncs_per_host = 2}, {.total = 4, .by_host = {{"a", 2}, {"b", 1}}});
  EXPECT_EQ(room.Slots(8), 8);
  EXPECT_THAT(room.FullHosts(), ElementsAre("a"));
  room.Started("b");
  room.Started("c");
  EXPECT_THAT(room.FullHosts(), ElementsAre("a", "b"));
  EXPECT_EQ(room.running().total, 6);
  EXPECT_EQ(room.running().by_host.at("c"), 1);
  EXPECT_FALSE(room.GloballyFull());
}

}  // namespace
}  // namespace syncd::schedule
