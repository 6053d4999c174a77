// gateway: HTTP/JSON in front of sync_service. Routes, bindings and JSON shapes come from the
// google.api.http annotations of the services compiled in (syncd.v1.SyncService) and of any
// --descriptor_set files. Flags and wiring only; the logic lives in transcode/, serving/ and http_server.
#include <csignal>
#include <cstdio>
#include <fstream>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/env_flags.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "common/shutdown_signals.h"
#include "gateway/http_server.h"
#include "gateway/service_catalog.h"
#include "gateway/upstream.h"
#include "spdlog/spdlog.h"
#include "syncd/v1/sync_service.pb.h"

ABSL_FLAG(std::string, listen, syncd::EnvOr("GATEWAY_LISTEN", std::string("0.0.0.0:8080")),
          "HTTP listen address host:port; port 0 picks a free port [env GATEWAY_LISTEN]");
ABSL_FLAG(std::string, sync_service_address,
          syncd::EnvOr("SYNC_SERVICE_ADDRESS", std::string("localhost:50051")),
          "gRPC address of sync_service [env SYNC_SERVICE_ADDRESS]");
ABSL_FLAG(std::string, web_root, syncd::EnvOr("GATEWAY_WEB_ROOT", std::string()),
          "Folder of the built web UI (gateway/web/dist); empty serves no UI [env GATEWAY_WEB_ROOT]");
ABSL_FLAG(std::string, cors_origins, syncd::EnvOr("GATEWAY_CORS_ORIGINS", std::string()),
          "Comma-separated origins allowed to call the API from a browser, or *; empty turns CORS off "
          "[env GATEWAY_CORS_ORIGINS]");
ABSL_FLAG(int64_t, max_body_bytes, syncd::EnvOr("GATEWAY_MAX_BODY_BYTES", int64_t{1} << 20),
          "Largest request body accepted; larger ones get 413 [env GATEWAY_MAX_BODY_BYTES]");
ABSL_FLAG(absl::Duration, default_deadline, syncd::EnvOr("GATEWAY_DEFAULT_DEADLINE", absl::Seconds(30)),
          "gRPC deadline of a request that sends no Grpc-Timeout header [env GATEWAY_DEFAULT_DEADLINE]");
ABSL_FLAG(std::vector<std::string>, descriptor_set, {},
          "FileDescriptorSet files (protoc --include_imports --descriptor_set_out) whose annotated services "
          "are served too; a service in a set replaces the compiled-in one of the same name "
          "[env GATEWAY_DESCRIPTOR_SET, comma-separated]");
ABSL_FLAG(int, http_threads, syncd::EnvOr("GATEWAY_HTTP_THREADS", 2),
          "Event-loop threads serving HTTP connections, each any number of them (about one per core "
          "the gateway may use) [env GATEWAY_HTTP_THREADS]");
ABSL_FLAG(int, upstream_channels, syncd::EnvOr("GATEWAY_UPSTREAM_CHANNELS", 4),
          "HTTP/2 connections to sync_service, used in turn [env GATEWAY_UPSTREAM_CHANNELS]");
ABSL_FLAG(std::string, log_level, syncd::EnvOr("SYNCD_LOG_LEVEL", std::string("info")),
          "trace, debug, info, warn or error [env SYNCD_LOG_LEVEL]");
ABSL_FLAG(std::string, log_format, syncd::EnvOr("SYNCD_LOG_FORMAT", std::string("text")),
          "text (for people) or json (one JSON object a line, for log shippers) [env SYNCD_LOG_FORMAT]");
ABSL_FLAG(bool, metrics, syncd::EnvOr("GATEWAY_METRICS", true),
          "Serve Prometheus metrics on GET /metrics of the listen address [env GATEWAY_METRICS]");
ABSL_FLAG(std::string, port_file, "",
          "When set, write the bound host:port to this file once serving (for tests and scripts)");

