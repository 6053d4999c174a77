// sync_service: the gRPC server that owns integrations, their schedule and their sync history.
// Flags and wiring only; the logic lives in api/, store/, domain/ and schedule/.
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <random>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/clock.h"
#include "common/env_flags.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "common/pg_pool.h"
#include "common/shutdown_signals.h"
#include "spdlog/spdlog.h"
#include "sync_service/api/health_service.h"
#include "sync_service/api/rpc_log_interceptor.h"
#include "sync_service/api/rpc_metrics_interceptor.h"
#include "sync_service/api/sync_service_impl.h"
#include "sync_service/dispatch/dispatch_listener.h"
#include "sync_service/dispatch/dispatcher.h"
#include "sync_service/dispatch/sync_metrics.h"
#include "sync_service/dispatch/worker_session.h"
#include "sync_service/store/migrations.h"
#include "sync_service/store/sync_store.h"

ABSL_FLAG(std::string, listen, syncd::EnvOr("SYNC_SERVICE_LISTEN", std::string("0.0.0.0:50051")),
          "gRPC listen address host:port; port 0 picks a free port [env SYNC_SERVICE_LISTEN]");
// Read from the environment in Run(), not as the flag default: --help prints defaults, and the URL may
// hold a password.
ABSL_FLAG(std::string, database_url, "",
          "PostgreSQL connection URL, e.g. postgresql://syncd:secret@db:5432/syncd [env DATABASE_URL]");
ABSL_FLAG(int, db_pool_size, syncd::EnvOr("SYNC_SERVICE_DB_POOL_SIZE", 8),
          "PostgreSQL connections kept by this process [env SYNC_SERVICE_DB_POOL_SIZE]");
ABSL_FLAG(int, integration_readers, syncd::EnvOr("SYNC_SERVICE_INTEGRATION_READERS", 2),
          "Threads answering GetIntegration, each with one query at a time: calls that arrive while all are "
          "busy are answered together by the next query (no waiting when one is free). At most this many of "
          "the --db_pool_size connections serve these reads [env SYNC_SERVICE_INTEGRATION_READERS]");
ABSL_FLAG(
    int, db_wait_seconds, syncd::EnvOr("SYNC_SERVICE_DB_WAIT_SECONDS", 60),
    "How long to wait at startup for PostgreSQL to accept connections [env SYNC_SERVICE_DB_WAIT_SECONDS]");
ABSL_FLAG(int, shutdown_grace_seconds, syncd::EnvOr("SYNC_SERVICE_SHUTDOWN_GRACE_SECONDS", 10),
          "On SIGTERM/SIGINT, how long in-flight RPCs may take to finish "
          "[env SYNC_SERVICE_SHUTDOWN_GRACE_SECONDS]");
ABSL_FLAG(std::string, log_level, syncd::EnvOr("SYNCD_LOG_LEVEL", std::string("info")),
          "trace, debug, info, warn or error [env SYNCD_LOG_LEVEL]");
ABSL_FLAG(std::string, log_format, syncd::EnvOr("SYNCD_LOG_FORMAT", std::string("text")),
          "text (for people) or json (one JSON object a line, for log shippers) [env SYNCD_LOG_FORMAT]");
ABSL_FLAG(absl::Duration, lease, syncd::EnvOr("SYNC_SERVICE_LEASE", absl::Seconds(30)),
          "A running sync fails as WORKER_LOST when its worker sends no heartbeat for this long "
          "[env SYNC_SERVICE_LEASE]");
ABSL_FLAG(absl::Duration, heartbeat_interval,
          syncd::EnvOr("SYNC_SERVICE_HEARTBEAT_INTERVAL", absl::Seconds(5)),
          "How often workers are asked to send heartbeats [env SYNC_SERVICE_HEARTBEAT_INTERVAL]");
ABSL_FLAG(absl::Duration, retry_base_delay, syncd::EnvOr("SYNC_SERVICE_RETRY_BASE_DELAY", absl::Minutes(1)),
          "Delay before the first retry of a failed sync; doubles with each retry "
          "[env SYNC_SERVICE_RETRY_BASE_DELAY]");
ABSL_FLAG(int, max_retries, syncd::EnvOr("SYNC_SERVICE_MAX_RETRIES", 3),
          "Retries after a failed sync before the schedule pauses [env SYNC_SERVICE_MAX_RETRIES]");
ABSL_FLAG(double, retry_jitter, syncd::EnvOr("SYNC_SERVICE_RETRY_JITTER", 0.1),
          "Random extra share (0..1) added to each retry delay [env SYNC_SERVICE_RETRY_JITTER]");
