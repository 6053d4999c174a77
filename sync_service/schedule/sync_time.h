// When an integration's next scheduled sync is due.
//
//   std::optional<absl::Time> next = NextSyncTime(3600, /*enabled=*/true, last_sync_at, clock.Now());
#pragma once

#include <cstdint>
#include <optional>

#include "absl/time/time.h"

namespace syncd::schedule {

// Paused or manual-only integrations have no next sync. Otherwise the next sync is one interval after the
// last sync completed, or now when it never synced (a new integration syncs at once). A time in the past
// means "due now".
std::optional<absl::Time> NextSyncTime(std::optional<int32_t> interval_seconds, bool enabled,
                                       std::optional<absl::Time> last_sync_at, absl::Time now);

}  // namespace syncd::schedule
