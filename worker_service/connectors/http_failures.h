// What an HTTP_JSON sync tells an admin when a request fails: a stable error code, a message with the
// specifics (host, HTTP status, the JSON pointer, the byte offset), and a fix to try. Pure: the connector
// hands in what libcurl and the server said; nothing here does I/O.
//
//   SyncFailure f = TransportFailure(CURLE_COULDNT_RESOLVE_HOST, "api.example.com", "", 30);
//   // f.code == "DNS", f.message names the host, f.suggestion says to check the URL's host name.
#pragma once

#include <curl/curl.h>

#include <optional>
#include <string>

#include "absl/time/time.h"
#include "worker_service/connectors/connector.h"

namespace syncd::worker {

// A request that got no HTTP answer: libcurl's `code` (with its `detail` text) for a request to `host`
// that had `timeout_seconds` to finish.
SyncFailure TransportFailure(CURLcode code, const std::string& host, const std::string& detail,
                             int timeout_seconds);

// An HTTP answer that is not a success (status outside 2xx). `body_excerpt` is the start of the response
// body (shown, shortened, for 4xx/5xx); `retry_after` is set for a 429 that said when to come back.
SyncFailure HttpStatusFailure(int status, const std::string& host, const std::string& path,
                              const std::string& body_excerpt, std::optional<absl::Time> retry_after);

// A 429 that ends the sync. `retry_after_header` is the Retry-After header as the host sent it (nullopt: it
// sent none); `retry_at` is the time it named, when that could be read. The message says which: a time to
// come back, no header, or a header that could not be used (quoted, shortened) — the last two retry after
// the normal backoff.
SyncFailure RateLimitedFailure(const std::string& host, const std::string& path,
                               const std::optional<std::string>& retry_after_header,
                               std::optional<absl::Time> retry_at);

// A 2xx answer that is not JSON: the parser stopped at byte `offset`.
SyncFailure NotJsonFailure(const std::string& host, const std::string& path, size_t offset,
                           const std::string& parser_message, const std::string& content_type);
// The response has nothing at `records_path`, or something that is not an array.
SyncFailure RecordsPathFailure(const std::string& host, const std::string& records_path, bool missing,
                               const std::string& found_type, const std::string& top_level_keys);
// The record at `index` (0-based) in the array at `records_path` on page `page` has no usable id at
// `id_field`. Messages count records from 1, like pages: index 0 of page 1 is "Record 1 ... on page 1".
SyncFailure RecordIdFailure(const std::string& records_path, const std::string& id_field, int page,
                            size_t index, const std::string& problem);
// The record at `index` (0-based, shown from 1) on page `page` is not a JSON object.
// A record nesting deeper than the API can carry it (http_page.h, kMaxRecordDepth).
SyncFailure RecordTooDeepFailure(const std::string& records_path, int page, size_t index, int max_depth);
SyncFailure RecordNotObjectFailure(const std::string& records_path, int page, size_t index,
                                   const std::string& found_type);
// The response is larger than `limit_bytes`.
SyncFailure ResponseTooLargeFailure(const std::string& host, size_t limit_bytes);
// A config the worker cannot use (saved before a rule existed): `field` and what is wrong with it.
SyncFailure ConfigFailure(const std::string& field, const std::string& description);
// The sync was stopped: TIMEOUT when its deadline passed, CANCELLED otherwise.
SyncFailure StoppedFailure(bool deadline_passed, int pages, int records);

}  // namespace syncd::worker
