// Pacing of an integration's outbound requests: at most `max_per_minute` request starts in any minute,
// spread evenly (one every 60 s / max_per_minute) rather than in a burst at the start of each minute. Pure:
// the caller passes the time and does the waiting.
//
//   RequestPacer pacer(60);
//   absl::Duration wait = pacer.WaitBeforeNext(clock.Now());  // zero for the first request
//   context.Sleep(wait);
//   pacer.Sent(clock.Now());
//
// Also Retry-After (RFC 9110 §10.2.3): a 429's delay in seconds or an HTTP date.
#pragma once

#include <optional>
#include <string>

#include "absl/time/time.h"

namespace syncd::worker {

class RequestPacer {
 public:
  explicit RequestPacer(int max_per_minute);

  // How long to wait at `now` before the next request may start.
  absl::Duration WaitBeforeNext(absl::Time now) const;
  // A request started at `at`.
  void Sent(absl::Time at);

  absl::Duration interval() const { return interval_; }

 private:
  absl::Duration interval_;
  std::optional<absl::Time> last_sent_;
};

// The time a Retry-After header `value` received at `now` points to: "120" (seconds) or
// "Wed, 21 Oct 2015 07:28:00 GMT". nullopt when the value is neither; a date in the past means `now`.
std::optional<absl::Time> ParseRetryAfter(const std::string& value, absl::Time now);

}  // namespace syncd::worker
