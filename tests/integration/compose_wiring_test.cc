// compose.yaml, proven without a Docker engine: `docker-compose config` (Debian's docker-compose) validates
// the file and resolves it with .env.example; this test reads the resolved file (libyaml-cpp) and runs each
// service's command with exactly that service's environment as local processes: service host names point at
// 127.0.0.1, each listening port is remapped to a free one (containers have a network each; processes share
// one), and the postgres service is the harness's PostgreSQL with the role and database of DATABASE_URL.
// The services' own health checks decide when each is up, two workers stand for `--scale worker=2`, and the
// system must sync: an integration created through the gateway's HTTP API gets a SUCCESS run. Each program
// must then stop cleanly on the STOPSIGNAL within its stop_grace_period.

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "syncd/v1/sync_service.grpc.pb.h"
#include "tests/harness/gateway_process.h"
#include "tests/harness/postgres.h"
#include "tests/harness/process.h"
#include "tests/harness/worker_process.h"

#ifndef SYNCD_SOURCE_DIR
#error "SYNCD_SOURCE_DIR must be defined"
#endif

namespace syncd::testing {
namespace {

using ::testing::Contains;

const std::string kSource = SYNCD_SOURCE_DIR;

// stdout of a shell command, and whether it exited 0.
struct CommandOutput {
  bool ok = false;
  std::string out;
};

CommandOutput RunCommand(const std::string& command) {
  CommandOutput result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.out.append(buffer.data(), n);
  result.ok = pclose(pipe) == 0;
  return result;
}

// `docker-compose config` of compose.yaml with .env.example, in a clean environment (so variables of the
// test's own environment do not leak in, as they would not on an operator's machine).
CommandOutput ComposeConfig() {
  return RunCommand(
      absl::StrCat("env -i PATH=/usr/local/bin:/usr/bin:/bin docker-compose --project-directory '", kSource,
                   "' -f '", kSource, "/compose.yaml' --env-file '", kSource, "/.env.example' config 2>&1"));
}

// "45s", "1m30s" (compose durations) as absl::Duration.
absl::Duration ComposeDuration(const YAML::Node& node, absl::Duration fallback) {
  if (!node) return fallback;
  absl::Duration d;
  return absl::ParseDuration(node.as<std::string>(), &d) ? d : fallback;
}

// The build's binary for a command name in compose.yaml.
std::string BinaryFor(const std::string& program) {
  if (program == "sync_service") return SYNC_SERVICE_BINARY;
  if (program == "worker_service") return WORKER_SERVICE_BINARY;
  if (program == "gateway") return GATEWAY_BINARY;
  return "";
}

class ComposeWiringTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CommandOutput config = ComposeConfig();
    ASSERT_TRUE(config.ok)
        << "docker-compose config rejected compose.yaml (is docker-compose installed? it is in "
           "scripts/lib.sh's package list):\n"
        << config.out;
    compose_ = YAML::Load(config.out);
    ASSERT_TRUE(compose_["services"].IsMap());
    absl::StatusOr<std::string> dir = MakeTempDir("syncd-compose-");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_ = *dir;
  }

  void TearDown() override {
    for (auto it = running_.rbegin(); it != running_.rend(); ++it) {
      if (it->process->IsRunning()) it->process->Kill();
      if (HasFailure()) std::cerr << it->name << ":\n" << it->process->LogTail() << "\n";
    }
    running_.clear();
    std::error_code ignored;
    if (!HasFailure()) std::filesystem::remove_all(dir_, ignored);
  }

  YAML::Node Service(const std::string& name) { return compose_["services"][name]; }

