// What happens to an integration's schedule when one of its runs finishes: the next scheduled sync after a
// success, a retry with exponential backoff after a failure, or a pause when retrying cannot help.
//
//   RetryPolicy policy;  // 1, 2, 4 minutes, then pause
//   ScheduleAfterRun next = AfterRun(state, finish, policy, jitter);
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/time/time.h"

namespace syncd::schedule {

struct RetryPolicy {
  // Delay before the first retry; each further retry doubles it.
  absl::Duration base_delay = absl::Minutes(1);
  // Retries after the first failure before the schedule pauses (1, 2, 4 minutes with the defaults).
  int max_retries = 3;
  // Each retry delay is stretched by a random share of itself up to this fraction, so integrations that
  // failed together do not all retry in the same instant.
  double jitter = 0.1;
};

// The integration as the run found it.
struct ScheduleState {
  std::optional<int32_t> sync_interval_seconds;
  bool sync_enabled = true;
  // Consecutive failures before this run.
  int32_t retry_count = 0;
};

struct RunFinish {
  bool success = false;
  absl::Time completed_at;
  std::string error_code;
  std::string error_message;
  std::string suggestion;
  // RATE_LIMITED: when the source accepts requests again; the retry waits until then instead of backing off.
  std::optional<absl::Time> retry_after;
};

// The integration's schedule after the run.
struct ScheduleAfterRun {
  std::optional<absl::Time> next_sync_at;
  int32_t retry_count = 0;
  bool sync_enabled = true;
  // Set when this run paused the schedule.
  std::optional<std::string> paused_reason;
};

// Failures that another attempt cannot fix without someone changing something (credentials, config, the
// URL): they pause at once instead of retrying.
bool IsPermanentError(const std::string& error_code);

// The backoff before retry number `retry` (1-based): base * 2^(retry-1).
absl::Duration RetryDelay(const RetryPolicy& policy, int retry);

// `uniform01` returns a random number in [0, 1) (injected so tests are deterministic).
ScheduleAfterRun AfterRun(const ScheduleState& state, const RunFinish& finish, const RetryPolicy& policy,
                          const std::function<double()>& uniform01);

}  // namespace syncd::schedule
