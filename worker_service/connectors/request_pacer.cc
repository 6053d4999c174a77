#include "worker_service/connectors/request_pacer.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"

namespace syncd::worker {

RequestPacer::RequestPacer(int max_per_minute) : interval_(absl::Minutes(1) / std::max(1, max_per_minute)) {
  // Division truncates: round up, or N intervals would add up to a hair less than a minute.
  if (interval_ * std::max(1, max_per_minute) < absl::Minutes(1)) interval_ += absl::Nanoseconds(1);
}

absl::Duration RequestPacer::WaitBeforeNext(absl::Time now) const {
  if (!last_sent_.has_value()) return absl::ZeroDuration();
  return std::max(absl::ZeroDuration(), *last_sent_ + interval_ - now);
}

void RequestPacer::Sent(absl::Time at) { last_sent_ = at; }

std::optional<absl::Time> ParseRetryAfter(const std::string& value, absl::Time now) {
  const std::string v(absl::StripAsciiWhitespace(value));
  if (v.empty()) return std::nullopt;
  if (std::all_of(v.begin(), v.end(), [](unsigned char c) { return absl::ascii_isdigit(c); })) {
    int64_t seconds = 0;
    // Beyond a day is treated as a day: the schedule would pause long before anyway.
    if (!absl::SimpleAtoi(v, &seconds)) seconds = 86'400;
    return now + absl::Seconds(std::min<int64_t>(seconds, 86'400));
  }
  // IMF-fixdate, the form servers must send; absl parses the weekday and month names.
  absl::Time at;
  std::string error;
  if (!absl::ParseTime("%a, %d %b %Y %H:%M:%S GMT", v, absl::UTCTimeZone(), &at, &error)) return std::nullopt;
  // Capped at a day like the seconds form, so a date years ahead cannot park the schedule.
  return std::clamp(at, now, now + absl::Hours(24));
}

}  // namespace syncd::worker
