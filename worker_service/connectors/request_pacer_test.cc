#include "worker_service/connectors/request_pacer.h"

#include <gtest/gtest.h>

namespace syncd::worker {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

TEST(RequestPacerTest, SpreadsRequestsEvenlyOverTheMinute) {
  RequestPacer pacer(60);
  EXPECT_EQ(pacer.WaitBeforeNext(kT0), absl::ZeroDuration());  // the first request goes at once
  pacer.Sent(kT0);
  EXPECT_EQ(pacer.WaitBeforeNext(kT0), absl::Seconds(1));
  EXPECT_EQ(pacer.WaitBeforeNext(kT0 + absl::Milliseconds(400)), absl::Milliseconds(600));
  EXPECT_EQ(pacer.WaitBeforeNext(kT0 + absl::Seconds(5)),
            absl::ZeroDuration());  // slow pages wait for nothing
  pacer.Sent(kT0 + absl::Seconds(5));
  EXPECT_EQ(pacer.WaitBeforeNext(kT0 + absl::Seconds(5)), absl::Seconds(1));
}

TEST(RequestPacerTest, NeverMoreThanTheLimitInAnyMinute) {
  // A client that sends as soon as it may: any 60 s window holds at most max_per_minute starts.
  for (int limit : {1, 7, 60, 600}) {
    RequestPacer pacer(limit);
    std::vector<absl::Time> sent;
    absl::Time now = kT0;
    for (int i = 0; i < 3 * limit + 2; ++i) {
      now += pacer.WaitBeforeNext(now);
      pacer.Sent(now);
      sent.push_back(now);
    }
    for (size_t i = 0; i + limit < sent.size(); ++i) {
      EXPECT_GE(sent[i + limit] - sent[i], absl::Minutes(1)) << "limit " << limit << " at request " << i;
    }
  }
}

TEST(RequestPacerTest, LimitBelowOneMeansOne) {
  RequestPacer pacer(0);
  EXPECT_EQ(pacer.interval(), absl::Minutes(1));
}

TEST(RetryAfterTest, Seconds) {
  EXPECT_EQ(ParseRetryAfter("120", kT0), kT0 + absl::Seconds(120));
  EXPECT_EQ(ParseRetryAfter(" 0 ", kT0), kT0);
  // Absurd waits are capped at a day.
  EXPECT_EQ(ParseRetryAfter("99999999999999999999", kT0), kT0 + absl::Hours(24));
}

TEST(RetryAfterTest, HttpDate) {
  const absl::Time date = absl::FromCivil(absl::CivilSecond(2015, 10, 21, 7, 28, 0), absl::UTCTimeZone());
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", date - absl::Seconds(30)), date);
  // A date already past means now.
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", date + absl::Hours(1)), date + absl::Hours(1));
}

TEST(RetryAfterTest, HttpDateFarAheadIsCappedAtADay) {
  const absl::Time now = absl::FromCivil(absl::CivilSecond(2015, 10, 21, 7, 28, 0), absl::UTCTimeZone());
  EXPECT_EQ(ParseRetryAfter("Fri, 31 Dec 9999 23:59:59 GMT", now), now + absl::Hours(24));
  EXPECT_EQ(ParseRetryAfter("Thu, 22 Oct 2015 07:28:01 GMT", now), now + absl::Hours(24));
  // Just under a day ahead is kept as sent.
  EXPECT_EQ(ParseRetryAfter("Thu, 22 Oct 2015 07:27:59 GMT", now), now + absl::Hours(24) - absl::Seconds(1));
}

TEST(RetryAfterTest, Garbage) {
  EXPECT_EQ(ParseRetryAfter("", kT0), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("-5", kT0), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("soon", kT0), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("1.5", kT0), std::nullopt);
}

}  // namespace
}  // namespace syncd::worker