  // The service's environment as compose resolved it, with host names and ports made local: listen
  // addresses get a free port of 127.0.0.1 (remembered per service and container port, so that
  // "sync_service:50051" elsewhere finds it), "postgres:5432" is the harness's server, and the image's web
  // root is the source tree's.
  std::map<std::string, std::string> LocalEnvironment(const std::string& service) {
    std::map<std::string, std::string> env;
    for (const auto& kv : Service(service)["environment"]) {
      env[kv.first.as<std::string>()] = kv.second.IsNull() ? "" : kv.second.as<std::string>();
    }
    static const std::regex kListen(R"(^(0\.0\.0\.0|\[::\]|127\.0\.0\.1|localhost)?:([0-9]+)$)");
    for (auto& [name, value] : env) {
      std::smatch m;
      if (std::regex_match(value, m, kListen)) {
        absl::StatusOr<int> port = PickFreePort();
        EXPECT_TRUE(port.ok()) << port.status();
        ports_[{service, std::stoi(m[2])}] = *port;
        value = absl::StrCat("127.0.0.1:", *port);
      }
    }
    static const std::regex kServiceAddress(R"((^|[/@,])([A-Za-z_][A-Za-z0-9_.-]*):([0-9]+))");
    for (auto& [name, value] : env) {
      std::string out;
      auto begin = std::sregex_iterator(value.begin(), value.end(), kServiceAddress);
      size_t last = 0;
      for (auto it = begin; it != std::sregex_iterator(); ++it) {
        const std::smatch& m = *it;
        auto mapped = ports_.find({m[2].str(), std::stoi(m[3])});
        if (mapped == ports_.end()) continue;
        out += value.substr(last, m.position(0) - last) + m[1].str() +
               "127.0.0.1:" + std::to_string(mapped->second);
        last = m.position(0) + m.length(0);
      }
      value = out + value.substr(last);
    }
    if (auto it = env.find("GATEWAY_WEB_ROOT");
        it != env.end() && absl::StartsWith(it->second, "/usr/share/syncd/web")) {
      it->second = kSource + "/gateway/web/dist";
    }
    return env;
  }

  static std::vector<std::string> EnvList(const std::map<std::string, std::string>& env) {
    std::vector<std::string> out;
    for (const auto& [k, v] : env) out.push_back(k + "=" + v);
    return out;
  }

  // Starts the service's command (the program's name mapped to the build's binary) with `env`.
  Process* StartService(const std::string& name, const std::string& instance,
                        const std::map<std::string, std::string>& env) {
    std::vector<std::string> argv;
    for (const auto& arg : Service(name)["command"]) argv.push_back(arg.as<std::string>());
    EXPECT_FALSE(argv.empty()) << name << " has no command";
    if (argv.empty()) return nullptr;
    argv[0] = BinaryFor(argv[0]);
    EXPECT_FALSE(argv[0].empty()) << name << ": command names no syncd program";
    ProcessOptions options;
    options.argv = argv;
    options.extra_env = EnvList(env);
    options.log_path = absl::StrCat(dir_, "/", instance, ".log");
    absl::StatusOr<std::unique_ptr<Process>> process = Process::Start(options);
    EXPECT_TRUE(process.ok()) << process.status();
    if (!process.ok()) return nullptr;
    running_.push_back({instance, name, *std::move(process), env});
    return running_.back().process.get();
  }

  // Runs the service's compose health check once, locally: a CMD of one of our programs is run with the
  // service's environment; `curl URL` becomes an HTTP GET of the URL's path on the remapped port.
  bool HealthCheckPasses(const std::string& name, const std::map<std::string, std::string>& env) {
    std::vector<std::string> test;
    for (const auto& arg : Service(name)["healthcheck"]["test"]) test.push_back(arg.as<std::string>());
    if (test.size() < 2 || test[0] != "CMD") {
      ADD_FAILURE() << name << ": expected a healthcheck of the form [CMD, program, args...]";
      return false;
    }
    if (test[1] == "curl") {
      static const std::regex kUrl(R"(^http://[^/:]+:([0-9]+)(/.*)$)");
      std::smatch m;
      if (!std::regex_match(test.back(), m, kUrl)) {
        ADD_FAILURE() << name << ": health check URL not understood: " << test.back();
        return false;
      }
      auto port = ports_.find({name, std::stoi(m[1])});
      if (port == ports_.end()) {
        ADD_FAILURE() << name << ": health check asks port " << m[1]
                      << ", which the service does not listen on";
        return false;
      }
      absl::StatusOr<HttpResponse> res = HttpGet(absl::StrCat("127.0.0.1:", port->second), m[2]);
      return res.ok() && res->status == 200;
    }
    ProcessOptions options;
    options.argv = {BinaryFor(test[1])};
    if (options.argv[0].empty()) {
      ADD_FAILURE() << name << ": health check runs " << test[1] << ", not a syncd program";
      return false;
    }
    options.argv.insert(options.argv.end(), test.begin() + 2, test.end());
    options.extra_env = EnvList(env);
    options.log_path = dir_ + "/healthcheck.log";
    absl::StatusOr<std::unique_ptr<Process>> check = Process::Start(options);
    return check.ok() && (*check)->Wait().success();
  }

