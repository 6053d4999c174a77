#include "gateway/http_metrics.h"

#include "common/metrics.h"

namespace syncd::gateway {

HttpMetrics::HttpMetrics(prometheus::Registry& registry)
    : requests_(prometheus::BuildCounter()
                    .Name("syncd_http_requests_total")
                    .Help("HTTP requests the gateway answered, by route and status code")
                    .Register(registry)),
      latency_(
          prometheus::BuildHistogram()
              .Name("syncd_http_request_duration_seconds")
              .Help("HTTP request latency at the gateway (receipt to response), by route and status code")
              .Register(registry)) {}

void HttpMetrics::Observe(const std::string& route, int status, absl::Duration latency) {
  Children children;
  {
    absl::MutexLock lock(&mu_);
    auto key = std::make_pair(route, status);
    auto it = children_.find(key);
    if (it == children_.end()) {
      const prometheus::Labels labels = {{"route", route}, {"status", std::to_string(status)}};
      it = children_
               .emplace(std::move(key),
                        Children{&requests_.Add(labels), &latency_.Add(labels, metrics::LatencyBuckets())})
               .first;
    }
    children = it->second;
  }
  children.requests->Increment();
  children.latency->Observe(absl::ToDoubleSeconds(latency));
}

}  // namespace syncd::gateway
