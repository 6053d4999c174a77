// The gateway's HTTP metrics: requests and their latency by route and status. The route is the API route
// template ("GET /api/integrations/{id}"), "/healthz", "/readyz", "/metrics", "static" (web UI files) or
// "other", never the raw path, so ids in paths do not multiply the series.
//
//   HttpMetrics http_metrics(metrics.registry());
//   http_metrics.Observe("GET /api/integrations/{id}", 200, absl::Milliseconds(3));
#pragma once

#include <map>
#include <string>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace syncd::gateway {

class HttpMetrics {
 public:
  explicit HttpMetrics(prometheus::Registry& registry);
  void Observe(const std::string& route, int status, absl::Duration latency);

 private:
  struct Children {
    prometheus::Counter* requests;
    prometheus::Histogram* latency;
  };
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& latency_;
  absl::Mutex mu_;
  std::map<std::pair<std::string, int>, Children> children_ ABSL_GUARDED_BY(mu_);
};

}  // namespace syncd::gateway
