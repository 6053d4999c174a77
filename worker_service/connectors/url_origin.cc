#include "worker_service/connectors/url_origin.h"

#include <curl/curl.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace syncd::worker {
namespace {

std::optional<std::string> Part(CURLU* u, CURLUPart part, unsigned int flags) {
  char* value = nullptr;
  if (curl_url_get(u, part, &value, flags) != CURLUE_OK || value == nullptr) return std::nullopt;
  std::string out = value;
  curl_free(value);
  return out;
}

}  // namespace

std::optional<UrlOrigin> OriginOf(const std::string& url) {
  CURLU* u = curl_url();
  if (u == nullptr) return std::nullopt;
  std::optional<UrlOrigin> out;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    std::optional<std::string> scheme = Part(u, CURLUPART_SCHEME, 0);
    std::optional<std::string> host = Part(u, CURLUPART_HOST, 0);
    std::optional<std::string> port = Part(u, CURLUPART_PORT, CURLU_DEFAULT_PORT);
    UrlOrigin o;
    if (scheme && host && port && !host->empty() && absl::SimpleAtoi(*port, &o.port)) {
      o.scheme = absl::AsciiStrToLower(*scheme);
      o.host = absl::AsciiStrToLower(*host);
      if (o.host.size() >= 2 && o.host.front() == '[' && o.host.back() == ']') {
        o.host = o.host.substr(1, o.host.size() - 2);
      }
      if (o.scheme == "http" || o.scheme == "https") out = std::move(o);
    }
  }
  curl_url_cleanup(u);
  return out;
}

std::string OriginText(const UrlOrigin& origin) {
  const bool ipv6 = origin.host.find(':') != std::string::npos;
  return absl::StrCat(origin.scheme, "://", ipv6 ? "[" : "", origin.host, ipv6 ? "]" : "", ":", origin.port);
}

bool MaySendCredentials(const std::string& from, const std::string& to) {
  const std::optional<UrlOrigin> a = OriginOf(from);
  const std::optional<UrlOrigin> b = OriginOf(to);
  if (!a || !b || a->host != b->host) return false;
  if (a->scheme == b->scheme) return a->port == b->port;
  return a->scheme == "http" && a->port == 80 && b->scheme == "https" && b->port == 443;
}

}  // namespace syncd::worker
