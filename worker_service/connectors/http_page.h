// Reading one page of an HTTP_JSON sync: the records at recordsPath with their ids at idField, and where
// the next page is (nextUrlPath or cursorPath). Pure, so every way a response can be wrong is unit-tested.
//
//   PageRead page = ReadPage(body, config, {.host = "api.example.com", .path = "/items", .page = 1});
//   if (page.failure) return SyncOutcome::Failure(*page.failure);
//   if (page.next_cursor) url = WithQueryParam(config.url, config.cursor_param, *page.next_cursor);
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/http_json_config.h"
#include "worker_service/connectors/connector.h"

namespace syncd::worker {

// Where a response came from, for messages.
struct PageSource {
  std::string host;
  std::string path;
  // 1-based page number within the sync.
  int page = 1;
  std::string content_type;
};

struct PageRead {
  // Set when the page cannot be used; nothing else is then.
  std::optional<SyncFailure> failure;
  // In the page's order; a record whose id repeats on the page appears once, as its last occurrence.
  std::vector<SourceRecord> records;
  // Records on the page, repeats included.
  size_t records_on_page = 0;
  // The value at nextUrlPath / cursorPath when pagination is configured and the page has a next one
  // (absent, null, "" and false mean it is the last page).
  std::optional<std::string> next_url;
  std::optional<std::string> next_cursor;
};

// Deepest nesting of arrays and objects ReadPage accepts; deeper answers fail with BAD_RESPONSE before
// they are parsed (parsing, copying and freeing nested values recurses, so they could crash the worker).
inline constexpr int kMaxJsonDepth = 256;

// Deepest nesting of a record (the record's object is level 1). The API carries records as
// google.protobuf.Struct, two or three nested messages per level, and protobuf stops printing at 64 and
// parsing at 100: a record deeper than this would be stored but could not be listed.
inline constexpr int kMaxRecordDepth = 30;

PageRead ReadPage(const std::string& body, const HttpJsonConfig& config, const PageSource& source);

// `url` with the query parameter `name` set to `value` (percent-encoded), replacing any `name` it had.
std::string WithQueryParam(const std::string& url, const std::string& name, const std::string& value);

// The path of a URL without its query (what messages and logs show: a query may carry secrets).
std::string UrlPath(const std::string& url);

}  // namespace syncd::worker
