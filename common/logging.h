// Process-wide logging setup: spdlog to stderr, one human-readable line per event.
//
//   InitLogging("sync_service", absl::GetFlag(FLAGS_log_format), absl::GetFlag(FLAGS_log_level));
#pragma once

#include <string>

#include "absl/status/status.h"

namespace syncd {

// format: "text"; level: trace, debug, info, warn, error.
absl::Status InitLogging(const std::string& service, const std::string& format, const std::string& level);

}  // namespace syncd
