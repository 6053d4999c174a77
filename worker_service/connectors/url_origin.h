// Where credentials may go: an HTTP_JSON sync sends its auth header (Bearer or Basic) with every request,
// so a redirect or next-page link is followed only to the same origin (scheme, host and port, as libcurl
// reads the URL), or from http to https on the standard ports. Pure, so every case is unit-tested.
#pragma once

#include <optional>
#include <string>

namespace syncd::worker {

struct UrlOrigin {
  std::string scheme;  // lower case: "http" or "https"
  std::string host;    // lower case, IPv6 without brackets
  int port = 0;        // the scheme's default when the URL has none
};

// The origin of an absolute http(s) URL, or nullopt when it is not one.
std::optional<UrlOrigin> OriginOf(const std::string& url);

// "https://api.example.com:8443", for messages.
std::string OriginText(const UrlOrigin& origin);

// True when a request that carries credentials for `from` may carry them to `to`: the same scheme, host
// and port, or an upgrade from http on port 80 to https on port 443 of the same host. Never to another
// host, another port, or from https down to http.
bool MaySendCredentials(const std::string& from, const std::string& to);

}  // namespace syncd::worker
