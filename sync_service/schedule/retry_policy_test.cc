#include "sync_service/schedule/retry_policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace syncd::schedule {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const absl::Time kDone = absl::FromUnixSeconds(1'800'000'000);

double NoJitter() { return 0; }

RunFinish Failure(std::string code = "SERVER_ERROR") {
  RunFinish f;
  f.completed_at = kDone;
  f.error_code = std::move(code);
  f.error_message = "GET https://api.example.com returned 502";
  f.suggestion = "Check the service status page.";
  return f;
}

TEST(RetryPolicyTest, SuccessSchedulesOneIntervalAfterCompletionAndResetsRetries) {
  RunFinish ok;
  ok.success = true;
  ok.completed_at = kDone;
  ScheduleAfterRun next = AfterRun({3600, true, 2}, ok, RetryPolicy{}, NoJitter);
  EXPECT_EQ(next.next_sync_at, kDone + absl::Hours(1));
  EXPECT_EQ(next.retry_count, 0);
  EXPECT_TRUE(next.sync_enabled);
  EXPECT_FALSE(next.paused_reason.has_value());
}

TEST(RetryPolicyTest, SuccessOfManualOnlyHasNoNextSync) {
  RunFinish ok;
  ok.success = true;
  ok.completed_at = kDone;
  EXPECT_EQ(AfterRun({std::nullopt, true, 0}, ok, RetryPolicy{}, NoJitter).next_sync_at, std::nullopt);
}

TEST(RetryPolicyTest, BacksOffOneTwoFourMinutesThenPauses) {
  RetryPolicy policy;
  ScheduleState state{3600, true, 0};
  const absl::Duration expected[] = {absl::Minutes(1), absl::Minutes(2), absl::Minutes(4)};
  for (absl::Duration delay : expected) {
    ScheduleAfterRun next = AfterRun(state, Failure(), policy, NoJitter);
    ASSERT_TRUE(next.sync_enabled);
    EXPECT_EQ(next.next_sync_at, kDone + delay);
    state.retry_count = next.retry_count;
  }
  ScheduleAfterRun paused = AfterRun(state, Failure(), policy, NoJitter);
  EXPECT_FALSE(paused.sync_enabled);
  EXPECT_EQ(paused.next_sync_at, std::nullopt);
  EXPECT_EQ(paused.retry_count, 4);
  ASSERT_TRUE(paused.paused_reason.has_value());
  EXPECT_THAT(*paused.paused_reason, HasSubstr("4 failed attempts"));
  EXPECT_THAT(*paused.paused_reason, HasSubstr("SERVER_ERROR"));
  EXPECT_THAT(*paused.paused_reason, HasSubstr("returned 502"));
  EXPECT_THAT(*paused.paused_reason, HasSubstr("Check the service status page."));
}

// The reason tells the admin to resume once: after a suggestion that already says so, nothing is added.
TEST(RetryPolicyTest, PauseReasonSaysResumeOnce) {
  RunFinish finish = Failure("AUTH_FAILED");
  finish.suggestion = "Create a new token, update the integration, then resume the schedule.";
  ScheduleAfterRun next = AfterRun({3600, true, 0}, finish, RetryPolicy{}, NoJitter);
  ASSERT_TRUE(next.paused_reason.has_value());
  EXPECT_THAT(*next.paused_reason, HasSubstr("then resume the schedule."));
  EXPECT_THAT(*next.paused_reason, Not(HasSubstr("Resume the schedule once it is fixed.")));

  finish.suggestion = "Check the token.";
  next = AfterRun({3600, true, 0}, finish, RetryPolicy{}, NoJitter);
  ASSERT_TRUE(next.paused_reason.has_value());
  EXPECT_THAT(*next.paused_reason, HasSubstr("Check the token. Resume the schedule once it is fixed."));
}

TEST(RetryPolicyTest, JitterStretchesTheDelayWithinItsShare) {
  RetryPolicy policy;
  policy.jitter = 0.1;
  ScheduleAfterRun next = AfterRun({3600, true, 1}, Failure(), policy, [] { return 0.5; });
  EXPECT_EQ(next.next_sync_at, kDone + absl::Minutes(2) + absl::Seconds(6));
}

TEST(RetryPolicyTest, ConfigurableBaseAndRetries) {
  RetryPolicy policy;
  policy.base_delay = absl::Seconds(2);
  policy.max_retries = 1;
  EXPECT_EQ(AfterRun({60, true, 0}, Failure(), policy, NoJitter).next_sync_at, kDone + absl::Seconds(2));
  EXPECT_FALSE(AfterRun({60, true, 1}, Failure(), policy, NoJitter).sync_enabled);
}

TEST(RetryPolicyTest, PermanentErrorsPauseAtOnce) {
  for (const char* code : {"AUTH_FAILED", "CONFIG_INVALID", "NOT_FOUND"}) {
    ScheduleAfterRun next = AfterRun({3600, true, 0}, Failure(code), RetryPolicy{}, NoJitter);
    EXPECT_FALSE(next.sync_enabled) << code;
    EXPECT_EQ(next.next_sync_at, std::nullopt) << code;
    ASSERT_TRUE(next.paused_reason.has_value());
    EXPECT_THAT(*next.paused_reason, HasSubstr("retrying cannot fix"));
  }
}

// Everything else an HTTP_JSON sync can fail with may go away by itself: it retries with backoff.
TEST(RetryPolicyTest, TransientErrorsRetry) {
  for (const char* code : {"TIMEOUT", "DNS", "CONNECTION_REFUSED", "TLS", "RATE_LIMITED", "SERVER_ERROR",
                           "BAD_RESPONSE", "WORKER_LOST", "INTERNAL"}) {
    EXPECT_FALSE(IsPermanentError(code)) << code;
    ScheduleAfterRun next = AfterRun({3600, true, 0}, Failure(code), RetryPolicy{}, NoJitter);
    EXPECT_TRUE(next.sync_enabled) << code;
    EXPECT_EQ(next.next_sync_at, kDone + absl::Minutes(1)) << code;
  }
}

TEST(RetryPolicyTest, RateLimitedWaitsForRetryAfter) {
  RunFinish f = Failure("RATE_LIMITED");
  f.retry_after = kDone + absl::Seconds(30);
  EXPECT_EQ(AfterRun({3600, true, 0}, f, RetryPolicy{}, NoJitter).next_sync_at, kDone + absl::Seconds(30));
}

TEST(RetryPolicyTest, FailureOfPausedIntegrationStaysPausedWithoutRetry) {
  ScheduleAfterRun next = AfterRun({3600, false, 0}, Failure(), RetryPolicy{}, NoJitter);
  EXPECT_FALSE(next.sync_enabled);
  EXPECT_EQ(next.next_sync_at, std::nullopt);
  EXPECT_FALSE(next.paused_reason.has_value());
}

TEST(RetryPolicyTest, FailureOfManualOnlyNeitherRetriesNorPauses) {
  for (const char* code : {"SERVER_ERROR", "AUTH_FAILED", "RATE_LIMITED"}) {
    SCOPED_TRACE(code);
    RunFinish f = Failure(code);
    f.retry_after = kDone + absl::Seconds(30);
    ScheduleAfterRun next = AfterRun({std::nullopt, true, 3}, f, RetryPolicy{}, NoJitter);
    EXPECT_EQ(next.next_sync_at, std::nullopt);
    EXPECT_TRUE(next.sync_enabled);
    EXPECT_FALSE(next.paused_reason.has_value());
    EXPECT_EQ(next.retry_count, 4);
  }
}

}  // namespace
}  // namespace syncd::schedule
