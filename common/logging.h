// Process-wide logging setup: spdlog to stderr, one line per event, as text (for people) or as JSON lines
// (for log shippers: Loki, Elasticsearch, CloudWatch...).
//
//   InitLogging("sync_service", absl::GetFlag(FLAGS_log_format), absl::GetFlag(FLAGS_log_level));
//   spdlog::info("sync finished integration_id={} run_id={} status=SUCCESS", integration_id, run_id);
//
// Convention: a line names its ids as key=value tokens (integration_id=..., run_id=..., request_id=...).
// In JSON the tokens also become fields of the object, so a shipper can filter on them:
//   {"ts":"2026-11-24T14:47:32.123Z","level":"info","service":"sync_service",
//    "msg":"sync finished integration_id=7f.. run_id=01.. status=SUCCESS",
//    "integration_id":"7f..","run_id":"01..","status":"SUCCESS"}
// A token `error=` takes the rest of the line as its value (error messages have spaces).
#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "spdlog/formatter.h"

namespace syncd {

// format: text or json; level: trace, debug, info, warn, error or off.
absl::Status InitLogging(const std::string& service, const std::string& format, const std::string& level);

// The JSON-lines formatter InitLogging installs for format "json" (exposed for tests).
std::unique_ptr<spdlog::formatter> MakeJsonLogFormatter(std::string service);

}  // namespace syncd
