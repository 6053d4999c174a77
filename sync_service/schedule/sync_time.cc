#include "sync_service/schedule/sync_time.h"

namespace syncd::schedule {

std::optional<absl::Time> NextSyncTime(std::optional<int32_t> interval_seconds, bool enabled,
                                       std::optional<absl::Time> last_sync_at, absl::Time now) {
  if (!enabled || !interval_seconds.has_value()) return std::nullopt;
  if (!last_sync_at.has_value()) return now;
  return *last_sync_at + absl::Seconds(*interval_seconds);
}

}  // namespace syncd::schedule
