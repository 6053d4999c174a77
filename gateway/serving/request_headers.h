// Request headers the gateway interprets: the client's deadline (Grpc-Timeout, as grpc-gateway reads it)
// and the request id (X-Request-Id) that follows a request through the gateway and sync_service logs.
//
//   std::optional<absl::Duration> d = ParseGrpcTimeout("1500m");  // 1.5 s
//   std::string id = AcceptableRequestId(header) ? header : NewRequestId(gen);
#pragma once

#include <optional>
#include <string>

#include "absl/random/bit_gen_ref.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace syncd::gateway::serving {

// gRPC's timeout syntax: 1..8 digits and a unit, H (hours), M (minutes), S (seconds), m (milliseconds),
// u (microseconds) or n (nanoseconds). nullopt when malformed or zero.
std::optional<absl::Duration> ParseGrpcTimeout(absl::string_view text);

// A client's request id is passed on when it is 1..128 visible ASCII characters (no spaces), so it cannot
// forge log lines or bloat them.
bool AcceptableRequestId(absl::string_view id);

// 32 lower-case hex digits.
std::string NewRequestId(absl::BitGenRef gen);

}  // namespace syncd::gateway::serving
