#include "common/metrics.h"

#include <httplib.h>

#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/http_listen.h"
#include "prometheus/gauge.h"
#include "prometheus/metric_family.h"
#include "prometheus/text_serializer.h"

namespace syncd::metrics {

prometheus::Histogram::BucketBoundaries LatencyBuckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
}

prometheus::Histogram::BucketBoundaries SyncBuckets() {
  return {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600};
}

std::string BoundedCode(const std::string& code) {
  if (code.empty() || code.size() > 40) return "OTHER";
  for (char c : code) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return "OTHER";
  }
  return code;
}

// The callback gauges, collected alongside the registry.
class Metrics::Gauges final : public prometheus::Collectable {
 public:
  void Add(std::string name, std::string help, std::function<std::optional<double>()> read) {
    absl::MutexLock lock(&mu_);
    gauges_.push_back({std::move(name), std::move(help), std::move(read)});
  }

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<prometheus::MetricFamily> out;
    absl::MutexLock lock(&mu_);
    for (const Gauge& g : gauges_) {
      std::optional<double> value = g.read();
      if (!value) continue;
      prometheus::MetricFamily family{g.name, g.help, prometheus::MetricType::Gauge, {}};
      prometheus::ClientMetric m;
      m.gauge.value = *value;
      family.metric.push_back(std::move(m));
      out.push_back(std::move(family));
    }
    return out;
  }

 private:
  struct Gauge {
    std::string name;
    std::string help;
    std::function<std::optional<double>()> read;
  };
  mutable absl::Mutex mu_;
  std::vector<Gauge> gauges_ ABSL_GUARDED_BY(mu_);
};

Metrics::Metrics(const std::string& service, const std::string& version)
    : registry_(std::make_shared<prometheus::Registry>()), gauges_(std::make_shared<Gauges>()) {
  prometheus::BuildGauge()
      .Name("syncd_build_info")
      .Help("Always 1; labels say which syncd program and version this is")
      .Register(*registry_)
      .Add({{"service", service}, {"version", version}})
      .Set(1);
}

Metrics::~Metrics() = default;

void Metrics::AddGauge(const std::string& name, const std::string& help,
                       std::function<std::optional<double>()> read) {
  gauges_->Add(name, help, std::move(read));
}

std::string Metrics::Render() const {
  std::vector<prometheus::MetricFamily> families = registry_->Collect();
  for (prometheus::MetricFamily& f : gauges_->Collect()) families.push_back(std::move(f));
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

void Mount(httplib::Server& server, const Metrics& metrics) {
  server.Get("/metrics", [&metrics](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics.Render(), kContentType);
  });
}

MetricsServer::MetricsServer(const Metrics& metrics) : server_(std::make_unique<httplib::Server>()) {
  Mount(*server_, metrics);
  server_->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"status":"ok"})", "application/json");
  });
}

MetricsServer::~MetricsServer() { Stop(); }

absl::StatusOr<int> MetricsServer::Start(const std::string& host, int port) {
  return ListenInBackground(*server_, host, port, thread_);
}

void MetricsServer::Stop() {
  if (server_ != nullptr) server_->stop();
  if (thread_.joinable()) thread_.join();
}

absl::StatusOr<std::pair<std::string, int>> SplitHostPort(const std::string& address,
                                                          const std::string& flag) {
  const size_t colon = address.rfind(':');
  int port = -1;
  if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, " must be host:port, not \"", address, "\""));
  }
  std::string host = address.substr(0, colon);
  // "[::]:9090": httplib wants the bare IPv6 address.
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return std::make_pair(host, port);
}

}  // namespace syncd::metrics
