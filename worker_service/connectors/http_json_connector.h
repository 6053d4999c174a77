// HTTP_JSON: syncs a JSON API over HTTP(S) with libcurl. Config (see common/http_json_config.h and
// docs/connectors.md): url, method, headers, auth, recordsPath, idField, pagination, timeoutSeconds,
// maxPages, maxRecords, maxRequestsPerMinute.
//
// Each page is one request, paced to maxRequestsPerMinute; its records go to sync_service as one batch
// (stored in one transaction) before the next page is requested. A 429 with Retry-After is waited out when
// the wait ends before the sync's deadline, otherwise the sync fails RATE_LIMITED with the time to retry;
// without a usable Retry-After it fails RATE_LIMITED at once, retried after the normal backoff.
// Certificates are checked. A request is aborted within about a second when the sync is cancelled or
// reaches its deadline.
//
//   connectors["HTTP_JSON"] = MakeHttpJsonConnector({.user_agent = "syncd-worker/0.1.0"});
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "worker_service/connectors/connector.h"

namespace syncd::worker {

struct HttpJsonOptions {
  std::string user_agent = "syncd-worker";
  // A response larger than this fails the sync (BAD_RESPONSE) instead of exhausting the worker's memory.
  size_t max_response_bytes = 64 * 1024 * 1024;
  // Batches sent to sync_service hold at most this many records (a larger page is split).
  int batch_size = 500;
};

// Initialises libcurl on first use: call it before the worker starts its threads.
std::unique_ptr<Connector> MakeHttpJsonConnector(HttpJsonOptions options);

}  // namespace syncd::worker
