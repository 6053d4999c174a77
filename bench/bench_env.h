// What every benchmark needs: a throwaway PostgreSQL, the real sync_service and workers as processes,
// and SQL to set up and read back state. Built on the integration-test harness.
//
//   BenchEnv env;
//   env.StartPostgres();
//   env.StartSyncService({"--dispatch_batch=512"});
//   env.StartWorkers(2, {"--capacity=256"});
#pragma once

#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "tests/harness/postgres.h"
#include "tests/harness/process.h"
#include "tests/harness/sync_service_process.h"

namespace syncd::bench {

class BenchEnv {
 public:
  BenchEnv();
  ~BenchEnv();

  void StartPostgres();
  void StartSyncService(std::vector<std::string> extra_args);
  void StartWorkers(int count, std::vector<std::string> extra_args);
  // Waits until `count` workers show in GetWorkerStatus.
  void WaitForWorkers(int count);

  const std::string& database_url() const { return database_url_; }
  testing::SyncServiceProcess& sync_service() { return *sync_service_; }
  std::vector<std::unique_ptr<testing::Process>>& workers() { return workers_; }
  pqxx::connection& db() { return *db_; }

  // Resident set size of a process in MiB (from /proc).
  static double RssMiB(pid_t pid);
  // CPU time (user + system) a process has used so far, in seconds.
  static double CpuSeconds(pid_t pid);
  // CPU time used by this benchmark's PostgreSQL server: its postmaster and the child processes alive now
  // (backends, background writers). Other clusters on the machine (tests running alongside) do not count.
  double PostgresCpuSeconds();

 private:
  std::string dir_;
  std::unique_ptr<testing::PostgresServer> postgres_;
  std::string database_url_;
  std::unique_ptr<testing::SyncServiceProcess> sync_service_;
  std::vector<std::unique_ptr<testing::Process>> workers_;
  std::unique_ptr<pqxx::connection> db_;
  pid_t postmaster_pid_ = 0;
};

// Prints a message and exits with status 1.
[[noreturn]] void Fail(const std::string& message);

}  // namespace syncd::bench
