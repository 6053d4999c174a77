// The config of an HTTP_JSON integration, read from its JSON with every rule checked: sync_service checks
// it when an integration is saved (so a config that cannot work is rejected with the field named), and the
// worker reads it the same way before a sync. The keys are the contract the UI and scripts write:
//
//   {"url": "https://api.example.com/items", "method": "GET", "headers": {"Accept": "application/json"},
//    "auth": {"kind": "bearer", "token": "..."}, "recordsPath": "/data/items", "idField": "/id",
//    "pagination": {"nextUrlPath": "/next"}, "timeoutSeconds": 30, "maxPages": 100, "maxRecords": 100000,
//    "maxRequestsPerMinute": 60}
//
//   FieldViolations violations;
//   HttpJsonConfig config = ParseHttpJsonConfig(json, violations);  // usable only if violations is empty
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/field_violation.h"

namespace syncd {

inline constexpr int kDefaultHttpTimeoutSeconds = 30;
inline constexpr int kMaxHttpTimeoutSeconds = 3600;
inline constexpr int kDefaultMaxPages = 100;
inline constexpr int kMaxMaxPages = 100'000;
inline constexpr int kDefaultMaxRecords = 100'000;
inline constexpr int kMaxMaxRecords = 10'000'000;
inline constexpr int kDefaultMaxRequestsPerMinute = 60;
inline constexpr int kMaxMaxRequestsPerMinute = 60'000;

struct HttpJsonAuth {
  enum class Kind { kNone, kBearer, kBasic, kApiKey };
  Kind kind = Kind::kNone;
  std::string token;     // bearer
  std::string username;  // basic
  std::string password;  // basic
  std::string header;    // apiKey: the header that carries the key
  std::string key;       // apiKey
};

struct HttpJsonConfig {
  std::string url;
  // "GET" or "POST".
  std::string method = "GET";
  // POST: the JSON body sent with every page request (absent: "{}").
  std::optional<nlohmann::json> body;
  std::map<std::string, std::string> headers;
  HttpJsonAuth auth;
  // JSON pointers (RFC 6901): the array of records in a response ("" = the whole response), and a record's
  // stable id within a record.
  std::string records_path;
  std::string id_field;
  // Pagination: at most one of next_url_path or cursor_path (with cursor_param) is set.
  std::string next_url_path;
  std::string cursor_path;
  std::string cursor_param;
  int timeout_seconds = kDefaultHttpTimeoutSeconds;
  int max_pages = kDefaultMaxPages;
  int max_records = kDefaultMaxRecords;
  int max_requests_per_minute = kDefaultMaxRequestsPerMinute;
};

// Reads `config`; every rule it breaks is added to `violations` with its field path ("config.url",
// "config.auth.token", "config.pagination.cursorParam", ...). The result is only meaningful when no
// violation was added. The url must also be one libcurl's URL parser reads (the worker's requests go
// through it): "http://x@h1@h2/" is refused.
HttpJsonConfig ParseHttpJsonConfig(const nlohmann::json& config, FieldViolations& violations);

// The host of an http(s) URL ("api.example.com"), or "" when it has none.
std::string UrlHost(const std::string& url);
// Whether `url` carries a password in its user information ("https://user:password@host/"), as libcurl
// reads it.
bool UrlHasPassword(const std::string& url);

// True when `pointer` is a JSON pointer (RFC 6901): "" or "/" followed by tokens, with "~" only in "~0"
// and "~1".
bool IsJsonPointer(const std::string& pointer);

}  // namespace syncd
