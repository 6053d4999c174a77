// The real sync_service binary, run for a test against a given database on a free port of 127.0.0.1,
// with a gRPC channel and stub to talk to it like a user would.
//
//   absl::StatusOr<std::unique_ptr<SyncServiceProcess>> service = SyncServiceProcess::Start({url});
//   grpc::ClientContext context;
//   syncd::v1::ListIntegrationsResponse response;
//   grpc::Status status = (*service)->stub().ListIntegrations(&context, {}, &response);
//
// The binary writes "host:port" to --port_file once it serves; Start() waits for that.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "syncd/v1/sync_service.grpc.pb.h"
#include "tests/harness/process.h"

namespace syncd::testing {

struct SyncServiceOptions {
  std::string database_url;
  // --listen. A fixed port ("127.0.0.1:<PickFreePort()>") keeps the address across Restart(), so that
  // workers pointed at it find the restarted service.
  std::string listen = "127.0.0.1:0";
  // Flags added after --database_url, --listen and --port_file.
  std::vector<std::string> extra_args;
  // "NAME=value" entries for the service's environment.
  std::vector<std::string> extra_env;
  // Empty: the sync_service built with the tests.
  std::string binary;
};

class SyncServiceProcess {
 public:
  // Starts the service and waits (up to 30 s) until it serves. Fails with the service log when it
  // exits or does not come up.
  static absl::StatusOr<std::unique_ptr<SyncServiceProcess>> Start(SyncServiceOptions options);

  SyncServiceProcess(const SyncServiceProcess&) = delete;
  SyncServiceProcess& operator=(const SyncServiceProcess&) = delete;
  // Stops the service and removes its temp dir.
  ~SyncServiceProcess();

  // "127.0.0.1:<port>" of the running service.
  const std::string& address() const { return address_; }
  // "127.0.0.1:<port>" of its Prometheus /metrics (HTTP); empty when turned off.
  const std::string& metrics_address() const { return metrics_address_; }
  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }
  // Replaced by Restart(): fetch it again afterwards.
  syncd::v1::SyncService::Stub& stub() { return *stub_; }

  // Drops the channel and stub (stubs made from channel() should be gone too), sends SIGTERM, and
  // SIGKILL after `grace`.
  ExitStatus Stop(absl::Duration grace = absl::Seconds(10));
  // SIGKILL, as a crash would end it: nothing is cleaned up. Restart() starts it again.
  ExitStatus Kill();
  // Stops the service (unless Kill() ended it) and starts it again on the same database, on a new port
  // unless options.listen names a fixed one.
  absl::Status Restart();
  bool IsRunning();
  // The running process id (for resource measurements); not after Kill().
  pid_t pid() const { return process_->pid(); }

  // The last lines of the service log (across restarts), for failure messages.
  std::string LogTail(int max_lines = 60) const;
  // The log file (across restarts), e.g. to check what was never logged.
  const std::string& log_path() const { return log_path_; }

 private:
  explicit SyncServiceProcess(SyncServiceOptions options) : options_(std::move(options)) {}

  absl::Status Launch();

  SyncServiceOptions options_;
  std::string dir_;
  std::string port_file_;
  std::string log_path_;
  std::string address_;
  std::string metrics_address_;
  std::unique_ptr<Process> process_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<syncd::v1::SyncService::Stub> stub_;
};

// The sync_service binary the tests were built with.
std::string DefaultSyncServiceBinary();

}  // namespace syncd::testing