ABSL_FLAG(absl::Duration, default_sync_timeout,
          syncd::EnvOr("SYNC_SERVICE_DEFAULT_SYNC_TIMEOUT", absl::Minutes(10)),
          "Deadline of a sync when its integration sets no syncTimeoutSeconds "
          "[env SYNC_SERVICE_DEFAULT_SYNC_TIMEOUT]");
ABSL_FLAG(
    absl::Duration, sync_deadline_grace, syncd::EnvOr("SYNC_SERVICE_SYNC_DEADLINE_GRACE", absl::Minutes(1)),
    "How long a sync may run past its deadline for its worker to stop it and report; after that "
    "heartbeats no longer keep it alive and it fails as TIMEOUT [env SYNC_SERVICE_SYNC_DEADLINE_GRACE]");
ABSL_FLAG(absl::Duration, safety_poll, syncd::EnvOr("SYNC_SERVICE_SAFETY_POLL", absl::Seconds(5)),
          "Look for due work at least this often, even without notifications [env SYNC_SERVICE_SAFETY_POLL]");
ABSL_FLAG(int, dispatch_batch, syncd::EnvOr("SYNC_SERVICE_DISPATCH_BATCH", 512),
          "Most syncs claimed or finished in one database transaction [env SYNC_SERVICE_DISPATCH_BATCH]");
ABSL_FLAG(int, max_concurrent_syncs, syncd::EnvOr("SYNC_SERVICE_MAX_CONCURRENT_SYNCS", 0),
          "Most syncs running at once across all workers and replicas; 0 = unlimited. When replicas are "
          "configured differently, the strictest limit of the live replicas holds "
          "[env SYNC_SERVICE_MAX_CONCURRENT_SYNCS]");
ABSL_FLAG(int, max_concurrent_syncs_per_host, syncd::EnvOr("SYNC_SERVICE_MAX_CONCURRENT_SYNCS_PER_HOST", 0),
          "Most syncs running at once against one target host (the host of an HTTP_JSON integration's url) "
          "across all workers and replicas; 0 = unlimited. The strictest of the live replicas holds "
          "[env SYNC_SERVICE_MAX_CONCURRENT_SYNCS_PER_HOST]");
ABSL_FLAG(std::string, replica_id, syncd::EnvOr("SYNC_SERVICE_REPLICA_ID", std::string()),
          "Name of this replica in the database; default host name, process id and a random suffix "
          "[env SYNC_SERVICE_REPLICA_ID]");
ABSL_FLAG(absl::Duration, min_sync_interval,
          syncd::EnvOr("SYNC_SERVICE_MIN_SYNC_INTERVAL", absl::Seconds(60)),
          "Shortest syncInterval the API accepts; lower it only for demos and tests "
          "[env SYNC_SERVICE_MIN_SYNC_INTERVAL]");
ABSL_FLAG(
    absl::Duration, history_retention, syncd::EnvOr("SYNC_SERVICE_HISTORY_RETENTION", absl::Hours(24 * 90)),
    "Finished runs older than this are deleted from the sync history, with their record batches; 0 keeps "
    "the history forever [env SYNC_SERVICE_HISTORY_RETENTION]");
ABSL_FLAG(absl::Duration, history_prune_interval,
          syncd::EnvOr("SYNC_SERVICE_HISTORY_PRUNE_INTERVAL", absl::Minutes(10)),
          "How often to look for runs past --history_retention [env SYNC_SERVICE_HISTORY_PRUNE_INTERVAL]");
ABSL_FLAG(
    std::string, port_file, "",
    "When set, write the bound host:port to this file once serving (for tests and scripts) [flag only]");
ABSL_FLAG(std::string, metrics_listen,
          syncd::EnvOr("SYNC_SERVICE_METRICS_LISTEN", std::string("0.0.0.0:9090")),
          "Address of the Prometheus /metrics endpoint (HTTP); port 0 picks a free port, empty turns it off "
          "[env SYNC_SERVICE_METRICS_LISTEN]");
ABSL_FLAG(
    bool, health_check, false,
    "Instead of serving: ask the sync_service listening on --listen's port of this host for its gRPC "
    "health (grpc.health.v1) and exit 0 when SERVING, 1 otherwise (for container health checks) [flag only]");
ABSL_FLAG(std::string, metrics_port_file, "",
          "When set, write the bound /metrics host:port to this file once serving (for tests and scripts) "
          "[flag only]");