  // Polls the health check as Docker would, for start_period plus retries * interval (at least 60 s).
  bool AwaitHealthy(const std::string& name, const std::map<std::string, std::string>& env) {
    const YAML::Node hc = Service(name)["healthcheck"];
    const absl::Duration budget = std::max(
        absl::Seconds(60), ComposeDuration(hc["start_period"], absl::ZeroDuration()) +
                               ComposeDuration(hc["interval"], absl::Seconds(30)) * hc["retries"].as<int>(3));
    const absl::Time deadline = absl::Now() + budget;
    while (absl::Now() < deadline) {
      if (HealthCheckPasses(name, env)) return true;
      absl::SleepFor(absl::Milliseconds(200));
    }
    return false;
  }

  struct Running {
    std::string instance;
    std::string service;
    std::unique_ptr<Process> process;
    std::map<std::string, std::string> env;
    std::string name = instance;
  };

  YAML::Node compose_;
  std::string dir_;
  std::map<std::pair<std::string, int>, int> ports_;
  std::vector<Running> running_;
};

TEST_F(ComposeWiringTest, ServicesAreDeclaredForOperation) {
  for (const char* name : {"postgres", "sync_service", "worker", "gateway"}) {
    EXPECT_TRUE(Service(name).IsMap()) << "no service " << name;
  }
  // postgres: the official image, its data on a volume, a health check the others wait for.
  EXPECT_TRUE(absl::StartsWith(Service("postgres")["image"].as<std::string>(""), "postgres:"));
  EXPECT_TRUE(Service("postgres")["volumes"].IsSequence());
  EXPECT_TRUE(Service("postgres")["healthcheck"].IsMap());
  EXPECT_EQ(Service("sync_service")["depends_on"]["postgres"]["condition"].as<std::string>(""),
            "service_healthy");
  EXPECT_EQ(Service("worker")["depends_on"]["sync_service"]["condition"].as<std::string>(""),
            "service_healthy");
  EXPECT_EQ(Service("gateway")["depends_on"]["sync_service"]["condition"].as<std::string>(""),
            "service_healthy");
  // Workers scale with --scale worker=N: nothing may pin one container.
  EXPECT_FALSE(Service("worker")["container_name"]);
  EXPECT_FALSE(Service("worker")["ports"]);
  EXPECT_EQ(Service("worker")["restart"].as<std::string>(""), "unless-stopped");
  // The gateway is the one published port.
  std::vector<int> published;
  for (const auto& p : Service("gateway")["ports"]) published.push_back(p["target"].as<int>(0));
  EXPECT_THAT(published, Contains(8080));
  for (const char* name : {"sync_service", "worker", "gateway"}) {
    EXPECT_TRUE(Service(name)["healthcheck"].IsMap()) << name;
    EXPECT_FALSE(Service(name)["container_name"]) << name;
  }
  // A worker stopping drains for WORKER_DRAIN_TIMEOUT; Docker must not kill it before that.
  absl::Duration drain;
  ASSERT_TRUE(absl::ParseDuration(
      Service("worker")["environment"]["WORKER_DRAIN_TIMEOUT"].as<std::string>(""), &drain));
  EXPECT_GT(ComposeDuration(Service("worker")["stop_grace_period"], absl::Seconds(10)), drain);
  int sync_grace = 0;
  ASSERT_TRUE(absl::SimpleAtoi(
      Service("sync_service")["environment"]["SYNC_SERVICE_SHUTDOWN_GRACE_SECONDS"].as<std::string>(""),
      &sync_grace));
  EXPECT_GT(ComposeDuration(Service("sync_service")["stop_grace_period"], absl::Seconds(10)),
            absl::Seconds(sync_grace));
}

