#include "bench/bench_env.h"

#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "syncd/v1/sync_service.grpc.pb.h"

namespace syncd::bench {

void Fail(const std::string& message) {
  std::cerr << "benchmark failed: " << message << std::endl;
  std::exit(1);
}

BenchEnv::BenchEnv() {
  char tmpl[] = "/tmp/syncd-bench-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) Fail("mkdtemp");
  dir_ = tmpl;
}

BenchEnv::~BenchEnv() {
  for (auto& w : workers_) w->Stop(SIGTERM, absl::Seconds(10));
  sync_service_.reset();
  db_.reset();
  postgres_.reset();
}

void BenchEnv::StartPostgres() {
  auto pg = testing::PostgresServer::Start();
  if (!pg.ok()) Fail(std::string(pg.status().message()));
  postgres_ = std::move(*pg);
  auto url = postgres_->CreateDatabase("bench");
  if (!url.ok()) Fail(std::string(url.status().message()));
  database_url_ = *url;
  db_ = std::make_unique<pqxx::connection>(database_url_);
}

void BenchEnv::StartSyncService(std::vector<std::string> extra_args) {
  testing::SyncServiceOptions options;
  options.database_url = database_url_;
  options.extra_args = std::move(extra_args);
  auto service = testing::SyncServiceProcess::Start(options);
  if (!service.ok()) Fail(std::string(service.status().message()));
  sync_service_ = std::move(*service);
}

void BenchEnv::StartWorkers(int count, std::vector<std::string> extra_args) {
  for (int i = 0; i < count; ++i) {
    testing::ProcessOptions options;
    options.argv = {WORKER_SERVICE_BINARY, "--sync_service_address=" + sync_service_->address(),
                    "--http_listen=127.0.0.1:0", absl::StrCat("--name=bench-worker-", i)};
    options.argv.insert(options.argv.end(), extra_args.begin(), extra_args.end());
    options.log_path = absl::StrCat(dir_, "/worker-", workers_.size(), ".log");
    auto worker = testing::Process::Start(options);
    if (!worker.ok()) Fail(std::string(worker.status().message()));
    workers_.push_back(std::move(*worker));
  }
}

void BenchEnv::WaitForWorkers(int count) {
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (absl::Now() < give_up) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    v1::GetWorkerStatusResponse status;
    if (sync_service_->stub().GetWorkerStatus(&context, {}, &status).ok() && status.workers_size() >= count)
      return;
    absl::SleepFor(absl::Milliseconds(100));
  }
  Fail(absl::StrCat("workers did not connect; sync_service log:\n", sync_service_->LogTail()));
}

double BenchEnv::RssMiB(pid_t pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atof(line.c_str() + 6) / 1024.0;
  }
  return -1;
}

double BenchEnv::CpuSeconds(pid_t pid) {
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const size_t close = text.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(text.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::atof(field.c_str());
    if (i == 15) stime = std::atof(field.c_str());
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double BenchEnv::PostgresCpuSeconds() {
  double total = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
    std::ifstream comm(entry.path() / "comm");
    std::string command;
    std::getline(comm, command);
    if (command == "postgres") total += CpuSeconds(std::atoi(name.c_str()));
  }
  return total;
}

}  // namespace syncd::bench
