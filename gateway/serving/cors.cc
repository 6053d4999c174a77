#include "gateway/serving/cors.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace syncd::gateway::serving {

CorsPolicy CorsPolicy::Parse(absl::string_view origins) {
  CorsPolicy policy;
  for (absl::string_view origin : absl::StrSplit(origins, ',', absl::SkipWhitespace())) {
    origin = absl::StripAsciiWhitespace(origin);
    while (absl::ConsumeSuffix(&origin, "/")) {
    }
    if (origin == "*") policy.any_ = true;
    policy.origins_.push_back(absl::AsciiStrToLower(origin));
  }
  return policy;
}

bool CorsPolicy::Allows(absl::string_view origin) const {
  if (!enabled() || origin.empty()) return false;
  if (any_) return true;
  const std::string lower = absl::AsciiStrToLower(origin);
  for (const std::string& o : origins_) {
    if (o == lower) return true;
  }
  return false;
}

Headers CorsPolicy::ResponseHeaders(absl::string_view origin) const {
  return {{"Access-Control-Allow-Origin", std::string(origin)},
          {"Vary", "Origin"},
          {"Access-Control-Expose-Headers", "X-Request-Id"}};
}

Headers CorsPolicy::PreflightHeaders(absl::string_view origin) const {
  return {{"Access-Control-Allow-Origin", std::string(origin)},
          {"Vary", "Origin"},
          {"Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE"},
          {"Access-Control-Allow-Headers", "Authorization, Content-Type, X-Request-Id, Grpc-Timeout"},
          {"Access-Control-Max-Age", "600"}};
}

}  // namespace syncd::gateway::serving
