// sync_service: the gRPC server that owns integrations, their schedule and their sync history.
// Flags and wiring only; the logic lives in api/, store/, domain/ and schedule/.
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/clock.h"
#include "common/env_flags.h"
#include "common/logging.h"
#include "common/pg_pool.h"
#include "spdlog/spdlog.h"
#include "sync_service/api/health_service.h"
#include "sync_service/api/rpc_log_interceptor.h"
#include "sync_service/api/sync_service_impl.h"
#include "sync_service/store/migrations.h"
#include "sync_service/store/sync_store.h"

ABSL_FLAG(std::string, listen, syncd::EnvOr("SYNC_SERVICE_LISTEN", std::string("0.0.0.0:50051")),
          "gRPC listen address host:port; port 0 picks a free port [env SYNC_SERVICE_LISTEN]");
ABSL_FLAG(std::string, database_url, syncd::EnvOr("DATABASE_URL", std::string()),
          "PostgreSQL connection URL, e.g. postgresql://syncd:secret@db:5432/syncd [env DATABASE_URL]");
ABSL_FLAG(int, db_pool_size, syncd::EnvOr("SYNC_SERVICE_DB_POOL_SIZE", 8),
          "PostgreSQL connections kept by this process [env SYNC_SERVICE_DB_POOL_SIZE]");
ABSL_FLAG(
    int, db_wait_seconds, syncd::EnvOr("SYNC_SERVICE_DB_WAIT_SECONDS", 60),
    "How long to wait at startup for PostgreSQL to accept connections [env SYNC_SERVICE_DB_WAIT_SECONDS]");
ABSL_FLAG(int, shutdown_grace_seconds, syncd::EnvOr("SYNC_SERVICE_SHUTDOWN_GRACE_SECONDS", 10),
          "On SIGTERM/SIGINT, how long in-flight RPCs may take to finish "
          "[env SYNC_SERVICE_SHUTDOWN_GRACE_SECONDS]");
ABSL_FLAG(std::string, log_level, syncd::EnvOr("SYNCD_LOG_LEVEL", std::string("info")),
          "trace, debug, info, warn or error [env SYNCD_LOG_LEVEL]");
ABSL_FLAG(std::string, port_file, "",
          "When set, write the bound host:port to this file once serving (for tests and scripts)");

namespace syncd {
namespace {

// Waits for PostgreSQL (it may still be starting, e.g. under compose) and applies migrations.
absl::Status MigrateWhenReachable(const std::string& url, absl::Duration wait) {
  const absl::Time give_up = absl::Now() + wait;
  absl::Duration backoff = absl::Milliseconds(200);
  while (true) {
    absl::Status status = store::ApplyMigrations(url, store::EmbeddedMigrations());
    if (status.ok() || status.code() != absl::StatusCode::kUnavailable || absl::Now() >= give_up)
      return status;
    spdlog::warn("waiting for PostgreSQL: {}", std::string(status.message()));
    absl::SleepFor(backoff);
    backoff = std::min(backoff * 2, absl::Seconds(5));
  }
}

int Run() {
  const std::string database_url = absl::GetFlag(FLAGS_database_url);
  if (database_url.empty()) {
    spdlog::error("--database_url (or DATABASE_URL) is required");
    return 2;
  }
  if (absl::GetFlag(FLAGS_db_pool_size) < 1) {
    spdlog::error("--db_pool_size must be at least 1");
    return 2;
  }

  // Signals are taken by sigwait below; block them before any thread starts so none of them gets one.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  if (absl::Status s =
          MigrateWhenReachable(database_url, absl::Seconds(absl::GetFlag(FLAGS_db_wait_seconds)));
      !s.ok()) {
    spdlog::error("cannot prepare the database: {}", std::string(s.message()));
    return 1;
  }

  RealClock clock;
  PgPool pool({.url = database_url, .size = absl::GetFlag(FLAGS_db_pool_size)},
              &store::SyncStore::PrepareStatements);
  store::SyncStore store(pool, clock);
  api::SyncServiceImpl sync_service(store);
  api::HealthService health([&store] { return store.Ping(); },
                            {std::string(v1::SyncService::service_full_name())});

  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  const std::string listen = absl::GetFlag(FLAGS_listen);
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&sync_service);
  builder.RegisterService(&health);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(std::make_unique<api::RpcLogInterceptorFactory>());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    spdlog::error("cannot listen on {}", listen);
    return 1;
  }
  const std::string bound = absl::StrCat(listen.substr(0, listen.rfind(':')), ":", port);
  spdlog::info("sync_service {} serving gRPC on {}", SYNCD_VERSION, bound);
  if (const std::string path = absl::GetFlag(FLAGS_port_file); !path.empty()) {
    // Write then rename: a reader never sees half an address.
    const std::string tmp = path + ".tmp";
    std::ofstream(tmp) << bound << "\n";
    std::rename(tmp.c_str(), path.c_str());
  }

  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("received {}, shutting down (grace {}s)", sig == SIGTERM ? "SIGTERM" : "SIGINT",
               absl::GetFlag(FLAGS_shutdown_grace_seconds));
  health.Shutdown();
  server->Shutdown(std::chrono::system_clock::now() +
                   std::chrono::seconds(absl::GetFlag(FLAGS_shutdown_grace_seconds)));
  server->Wait();
  spdlog::info("sync_service stopped");
  return 0;
}

}  // namespace
}  // namespace syncd

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "syncd sync_service: schedules integration syncs and serves the SyncService and WorkerService gRPC "
      "APIs.\n"
      "Every flag can also be set by the environment variable named in its help.");
  absl::ParseCommandLine(argc, argv);
  if (absl::Status s = syncd::InitLogging("sync_service", "text", absl::GetFlag(FLAGS_log_level)); !s.ok()) {
    std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
    return 2;
  }
  return syncd::Run();
}
