// The real worker_service binary, run for a test against a given sync_service address, with its HTTP
// probe port (/healthz, /readyz) on a free port of 127.0.0.1 and a tiny HTTP client to ask it.
//
//   WorkerProcessOptions options;
//   options.sync_service_address = service->address();
//   options.extra_args = {"--worker_id=worker-a", "--capacity=1"};
//   absl::StatusOr<std::unique_ptr<WorkerProcess>> worker = WorkerProcess::Start(options);
//   absl::StatusOr<HttpResponse> ready = (*worker)->Get("/readyz");  // ready->status == 200 once connected
//   ExitStatus status = (*worker)->Stop();                            // SIGTERM: drains, then exits 0
//
// The binary writes its HTTP "host:port" to --port_file once it serves; Start() waits for that (not for
// the connection to sync_service, which the worker makes and remakes on its own).
#pragma once

#include <signal.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/harness/http_response.h"
#include "tests/harness/process.h"

namespace syncd::testing {

struct WorkerProcessOptions {
  // --sync_service_address, "host:port".
  std::string sync_service_address;
  // Flags added after --sync_service_address, --http_listen and --port_file (e.g. --worker_id, --capacity).
  std::vector<std::string> extra_args;
  // "NAME=value" entries for the worker's environment.
  std::vector<std::string> extra_env;
  // Empty: the worker_service built with the tests.
  std::string binary;
};

class WorkerProcess {
 public:
  // Starts the worker and waits (up to 30 s) until its HTTP port serves. Fails with the worker log when
  // it exits or does not come up.
  static absl::StatusOr<std::unique_ptr<WorkerProcess>> Start(WorkerProcessOptions options);

  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;
  // Kills a worker that is still running and removes its temp dir.
  ~WorkerProcess();

  // "127.0.0.1:<port>" of /healthz and /readyz.
  const std::string& http_address() const { return http_address_; }
  pid_t pid() const { return process_->pid(); }
  bool IsRunning() { return process_->IsRunning(); }

  // Sends `signal` (SIGTERM: the worker drains and exits 0), waits up to `grace`, then SIGKILL.
  ExitStatus Stop(int signal = SIGTERM, absl::Duration grace = absl::Seconds(30));
  // SIGKILL, as a crash would end it.
  ExitStatus Kill();
  // Sends `signal` without waiting (see WaitFor).
  void Signal(int signal);
  // The exit status if the worker exits within `timeout`.
  std::optional<ExitStatus> WaitFor(absl::Duration timeout);

  // GET `path` from the worker's HTTP port.
  absl::StatusOr<HttpResponse> Get(const std::string& path, absl::Duration timeout = absl::Seconds(5)) const;

  // The last lines of the worker log, for failure messages.
  std::string LogTail(int max_lines = 60) const;
  // The log file (across restarts), e.g. to check what was never logged.
  const std::string& log_path() const { return log_path_; }

 private:
  WorkerProcess() = default;

  std::string dir_;
  std::string log_path_;
  std::string http_address_;
  std::unique_ptr<Process> process_;
};

// One HTTP/1.1 GET over a plain socket ("Connection: close"), for probes. `address` is "host:port" with an
// IPv4 host.
absl::StatusOr<HttpResponse> HttpGet(const std::string& address, const std::string& path,
                                     absl::Duration timeout = absl::Seconds(5));

// The worker_service binary the tests were built with.
std::string DefaultWorkerServiceBinary();

}  // namespace syncd::testing
