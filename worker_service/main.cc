// worker_service: runs the syncs sync_service assigns over WorkerService.Connect. Stateless: scale by
// running more. Flags and wiring only; the logic lives in session/ and connectors/.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/env_flags.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "common/shutdown_signals.h"
#include "spdlog/spdlog.h"
#include "worker_service/connectors/demo_connector.h"
#include "worker_service/connectors/http_json_connector.h"
#include "worker_service/http/health_server.h"
#include "worker_service/metrics/worker_metrics.h"
#include "worker_service/session/worker_agent.h"

ABSL_FLAG(std::string, sync_service_address,
          syncd::EnvOr("SYNC_SERVICE_ADDRESS", std::string("localhost:50051")),
          "sync_service gRPC address host:port [env SYNC_SERVICE_ADDRESS]");
ABSL_FLAG(int, capacity, syncd::EnvOr("WORKER_CAPACITY", 3), "Syncs run at once [env WORKER_CAPACITY]");
ABSL_FLAG(std::string, worker_id, syncd::EnvOr("WORKER_ID", std::string()),
          "Stable id of this worker; default host name, process id and a random suffix [env WORKER_ID]");
ABSL_FLAG(std::string, name, syncd::EnvOr("WORKER_NAME", std::string()),
          "Name shown in worker status; default the host name [env WORKER_NAME]");
ABSL_FLAG(std::string, http_listen, syncd::EnvOr("WORKER_HTTP_LISTEN", std::string("0.0.0.0:8081")),
          "Address of /healthz, /readyz and the Prometheus /metrics; port 0 picks a free port "
          "[env WORKER_HTTP_LISTEN]");
ABSL_FLAG(absl::Duration, drain_timeout, syncd::EnvOr("WORKER_DRAIN_TIMEOUT", absl::Seconds(30)),
          "On SIGTERM/SIGINT, how long running syncs may take to finish and be reported [env "
          "WORKER_DRAIN_TIMEOUT]");
ABSL_FLAG(std::string, log_level, syncd::EnvOr("SYNCD_LOG_LEVEL", std::string("info")),
          "trace, debug, info, warn or error [env SYNCD_LOG_LEVEL]");
ABSL_FLAG(std::string, log_format, syncd::EnvOr("SYNCD_LOG_FORMAT", std::string("text")),
          "text (for people) or json (one JSON object a line, for log shippers) [env SYNCD_LOG_FORMAT]");
ABSL_FLAG(
    std::string, port_file, "",
    "When set, write the bound HTTP host:port to this file once serving (for tests and scripts) [flag only]");

namespace syncd::worker {
namespace {

std::string HostName() {
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  return host;
}

int Run() {
  if (absl::GetFlag(FLAGS_capacity) < 1) {
    spdlog::error("--capacity must be at least 1");
    return 2;
  }
  const std::string http_listen = absl::GetFlag(FLAGS_http_listen);
  const size_t colon = http_listen.rfind(':');
  int http_port = -1;
  if (colon == std::string::npos || !absl::SimpleAtoi(http_listen.substr(colon + 1), &http_port) ||
      http_port < 0) {
    spdlog::error("--http_listen must be host:port, not \"{}\"", http_listen);
    return 2;
  }

  absl::BitGen gen;
  WorkerOptions options;
  options.sync_service_address = absl::GetFlag(FLAGS_sync_service_address);
  options.capacity = absl::GetFlag(FLAGS_capacity);
  options.worker_id = absl::GetFlag(FLAGS_worker_id);
  if (options.worker_id.empty()) {
    options.worker_id = absl::StrCat(HostName(), "-", getpid(), "-",
                                     absl::Hex(absl::Uniform<uint32_t>(gen), absl::kZeroPad8));
  }
  options.name = absl::GetFlag(FLAGS_name);
  if (options.name.empty()) options.name = HostName();
  options.version = SYNCD_VERSION;

  absl::Mutex random_mu;
  ConnectorMap connectors;
  connectors["DEMO"] = MakeDemoConnector([&] {
    absl::MutexLock lock(&random_mu);
    return absl::Uniform<double>(gen, 0.0, 1.0);
  });
  connectors["HTTP_JSON"] =
      MakeHttpJsonConnector({.user_agent = absl::StrCat("syncd-worker/", SYNCD_VERSION)});

  metrics::Metrics metrics("worker", SYNCD_VERSION);
  WorkerMetrics worker_metrics(metrics.registry());
  options.on_finished = [&worker_metrics](const SyncJob& job, const SyncOutcome& outcome,
                                          absl::Duration took) {
    worker_metrics.Finished(job, outcome, took);
  };
  WorkerAgent agent(options, std::move(connectors));
  metrics.AddGauge("syncd_worker_syncs_running", "Syncs running on this worker now",
                   [&agent]() -> std::optional<double> { return agent.Running(); });
  metrics.AddGauge("syncd_worker_connected",
                   "1 while this worker is connected to sync_service and accepting work, else 0",
                   [&agent]() -> std::optional<double> { return agent.Ready() ? 1 : 0; });
  HealthServer health([&agent] { return agent.Ready(); },
                      [&agent, &options] {
                        return absl::StrCat(R"("workerId":")", options.worker_id, R"(","running":)",
                                            agent.Running());
                      },
                      &metrics);
  absl::StatusOr<int> bound = health.Start(http_listen.substr(0, colon), http_port);
  if (!bound.ok()) {
    spdlog::error("{}", std::string(bound.status().message()));
    return 1;
  }
  agent.Start();
  const std::string http_address = absl::StrCat(http_listen.substr(0, colon), ":", *bound);
  spdlog::info("worker_service {} id={} capacity={} sync_service={} health on http://{}", SYNCD_VERSION,
               options.worker_id, options.capacity, options.sync_service_address, http_address);
  if (const std::string path = absl::GetFlag(FLAGS_port_file); !path.empty()) {
    const std::string tmp = path + ".tmp";
    std::ofstream(tmp) << http_address << "\n";
    std::rename(tmp.c_str(), path.c_str());
  }

  const int sig = WaitForShutdownSignal();
  spdlog::info("received {}, draining (up to {}s)", sig == SIGTERM ? "SIGTERM" : "SIGINT",
               absl::ToInt64Seconds(absl::GetFlag(FLAGS_drain_timeout)));
  const bool reported = agent.Drain(absl::GetFlag(FLAGS_drain_timeout));
  health.Stop();
  spdlog::info("worker_service stopped{}", reported ? "" : " (some syncs were not reported)");
  return 0;
}

}  // namespace
}  // namespace syncd::worker

int main(int argc, char** argv) {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  syncd::BlockShutdownSignals();
  syncd::ParseFlags(argc, argv,
                    "syncd worker_service: runs integration syncs assigned by sync_service.\n"
                    "Every flag can also be set by the environment variable named in its help.",
                    absl::StrCat("worker_service ", SYNCD_VERSION));
  if (absl::Status s =
          syncd::InitLogging("worker", absl::GetFlag(FLAGS_log_format), absl::GetFlag(FLAGS_log_level));
      !s.ok()) {
    std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
    return 2;
  }
  return syncd::worker::Run();
}
