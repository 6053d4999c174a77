#include "worker_service/http/health_server.h"

#include <httplib.h>

#include "absl/strings/str_cat.h"
#include "common/http_listen.h"
#include "common/metrics.h"

namespace syncd::worker {

HealthServer::HealthServer(std::function<bool()> ready, std::function<std::string()> describe,
                           const metrics::Metrics* metrics)
    : ready_(std::move(ready)), describe_(std::move(describe)), server_(std::make_unique<httplib::Server>()) {
  if (metrics != nullptr) metrics::Mount(*server_, *metrics);
  server_->Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(absl::StrCat(R"({"status":"ok",)", describe_(), "}"), "application/json");
  });
  server_->Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
    const bool ready = ready_();
    res.status = ready ? 200 : 503;
    res.set_content(absl::StrCat(R"({"status":")", ready ? "ready" : "not ready", R"(",)", describe_(), "}"),
                    "application/json");
  });
}

HealthServer::~HealthServer() { Stop(); }

absl::StatusOr<int> HealthServer::Start(const std::string& host, int port) {
  return ListenInBackground(*server_, host, port, thread_);
}

void HealthServer::Stop() {
  if (server_ != nullptr) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace syncd::worker