TEST_F(ComposeWiringTest, TheServicesAsConfiguredSyncTogether) {
  // postgres: the harness's server, with the role and database that DATABASE_URL names.
  absl::StatusOr<std::unique_ptr<PostgresServer>> pg = PostgresServer::Start();
  ASSERT_TRUE(pg.ok()) << pg.status();
  ports_[{"postgres", 5432}] = (*pg)->port();
  const YAML::Node pg_env = Service("postgres")["environment"];
  {
    pqxx::connection admin((*pg)->Url("postgres"));
    pqxx::nontransaction tx(admin);
    tx.exec0("CREATE ROLE " + tx.quote_name(pg_env["POSTGRES_USER"].as<std::string>()) + " LOGIN PASSWORD " +
             tx.quote(pg_env["POSTGRES_PASSWORD"].as<std::string>()));
    tx.exec0("CREATE DATABASE " + tx.quote_name(pg_env["POSTGRES_DB"].as<std::string>()) + " OWNER " +
             tx.quote_name(pg_env["POSTGRES_USER"].as<std::string>()));
  }

  // In depends_on order, each once its own health check passes, as compose would.
  const std::map<std::string, std::string> sync_env = LocalEnvironment("sync_service");
  ASSERT_TRUE(absl::StrContains(sync_env.at("DATABASE_URL"), absl::StrCat("127.0.0.1:", (*pg)->port())))
      << sync_env.at("DATABASE_URL");
  ASSERT_NE(StartService("sync_service", "sync_service", sync_env), nullptr);
  ASSERT_TRUE(AwaitHealthy("sync_service", sync_env)) << running_.back().process->LogTail();

  // Two workers: --scale worker=2. Each container has its own network, so each gets its own local ports.
  std::vector<std::map<std::string, std::string>> worker_envs;
  for (int i = 1; i <= 2; ++i) {
    worker_envs.push_back(LocalEnvironment("worker"));
    ASSERT_NE(StartService("worker", absl::StrCat("worker-", i), worker_envs.back()), nullptr);
    ASSERT_TRUE(AwaitHealthy("worker", worker_envs.back())) << running_.back().process->LogTail();
  }

  // The API, at the address the workers were given.
  const std::string grpc_address = worker_envs[0].at("SYNC_SERVICE_ADDRESS");
  auto stub = v1::SyncService::NewStub(grpc::CreateChannel(grpc_address, grpc::InsecureChannelCredentials()));
  auto context = [] {
    auto c = std::make_unique<grpc::ClientContext>();
    c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return c;
  };

  // Both workers connected.
  v1::GetWorkerStatusResponse workers;
  const absl::Time workers_deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < workers_deadline) {
    workers.Clear();
    if (stub->GetWorkerStatus(context().get(), {}, &workers).ok() && workers.workers_size() == 2) break;
    absl::SleepFor(absl::Milliseconds(200));
  }
  EXPECT_EQ(workers.workers_size(), 2) << workers.DebugString();

  // The gateway, published on 8080, serving the API (and the UI when built).
  const std::map<std::string, std::string> gateway_env = LocalEnvironment("gateway");
  ASSERT_NE(StartService("gateway", "gateway", gateway_env), nullptr);
  ASSERT_TRUE(AwaitHealthy("gateway", gateway_env)) << running_.back().process->LogTail();
  auto published = ports_.find({"gateway", Service("gateway")["ports"][0]["target"].as<int>()});
  ASSERT_NE(published, ports_.end()) << "the gateway's published port is not the one it listens on";
  const std::string http = absl::StrCat("127.0.0.1:", published->second);

  // A user creates an integration through the HTTP API and sees it sync.
  HttpResponse created =
      SendHttp(http, "POST", "/api/integrations",
               R"({"name":"Compose wiring","type":"DEMO","config":{"records":4},"syncInterval":3600})");
  ASSERT_EQ(created.status, 200) << created.body;
  const std::string id = nlohmann::json::parse(created.body).value("id", "");
  ASSERT_FALSE(id.empty()) << created.body;
  HttpResponse history;
  bool succeeded = false;
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (!succeeded && absl::Now() < deadline) {
    history = SendHttp(http, "GET", "/api/integrations/" + id + "/sync-history");
    if (history.status == 200) {
      for (const auto& run : nlohmann::json::parse(history.body).value("logs", nlohmann::json::array())) {
        succeeded = succeeded || run.value("status", "") == "SUCCESS";
      }
    }
    if (!succeeded) absl::SleepFor(absl::Milliseconds(200));
  }
  ASSERT_TRUE(succeeded) << history.body;

  // Metrics on the port compose names for Prometheus.
  auto metrics_port = ports_.find({"sync_service", 9090});
  ASSERT_NE(metrics_port, ports_.end()) << "sync_service's environment listens on no port 9090 for /metrics";
  absl::StatusOr<HttpResponse> metrics =
      HttpGet(absl::StrCat("127.0.0.1:", metrics_port->second), "/metrics");
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_TRUE(absl::StrContains(metrics->body, "syncd_syncs_succeeded_total{trigger=\"SCHEDULED\"} 1"))
      << metrics->body;

  // Each stops cleanly on its stop signal within its stop_grace_period, workers first (as `docker compose
  // down` does, dependents first).
  stub.reset();
  for (auto it = running_.rbegin(); it != running_.rend(); ++it) {
    const absl::Duration grace =
        ComposeDuration(Service(it->service)["stop_grace_period"], absl::Seconds(10));
    ExitStatus exit = it->process->Stop(SIGTERM, grace);
    EXPECT_TRUE(exit.success()) << it->instance << " on SIGTERM: " << exit.ToString() << "\n"
                                << it->process->LogTail();
  }
}

}  // namespace
}  // namespace syncd::testing
