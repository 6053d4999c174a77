// CORS: which origins may call the API from a browser, and the headers that say so. Off (no headers)
// unless origins are configured; "*" allows any origin.
//
//   CorsPolicy cors = CorsPolicy::Parse("https://admin.example.com,http://localhost:5173");
//   if (cors.Allows(origin)) headers = cors.ResponseHeaders(origin);
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace syncd::gateway::serving {

using Headers = std::vector<std::pair<std::string, std::string>>;

class CorsPolicy {
 public:
  // A comma-separated list of origins ("scheme://host[:port]"); empty turns CORS off. Surrounding spaces
  // and trailing slashes are ignored.
  static CorsPolicy Parse(absl::string_view origins);

  bool enabled() const { return !origins_.empty(); }
  bool Allows(absl::string_view origin) const;

  // Headers for an actual (non-preflight) response to an allowed origin.
  Headers ResponseHeaders(absl::string_view origin) const;
  // Headers for a preflight (OPTIONS with Access-Control-Request-Method) from an allowed origin.
  Headers PreflightHeaders(absl::string_view origin) const;

 private:
  std::vector<std::string> origins_;
  bool any_ = false;
};

}  // namespace syncd::gateway::serving