namespace syncd::gateway {
namespace {

// The .proto files linked into this binary whose annotated services are served without a descriptor set.
// Naming one message of each file is what keeps the linker from dropping the file's generated code (and
// with it the descriptors) from the static library; the gateway uses no message type by name otherwise.
const google::protobuf::FileDescriptor* CompiledInFiles() {
  return syncd::v1::GetIntegrationRequest::descriptor()->file();
}

int Run() {
  if (absl::GetFlag(FLAGS_max_body_bytes) < 1 || absl::GetFlag(FLAGS_http_threads) < 1 ||
      absl::GetFlag(FLAGS_upstream_channels) < 1 ||
      absl::GetFlag(FLAGS_default_deadline) <= absl::ZeroDuration()) {
    spdlog::error(
        "--max_body_bytes, --http_threads, --upstream_channels and --default_deadline must be positive");
    return 2;
  }
  ServiceCatalog catalog;
  catalog.AddCompiledIn(CompiledInFiles());
  std::vector<std::string> sets = absl::GetFlag(FLAGS_descriptor_set);
  if (sets.empty()) {
    sets = absl::StrSplit(EnvOr("GATEWAY_DESCRIPTOR_SET", std::string()), ',', absl::SkipEmpty());
  }
  for (const std::string& path : sets) {
    if (absl::Status s = catalog.AddDescriptorSet(path); !s.ok()) {
      spdlog::error("--descriptor_set: {}", std::string(s.message()));
      return 2;
    }
  }
  absl::StatusOr<transcode::RouteTable> routes = transcode::RouteTable::Build(catalog.services());
  if (!routes.ok()) {
    spdlog::error("cannot build the routes: {}", std::string(routes.status().message()));
    return 2;
  }
  for (const transcode::Route& route : routes->routes()) {
    spdlog::debug("route {} {} -> {}{}", route.http_method, route.path.text(), route.grpc_method,
                  route.server_streaming ? " (NDJSON stream)" : "");
  }

  Upstream upstream(absl::GetFlag(FLAGS_sync_service_address), absl::GetFlag(FLAGS_upstream_channels));
  GatewayOptions options;
  options.listen = absl::GetFlag(FLAGS_listen);
  options.web_root = absl::GetFlag(FLAGS_web_root);
  options.cors_origins = absl::GetFlag(FLAGS_cors_origins);
  options.max_body_bytes = static_cast<size_t>(absl::GetFlag(FLAGS_max_body_bytes));
  options.default_deadline = absl::GetFlag(FLAGS_default_deadline);
  options.http_threads = absl::GetFlag(FLAGS_http_threads);
  metrics::Metrics metrics("gateway", SYNCD_VERSION);
  if (absl::GetFlag(FLAGS_metrics)) options.metrics = &metrics;
  if (!options.web_root.empty() && !std::ifstream(options.web_root + "/index.html")) {
    spdlog::warn("--web_root {} has no index.html (build the UI: gateway/web, npm run build)",
                 options.web_root);
  }
  const size_t route_count = routes->routes().size();
  GatewayServer server(std::move(options), *std::move(routes), upstream);
  absl::StatusOr<std::string> bound = server.Bind();
  if (!bound.ok()) {
    spdlog::error("{}", std::string(bound.status().message()));
    return 1;
  }
  std::thread serving([&] { server.Serve(); });
  spdlog::info("gateway serving HTTP on {} ({} API routes) -> sync_service {}", *bound, route_count,
               upstream.address());
  if (const std::string path = absl::GetFlag(FLAGS_port_file); !path.empty()) {
    const std::string tmp = path + ".tmp";
    std::ofstream(tmp) << *bound << "\n";
    std::rename(tmp.c_str(), path.c_str());
  }

  const int sig = WaitForShutdownSignal();
  spdlog::info("received {}, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  server.Stop();
  serving.join();
  spdlog::info("gateway stopped");
  return 0;
}

}  // namespace
}  // namespace syncd::gateway

int main(int argc, char** argv) {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  syncd::BlockShutdownSignals();
  syncd::ParseFlags(argc, argv, "HTTP/JSON for syncd's API, transcoded from google.api.http",
                    absl::StrCat("gateway ", SYNCD_VERSION));
  if (absl::Status s =
          syncd::InitLogging("gateway", absl::GetFlag(FLAGS_log_format), absl::GetFlag(FLAGS_log_level));
      !s.ok()) {
    std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
    return 2;
  }
  return syncd::gateway::Run();
}
