// The fixture of the sync loop tests: a fresh database, a sync_service with short leases, heartbeats and
// retry delays (on a fixed port, so that it can be killed and restarted under its workers), real
// worker_service processes, and helpers to read runs and to wait for conditions with a deadline.
//
//   class RetriesTest : public SyncLoopTest {};
//   TEST_F(RetriesTest, ...) {
//     WorkerProcess& worker = StartWorker("worker-a");
//     v1::Integration integration = MustCreate(Demo("Flaky", DemoConfig{.failure_rate = 1}, 2));
//     ASSERT_TRUE(Eventually(kWait, [&] { return RunsOf(integration.id()).size() >= 4; }));
//   }
//
// When a test fails, TearDown prints the tails of the worker and sync_service logs.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/harness/worker_process.h"
#include "tests/integration/sync_service_fixture.h"

namespace syncd::testing {

// The service settings of these tests: a worker is lost 3 s after its last heartbeat, retries wait 1, 2,
// 4 s without jitter, and intervals may be as short as 1 s.
inline constexpr absl::Duration kLease = absl::Seconds(3);
inline constexpr absl::Duration kRetryBase = absl::Seconds(1);
inline constexpr int kMaxRetries = 3;

// How long a test waits for something that should happen within a second or two: generous, for a loaded
// machine; only a broken service makes a test wait this long.
inline constexpr absl::Duration kWait = absl::Seconds(30);

// How far two timestamps that the service derives from one another by arithmetic may differ (they travel
// as microseconds, but the worker's completion time is clamped to the run's start).
inline constexpr absl::Duration kExact = absl::Milliseconds(50);

// The DEMO connector's settings.
struct DemoConfig {
  int records = 10;
  int latency_ms = 0;
  double failure_rate = 0;
  std::string error_code = "SERVER_ERROR";
  std::optional<int> sync_timeout_seconds = std::nullopt;
  // The connector sleeps latency_ms without watching its deadline or cancellation (a stuck connector).
  bool ignore_deadline = false;
};

// A DEMO integration with `config` syncing every `interval_seconds` (nullopt: manual only).
v1::Integration Demo(const std::string& name, const DemoConfig& config, std::optional<int> interval_seconds);
google::protobuf::Struct ConfigStruct(const DemoConfig& config);

// Polls `condition` every 50 ms until it holds (true) or `timeout` passes (false).
bool Eventually(absl::Duration timeout, const std::function<bool()>& condition);

// "SUCCESS", "WORKER_LOST", ... for failure messages.
std::string Describe(const v1::SyncRun& run);
std::string Describe(const std::vector<v1::SyncRun>& runs);

class SyncLoopTest : public SyncServiceTest {
 protected:
  void ConfigureService(SyncServiceOptions& options) override;
  void TearDown() override;

  // Flags of every sync_service of the test (a fixture may add or replace some).
  virtual std::vector<std::string> ServiceFlags() const;

  // Starts a worker with --worker_id=<id> and --name=<id> connected to the test's sync_service (or to
  // `address`), and waits until it is ready (/readyz 200). Fails the test when it cannot.
  WorkerProcess* StartWorker(const std::string& id, int capacity = 3, const std::string& address = "");
  WorkerProcess& worker(const std::string& id) { return *workers_.at(id); }
  // One SIGTERM to every worker still running, then waits (30 s, then SIGKILL); returns their exit
  // statuses by id.
  std::map<std::string, ExitStatus> StopWorkers();

  // Pauses the integrations' schedules (UpdateSyncSettings syncEnabled=false), so that no new run starts,
  // then gives a run claimed just before its pause a moment to reach its worker. Workers stopped after this
  // find every run they were given. (An assignment that crosses a worker's SIGTERM is lost until its lease
  // ends: see WorkerDrainRaceTest.)
  void PauseSchedules(const std::vector<std::string>& integration_ids);

  // Another sync_service on the test's database, with the same flags (port 0). Fails the test when it
  // cannot start.
  SyncServiceProcess* StartReplica();

  // The integration's runs, oldest first (through GetSyncHistory; up to 100).
  std::vector<v1::SyncRun> RunsOf(const std::string& integration_id);
  // The run with `id` from the integration's history, if there.
  std::optional<v1::SyncRun> FindRun(const std::string& integration_id, const std::string& run_id);
  // Waits until the run has ended (SUCCESS, FAILED or CANCELLED); returns it, or nullopt after kWait.
  std::optional<v1::SyncRun> AwaitEnded(const std::string& integration_id, const std::string& run_id);
  // Waits (kWait) until the integration's first run is RUNNING; `runs` holds its runs as last read.
  bool AwaitFirstRunRunning(const std::string& integration_id, std::vector<v1::SyncRun>* runs);
  // The workers GetWorkerStatus lists, by id.
  std::map<std::string, v1::Worker> ListedWorkers();

  // --- SQL checks that the API cannot express ---
  // Pairs of runs of one integration whose [started_at, completed_at] overlap (a run still going counts as
  // open-ended), described for a failure message. Empty when no integration ever ran twice at once.
  std::vector<std::string> OverlappingRuns();
  // Runs PENDING or RUNNING now.
  int ActiveRuns();
  // The status, error code, worker id, trigger and attempt of every run, one line each, for failure messages.
  std::string RunsTable();

  const std::string& service_address() const { return service_address_; }

 private:
  std::string service_address_;
  std::map<std::string, std::unique_ptr<WorkerProcess>> workers_;
  std::vector<std::unique_ptr<SyncServiceProcess>> replicas_;
};

}  // namespace syncd::testing
