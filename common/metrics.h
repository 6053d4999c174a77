// Prometheus metrics of one process, over prometheus-cpp (Debian's prometheus-cpp-dev): the registry its
// families live in, gauges read when scraped, the text exposition, and a small HTTP server for /metrics
// (for processes without an HTTP server of their own; others mount the handler on theirs).
//
//   metrics::Metrics metrics("sync_service", SYNCD_VERSION);
//   auto& started = prometheus::BuildCounter().Name("syncd_syncs_started_total").Help("...")
//                       .Register(metrics.registry());
//   prometheus::Counter& scheduled = started.Add({{"trigger", "SCHEDULED"}});  // keep the child: no lookup
//   scheduled.Increment();                                                      // per event, atomic
//   metrics.AddGauge("syncd_workers_connected", "...", [&] { return dispatcher.Load().workers; });
//   metrics::MetricsServer server(metrics);
//   absl::StatusOr<int> port = server.Start("0.0.0.0", 9090);
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace httplib {
class Server;
}

namespace syncd::metrics {

inline constexpr char kContentType[] = "text/plain; version=0.0.4; charset=utf-8";

// Histogram buckets in seconds: request latencies (1 ms .. 30 s), sync durations and schedule lag
// (50 ms .. 1 h).
prometheus::Histogram::BucketBoundaries LatencyBuckets();
prometheus::Histogram::BucketBoundaries SyncBuckets();

// A label value from an open set (an error code a worker sent) kept to a bounded set: UPPER_SNAKE_CASE of
// at most 40 characters as it is, anything else "OTHER", so a misbehaving peer cannot blow up cardinality.
std::string BoundedCode(const std::string& code);

class Metrics {
 public:
  // Adds syncd_build_info{service, version} = 1.
  Metrics(const std::string& service, const std::string& version);
  ~Metrics();

  prometheus::Registry& registry() { return *registry_; }

  // A gauge whose value `read` returns at each scrape (nullopt: leave it out this time, e.g. the database is
  // unreachable). `read` runs on the scraping thread.
  void AddGauge(const std::string& name, const std::string& help,
                std::function<std::optional<double>()> read);

  // Every metric in the Prometheus text exposition format 0.0.4.
  std::string Render() const;

 private:
  class Gauges;
  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<Gauges> gauges_;
};

// Adds GET /metrics to a cpp-httplib server.
void Mount(httplib::Server& server, const Metrics& metrics);

// GET /metrics (and /healthz) on an address of its own.
class MetricsServer {
 public:
  explicit MetricsServer(const Metrics& metrics);
  ~MetricsServer();

  // Binds host:port (port 0 picks one) and serves in the background; returns the bound port.
  absl::StatusOr<int> Start(const std::string& host, int port);
  void Stop();

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

// Splits "host:port" (port 0..65535); INVALID_ARGUMENT naming `flag` otherwise.
absl::StatusOr<std::pair<std::string, int>> SplitHostPort(const std::string& address,
                                                          const std::string& flag);

}  // namespace syncd::metrics
