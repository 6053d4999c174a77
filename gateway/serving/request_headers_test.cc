#include "gateway/serving/request_headers.h"

#include <gtest/gtest.h>

#include <random>

namespace syncd::gateway::serving {
namespace {

TEST(ParseGrpcTimeoutTest, ReadsEveryUnit) {
  EXPECT_EQ(ParseGrpcTimeout("2H"), absl::Hours(2));
  EXPECT_EQ(ParseGrpcTimeout("3M"), absl::Minutes(3));
  EXPECT_EQ(ParseGrpcTimeout("5S"), absl::Seconds(5));
  EXPECT_EQ(ParseGrpcTimeout("1500m"), absl::Milliseconds(1500));
  EXPECT_EQ(ParseGrpcTimeout("7u"), absl::Microseconds(7));
  EXPECT_EQ(ParseGrpcTimeout("9n"), absl::Nanoseconds(9));
}

TEST(ParseGrpcTimeoutTest, RejectsMalformed) {
  for (const char* bad : {"", "S", "5", "5s", "-5S", "0S", "123456789S", "1.5S", " 5S"}) {
    EXPECT_FALSE(ParseGrpcTimeout(bad).has_value()) << bad;
  }
}

TEST(RequestIdTest, AcceptsVisibleAsciiAndGeneratesHex) {
  EXPECT_TRUE(AcceptableRequestId("req-123_abc"));
  EXPECT_FALSE(AcceptableRequestId(""));
  EXPECT_FALSE(AcceptableRequestId("has space"));
  EXPECT_FALSE(AcceptableRequestId("line\nbreak"));
  EXPECT_FALSE(AcceptableRequestId(std::string(129, 'a')));
  std::mt19937_64 gen(42);
  const std::string id = NewRequestId(gen);
  EXPECT_EQ(id.size(), 32u);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(id, NewRequestId(gen));
}

}  // namespace
}  // namespace syncd::gateway::serving
