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
  // Another build of sync_service, for A/B runs.
  if (const char* binary = std::getenv("SYNCD_BENCH_SYNC_SERVICE_BINARY"); binary != nullptr) {
    options.binary = binary;
  }
  auto service = testing::SyncServiceProcess::Start(options);
  if (!service.ok()) Fail(std::string(service.status().message()));
  sync_service_ = std::move(*service);
}

void BenchEnv::StartWorkers(int count, std::vector<std::string> extra_args) {
  for (int i = 0; i < count; ++i) {
    testing::ProcessOptions options;
    // Another build of worker_service, for A/B runs.
    const char* binary = std::getenv("SYNCD_BENCH_WORKER_BINARY");
    options.argv = {binary != nullptr ? binary : WORKER_SERVICE_BINARY,
                    "--sync_service_address=" + sync_service_->address(), "--http_listen=127.0.0.1:0",
                    absl::StrCat("--name=bench-worker-", i)};
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

namespace {

// Fields 3.. of /proc/<pid>/stat (after the command name, which may hold spaces), or empty.
std::vector<std::string> StatFields(pid_t pid) {
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const size_t close = text.rfind(')');
  if (close == std::string::npos) return {};
  std::istringstream rest(text.substr(close + 2));
  std::vector<std::string> fields;
  for (std::string field; rest >> field;) fields.push_back(field);
  return fields;
}

pid_t ParentPid(pid_t pid) {
  const std::vector<std::string> f = StatFields(pid);
  return f.size() > 1 ? std::atoi(f[1].c_str()) : 0;
}

}  // namespace

double BenchEnv::CpuSeconds(pid_t pid) {
  const std::vector<std::string> f = StatFields(pid);
  if (f.size() < 13) return -1;
  // utime and stime are fields 14 and 15.
  return (std::atof(f[11].c_str()) + std::atof(f[12].c_str())) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double BenchEnv::PostgresCpuSeconds() {
  if (postmaster_pid_ == 0) {
    pqxx::work tx(db());
    postmaster_pid_ = ParentPid(tx.exec1("SELECT pg_backend_pid()")[0].as<int>());
  }
  double total = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
    const pid_t pid = std::atoi(name.c_str());
    if (pid == postmaster_pid_ || ParentPid(pid) == postmaster_pid_) total += CpuSeconds(pid);
  }
  return total;
}

}  // namespace syncd::bench
