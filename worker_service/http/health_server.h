// A small HTTP server for probes: GET /healthz (the process is alive) and GET /readyz (it can do its work),
// and GET /metrics for Prometheus when given the process's metrics.
// cpp-httplib (Debian's libcpp-httplib-dev) runs it on its own threads.
//
//   HealthServer health([&] { return agent.Ready(); });
//   absl::StatusOr<int> port = health.Start("0.0.0.0", 8081);
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"

namespace httplib {
class Server;
}

namespace syncd::metrics {
class Metrics;
}

namespace syncd::worker {

class HealthServer {
 public:
  // `ready` answers /readyz; `describe` adds detail to both answers (a JSON object's members, no braces).
  // `metrics`, when given, is served on /metrics and must outlive the server.
  HealthServer(std::function<bool()> ready, std::function<std::string()> describe,
               const metrics::Metrics* metrics = nullptr);
  ~HealthServer();

  // Binds host:port (port 0 picks one) and serves in the background; returns the bound port.
  absl::StatusOr<int> Start(const std::string& host, int port);
  void Stop();

 private:
  std::function<bool()> ready_;
  std::function<std::string()> describe_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

}  // namespace syncd::worker