namespace syncd {
namespace {

// The largest gRPC message sync_service accepts. A worker's RecordBatch carries up to 500 records of one
// page, and an HTTP_JSON page may be up to 64 MiB (HttpJsonConnector's max_response_bytes), so gRPC's
// default 4 MiB would refuse legitimate batches (RESOURCE_EXHAUSTED); 96 MiB leaves room for the
// protobuf framing and the per-record id and JSON re-encoding around a full page.
constexpr int kMaxReceiveMessageBytes = 96 * 1024 * 1024;

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

std::string DefaultReplicaId() {
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  absl::BitGen gen;
  return absl::StrCat(host, "-", getpid(), "-", absl::Hex(absl::Uniform<uint32_t>(gen), absl::kZeroPad8));
}

// --health_check: one grpc.health.v1.Health/Check to this host's sync_service; the exit code says SERVING.
int ProbeHealth() {
  const std::string listen = absl::GetFlag(FLAGS_listen);
  const std::string address = absl::StrCat("127.0.0.1", listen.substr(listen.rfind(':')));
  auto stub =
      grpc::health::v1::Health::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = stub->Check(&context, {}, &response);
  if (!status.ok()) {
    std::fprintf(stderr, "%s: %s\n", address.c_str(), status.error_message().c_str());
    return 1;
  }
  const bool serving = response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
  std::fprintf(stderr, "%s: %s\n", address.c_str(), serving ? "SERVING" : "NOT_SERVING");
  return serving ? 0 : 1;
}

// Write then rename: a reader never sees half an address.
void WritePortFile(const std::string& path, const std::string& address) {
  if (path.empty()) return;
  const std::string tmp = path + ".tmp";
  std::ofstream(tmp) << address << "\n";
  std::rename(tmp.c_str(), path.c_str());
}

int Run() {
  std::string database_url = absl::GetFlag(FLAGS_database_url);
  if (database_url.empty()) database_url = EnvOr("DATABASE_URL", std::string());
  if (database_url.empty()) {
    spdlog::error("--database_url (or DATABASE_URL) is required");
    return 2;
  }
  if (absl::Status url = CheckDatabaseUrl(database_url); !url.ok()) {
    spdlog::error("{}", std::string(url.message()));
    return 2;
  }
  if (absl::GetFlag(FLAGS_db_pool_size) < 1) {
    spdlog::error("--db_pool_size must be at least 1");
    return 2;
  }
  if (absl::GetFlag(FLAGS_integration_readers) < 1) {
    spdlog::error("--integration_readers must be at least 1");
    return 2;
  }
  if (absl::GetFlag(FLAGS_lease) <= absl::GetFlag(FLAGS_heartbeat_interval)) {
    spdlog::error(
        "--lease must be longer than --heartbeat_interval (several heartbeats should fit in a lease)");
    return 2;
  }
  if (absl::GetFlag(FLAGS_max_retries) < 0 || absl::GetFlag(FLAGS_retry_jitter) < 0 ||
      absl::GetFlag(FLAGS_retry_jitter) > 1 ||
      absl::GetFlag(FLAGS_retry_base_delay) <= absl::ZeroDuration()) {
    spdlog::error("--max_retries must be >= 0, --retry_jitter within 0..1, --retry_base_delay positive");
    return 2;
  }
  if (absl::GetFlag(FLAGS_min_sync_interval) < absl::Seconds(1) ||
      absl::GetFlag(FLAGS_min_sync_interval) > absl::Seconds(domain::kMaxSyncIntervalSeconds)) {
    spdlog::error("--min_sync_interval must be between 1s and 7 days");
    return 2;
  }
  if (absl::GetFlag(FLAGS_max_concurrent_syncs) < 0 ||
      absl::GetFlag(FLAGS_max_concurrent_syncs_per_host) < 0) {
    spdlog::error("--max_concurrent_syncs and --max_concurrent_syncs_per_host must be >= 0 (0 = unlimited)");
    return 2;
  }
  if (absl::GetFlag(FLAGS_default_sync_timeout) <= absl::ZeroDuration() ||
      absl::GetFlag(FLAGS_sync_deadline_grace) < absl::ZeroDuration()) {
    spdlog::error("--default_sync_timeout must be positive and --sync_deadline_grace at least 0");
    return 2;
  }
  if (absl::GetFlag(FLAGS_dispatch_batch) < 1) {
    spdlog::error("--dispatch_batch must be at least 1");
    return 2;
  }
  if (absl::GetFlag(FLAGS_history_retention) < absl::ZeroDuration() ||
      absl::GetFlag(FLAGS_history_prune_interval) <= absl::ZeroDuration()) {
    spdlog::error(
        "--history_retention must be at least 0 (0 keeps the history forever) and "
        "--history_prune_interval positive");
    return 2;
  }
  const std::string metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  absl::StatusOr<std::pair<std::string, int>> metrics_address;
  if (!metrics_listen.empty()) {
    metrics_address = metrics::SplitHostPort(metrics_listen, "metrics_listen");
    if (!metrics_address.ok()) {
      spdlog::error("{}", std::string(metrics_address.status().message()));
      return 2;
    }
  }

  if (absl::Status s =
          MigrateWhenReachable(database_url, absl::Seconds(absl::GetFlag(FLAGS_db_wait_seconds)));
      !s.ok()) {
    spdlog::error("cannot prepare the database: {}", std::string(s.message()));
    return 1;
  }

  RealClock clock;
  PgPool pool({.url = database_url, .size = absl::GetFlag(FLAGS_db_pool_size)},
              &store::SyncStore::PrepareStatements);
  domain::IntervalRules interval_rules;
  interval_rules.min_seconds =
      static_cast<int32_t>(absl::ToInt64Seconds(absl::GetFlag(FLAGS_min_sync_interval)));
  store::SyncStore store(pool, clock, interval_rules, absl::GetFlag(FLAGS_integration_readers));

  schedule::RetryPolicy retry_policy;
  retry_policy.base_delay = absl::GetFlag(FLAGS_retry_base_delay);
  retry_policy.max_retries = absl::GetFlag(FLAGS_max_retries);
  retry_policy.jitter = absl::GetFlag(FLAGS_retry_jitter);
  std::string replica_id = absl::GetFlag(FLAGS_replica_id);
  if (replica_id.empty()) replica_id = DefaultReplicaId();
  absl::BitGen jitter_gen;
  absl::Mutex jitter_mu;
  const schedule::ConcurrencyLimits limits{absl::GetFlag(FLAGS_max_concurrent_syncs),
                                           absl::GetFlag(FLAGS_max_concurrent_syncs_per_host)};
  store::DispatchStore dispatch_store(
      pool, clock, retry_policy, replica_id,
      [&] {
        absl::MutexLock lock(&jitter_mu);
        return absl::Uniform<double>(jitter_gen, 0.0, 1.0);
      },
      limits);
  dispatch::DispatcherOptions dispatch_options;
  dispatch_options.lease = absl::GetFlag(FLAGS_lease);
  dispatch_options.heartbeat_interval = absl::GetFlag(FLAGS_heartbeat_interval);
  dispatch_options.safety_poll = absl::GetFlag(FLAGS_safety_poll);
  dispatch_options.default_sync_timeout = absl::GetFlag(FLAGS_default_sync_timeout);
  dispatch_options.sync_deadline_grace = absl::GetFlag(FLAGS_sync_deadline_grace);
  dispatch_options.max_batch = absl::GetFlag(FLAGS_dispatch_batch);
  dispatch_options.history_retention = absl::GetFlag(FLAGS_history_retention);
  dispatch_options.prune_interval = absl::GetFlag(FLAGS_history_prune_interval);
  dispatch_options.reap_interval = std::max(absl::Milliseconds(200), dispatch_options.lease / 10);
  metrics::Metrics metrics("sync_service", SYNCD_VERSION);
  dispatch::SyncMetrics sync_metrics(metrics.registry());
  dispatch_store.SetFinishedObserver(
      [&sync_metrics](const std::vector<store::FinishedRun>& runs) { sync_metrics.Finished(runs); });
  dispatch_options.metrics = &sync_metrics;
  api::RpcMetrics rpc_metrics(metrics.registry());
  dispatch::Dispatcher dispatcher(dispatch_store, clock, dispatch_options);
  metrics.AddGauge("syncd_workers_connected", "Workers connected to this replica",
                   [&dispatcher]() -> std::optional<double> { return dispatcher.CurrentLoad().workers; });
  metrics.AddGauge(
      "syncd_runs_in_flight",
      "Syncs running on the workers connected to this replica (assigned, result not yet recorded)",
      [&dispatcher]() -> std::optional<double> { return dispatcher.CurrentLoad().runs; });
  metrics.AddGauge(
      "syncd_due_backlog",
      "Syncs due (or triggered) but not yet handed to a worker, in the whole database: every replica reports "
      "the same value",
      [&dispatch_store]() -> std::optional<double> {
        absl::StatusOr<int32_t> backlog = dispatch_store.DueBacklog();
        if (!backlog.ok()) return std::nullopt;
        return *backlog;
      });
  dispatch::WorkerServiceImpl worker_service(dispatcher);
  dispatch::DispatchListener listener(database_url, [&dispatcher] { dispatcher.Wake(); });

  api::SyncServiceImpl sync_service(store, dispatch_store, dispatch_options.presence_interval * 3);
  api::HealthService health([&store] { return store.Ping(); },
                            {std::string(v1::SyncService::service_full_name()),
                             std::string(v1::WorkerService::service_full_name())});

  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  const std::string listen = absl::GetFlag(FLAGS_listen);
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.SetMaxReceiveMessageSize(kMaxReceiveMessageBytes);
  // The synchronous API's threads: by default at most two idle pollers stay, so under concurrent calls gRPC
  // kept creating and destroying threads (a third of the CPU of GetIntegration at 64 concurrent calls).
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::NUM_CQS, 1);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 2);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, 256);
  builder.RegisterService(&sync_service);
  builder.RegisterService(&worker_service);
  builder.RegisterService(&health);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(std::make_unique<api::RpcLogInterceptorFactory>());
  interceptors.push_back(std::make_unique<api::RpcMetricsInterceptorFactory>(rpc_metrics));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    spdlog::error("cannot listen on {}", listen);
    return 1;
  }
  metrics::MetricsServer metrics_server(metrics);
  std::string metrics_bound = "off";
  if (metrics_address.ok() && !metrics_listen.empty()) {
    absl::StatusOr<int> metrics_port = metrics_server.Start(metrics_address->first, metrics_address->second);
    if (!metrics_port.ok()) {
      spdlog::error("metrics: {}", std::string(metrics_port.status().message()));
      return 1;
    }
    metrics_bound = absl::StrCat(metrics_listen.substr(0, metrics_listen.rfind(':')), ":", *metrics_port);
  }
  const std::string bound = absl::StrCat(listen.substr(0, listen.rfind(':')), ":", port);
  dispatcher.Start();
  listener.Start();
  spdlog::info(
      "sync_service {} serving gRPC on {} (replica {}, max_concurrent_syncs={}, "
      "max_concurrent_syncs_per_host={}; 0 = unlimited, the strictest of all replicas holds), metrics on {}",
      SYNCD_VERSION, bound, replica_id, limits.max_concurrent_syncs, limits.max_concurrent_syncs_per_host,
      metrics_bound == "off" ? "off" : absl::StrCat("http://", metrics_bound, "/metrics"));
  if (metrics_bound != "off") WritePortFile(absl::GetFlag(FLAGS_metrics_port_file), metrics_bound);
  WritePortFile(absl::GetFlag(FLAGS_port_file), bound);

  const int sig = WaitForShutdownSignal();
  spdlog::info("received {}, shutting down (grace {}s)", sig == SIGTERM ? "SIGTERM" : "SIGINT",
               absl::GetFlag(FLAGS_shutdown_grace_seconds));
  health.Shutdown();
  listener.Stop();
  // Stop handing out work first; workers keep their runs and report them to whichever replica they reach
  // next (or to this one after a restart).
  server->Shutdown(std::chrono::system_clock::now() +
                   std::chrono::seconds(absl::GetFlag(FLAGS_shutdown_grace_seconds)));
  server->Wait();
  dispatcher.Stop();
  metrics_server.Stop();
  if (absl::Status s = dispatch_store.ReplicaStopped(); !s.ok()) {
    spdlog::warn("removing this replica's presence: {}", std::string(s.message()));
  }
  spdlog::info("sync_service stopped");
  return 0;
}

}  // namespace
}  // namespace syncd

int main(int argc, char** argv) {
  // Debian builds abseil with its debug-only deadlock detection on: a global graph update per Mutex lock.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  syncd::BlockShutdownSignals();
  syncd::ParseFlags(
      argc, argv,
      "syncd sync_service: schedules integration syncs and serves the SyncService and WorkerService gRPC "
      "APIs.\n"
      "Every flag can also be set by the environment variable named in its help.",
      absl::StrCat("sync_service ", SYNCD_VERSION));
  if (absl::GetFlag(FLAGS_health_check)) return syncd::ProbeHealth();
  if (absl::Status s =
          syncd::InitLogging("sync_service", absl::GetFlag(FLAGS_log_format), absl::GetFlag(FLAGS_log_level));
      !s.ok()) {
    std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
    return 2;
  }
  return syncd::Run();
}
