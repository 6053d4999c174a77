#include "sync_service/schedule/retry_policy.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "sync_service/schedule/sync_time.h"

namespace syncd::schedule {
namespace {

std::string PauseReason(const RunFinish& finish, absl::string_view why) {
  std::string reason =
      absl::StrCat(why, " Last error (", finish.error_code.empty() ? "UNKNOWN" : finish.error_code,
                   "): ", finish.error_message.empty() ? "no message" : finish.error_message);
  if (!finish.suggestion.empty()) absl::StrAppend(&reason, " Suggested fix: ", finish.suggestion);
  // Most suggestions already end with "then resume the schedule"; say it once.
  if (!absl::StrContains(absl::AsciiStrToLower(finish.suggestion), "resume")) {
    absl::StrAppend(&reason, " Resume the schedule once it is fixed.");
  }
  return reason;
}

}  // namespace

bool IsPermanentError(const std::string& error_code) {
  return error_code == "AUTH_FAILED" || error_code == "CONFIG_INVALID" || error_code == "NOT_FOUND";
}

absl::Duration RetryDelay(const RetryPolicy& policy, int retry) {
  return policy.base_delay * (int64_t{1} << std::clamp(retry - 1, 0, 30));
}

ScheduleAfterRun AfterRun(const ScheduleState& state, const RunFinish& finish, const RetryPolicy& policy,
                          const std::function<double()>& uniform01) {
  ScheduleAfterRun out;
  out.sync_enabled = state.sync_enabled;
  if (finish.success) {
    out.retry_count = 0;
    out.next_sync_at = NextSyncTime(state.sync_interval_seconds, state.sync_enabled, finish.completed_at,
                                    finish.completed_at);
    return out;
  }
  out.retry_count = state.retry_count + 1;
  // A paused integration (e.g. a manual sync of it failed) stays paused and does not retry.
  if (!state.sync_enabled) return out;
  // Manual only: nothing is scheduled, so nothing retries and there is no schedule to pause. The failure,
  // its suggestion and the streak show; the admin syncs again by hand.
  if (!state.sync_interval_seconds.has_value()) return out;
  if (IsPermanentError(finish.error_code)) {
    out.sync_enabled = false;
    out.paused_reason =
        PauseReason(finish, "Scheduled syncs are paused because retrying cannot fix this error.");
    return out;
  }
  if (out.retry_count > policy.max_retries) {
    out.sync_enabled = false;
    out.paused_reason = PauseReason(finish, absl::StrCat("Scheduled syncs are paused after ", out.retry_count,
                                                         " failed attempts in a row."));
    return out;
  }
  if (finish.retry_after.has_value()) {
    // The source said when it takes requests again: that beats any guess of ours.
    out.next_sync_at = std::max(*finish.retry_after, finish.completed_at);
    return out;
  }
  const absl::Duration delay = RetryDelay(policy, out.retry_count);
  out.next_sync_at = finish.completed_at + delay + delay * (policy.jitter * uniform01());
  return out;
}

}  // namespace syncd::schedule
