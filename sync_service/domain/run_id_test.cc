#include "sync_service/domain/run_id.h"

#include <set>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sync_service/domain/validation.h"

namespace syncd::domain {
namespace {

TEST(RunIdTest, IsACanonicalVersion7Uuid) {
  absl::BitGen gen;
  const std::string id = NewRunId(absl::FromUnixMillis(1732406400123), gen);
  EXPECT_TRUE(IsUuid(id)) << id;
  ASSERT_EQ(id.size(), 36u);
  // 1732406400123 ms = 0x01935b77d47b: the first 48 bits.
  EXPECT_EQ(id.substr(0, 13), "01935b77-d47b");
  EXPECT_EQ(id[14], '7');                                                   // version
  EXPECT_THAT(std::string(1, id[19]), testing::AnyOf("8", "9", "a", "b"));  // variant 10
  EXPECT_EQ(id, absl::AsciiStrToLower(id));
}

TEST(RunIdTest, LaterIdsSortLaterAndIdsDoNotRepeat) {
  absl::BitGen gen;
  std::set<std::string> ids;
  std::string previous;
  for (int i = 0; i < 10000; ++i) {
    const std::string id = NewRunId(absl::FromUnixMillis(1732406400000 + i), gen);
    EXPECT_LT(previous, id);
    previous = id;
    ids.insert(id);
    ids.insert(NewRunId(absl::FromUnixMillis(1732406400000 + i), gen));  // the same millisecond
  }
  EXPECT_EQ(ids.size(), 20000u);
}

}  // namespace
}  // namespace syncd::domain
