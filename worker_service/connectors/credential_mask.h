// Keeps the credentials a sync sent out of the failure messages the API shows. A server that rejects a
// credential may quote it back in its error body, not only as sent: escaped for JSON (PHP's `\/`, `\"`,
// `\\`, `\u00e9`, Go's `\u0026`), percent-encoded, as HTML character references, and for basic auth as
// the base64 of "username:password" it read from the Authorization header. Every such form is masked.
//
//   const CredentialMask mask = CredentialMask::ForAuth(config.auth);
//   mask.Apply(R"({"error":"bad token Basic YWRtaW46UGE1NXcwcmQ="})");
//   // {"error":"bad token Basic ********"}
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/http_json_config.h"

namespace syncd::worker {

class CredentialMask {
 public:
  // What takes a credential's place.
  static constexpr std::string_view kMask = "********";

  // The secrets of `auth` (token, password, key), plus for basic auth the base64 of "username:password":
  // the exact bytes libcurl puts after "Basic " in the Authorization header (RFC 7617).
  static CredentialMask ForAuth(const HttpJsonAuth& auth);

  // Empty secrets are ignored.
  explicit CredentialMask(std::vector<std::string> secrets);

  // `text` with every occurrence of a secret replaced by kMask. An occurrence is the secret's bytes where
  // any character may instead be written as a JSON escape (`\"`, `\\`, `\/`, `\n`, ..., `\uXXXX` with a
  // surrogate pair above U+FFFF), an HTML character reference (`&amp;`, `&#47;`, `&#x2F;`, ...), and any
  // byte as %XX (a space also as `+`); hex digits in either case. Overlapping occurrences (of one secret
  // or of several) become a single kMask, so no part of any of them is left.
  std::string Apply(std::string_view text) const;

 private:
  std::vector<std::string> secrets_;
};

}  // namespace syncd::worker
