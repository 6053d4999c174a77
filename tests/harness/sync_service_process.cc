#include "tests/harness/sync_service_process.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

#ifndef SYNC_SERVICE_BINARY
#error "SYNC_SERVICE_BINARY must be defined (tests/CMakeLists.txt sets it to the sync_service target's file)"
#endif

namespace syncd::testing {
namespace {

constexpr absl::Duration kStartTimeout = absl::Seconds(30);

}  // namespace

std::string DefaultSyncServiceBinary() { return SYNC_SERVICE_BINARY; }

absl::StatusOr<std::unique_ptr<SyncServiceProcess>> SyncServiceProcess::Start(SyncServiceOptions options) {
  if (options.binary.empty()) options.binary = DefaultSyncServiceBinary();
  std::unique_ptr<SyncServiceProcess> service(new SyncServiceProcess(std::move(options)));
  absl::StatusOr<std::string> dir = MakeTempDir("syncd-sync-service-");
  if (!dir.ok()) return dir.status();
  service->dir_ = *dir;
  service->port_file_ = service->dir_ + "/port";
  service->log_path_ = service->dir_ + "/sync_service.log";
  if (absl::Status s = service->Launch(); !s.ok()) return s;
  return service;
}

SyncServiceProcess::~SyncServiceProcess() {
  stub_.reset();
  channel_.reset();
  if (process_ != nullptr) Stop();
  if (!dir_.empty() && getenv("SYNCD_TEST_KEEP_TMP") == nullptr) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

absl::Status SyncServiceProcess::Launch() {
  std::error_code ignored;
  std::filesystem::remove(port_file_, ignored);
  std::filesystem::remove(dir_ + "/metrics.port", ignored);
  ProcessOptions process_options;
  process_options.argv = {options_.binary, "--database_url=" + options_.database_url,
                          "--listen=" + options_.listen, "--port_file=" + port_file_,
                          // Not the default 9090: tests run in parallel.
                          "--metrics_listen=127.0.0.1:0", "--metrics_port_file=" + dir_ + "/metrics.port"};
  process_options.argv.insert(process_options.argv.end(), options_.extra_args.begin(),
                              options_.extra_args.end());
  process_options.extra_env = options_.extra_env;
  process_options.log_path = log_path_;
  absl::StatusOr<std::unique_ptr<Process>> process = Process::Start(process_options);
  if (!process.ok()) return process.status();
  process_ = *std::move(process);

  absl::Time deadline = absl::Now() + kStartTimeout;
  std::optional<std::string> address;
  while (!(address = ReadAddressFile(port_file_)).has_value()) {
    if (!process_->IsRunning()) {
      return absl::InternalError(absl::StrCat("sync_service exited while starting (",
                                              process_->Wait().ToString(), ")\n", LogTail()));
    }
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat("sync_service wrote no address to ", port_file_,
                                                      " within ", absl::FormatDuration(kStartTimeout), "\n",
                                                      LogTail()));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  address_ = *address;
  // Written before the gRPC port file; absent when a test turned metrics off.
  metrics_address_ = ReadAddressFile(dir_ + "/metrics.port").value_or("");
  channel_ = grpc::CreateChannel(address_, grpc::InsecureChannelCredentials());
  if (!channel_->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10))) {
    return absl::UnavailableError(absl::StrCat("cannot connect to sync_service at ", address_,
                                               " although it wrote its port file\n", LogTail()));
  }
  stub_ = syncd::v1::SyncService::NewStub(channel_);
  return absl::OkStatus();
}

ExitStatus SyncServiceProcess::Stop(absl::Duration grace) {
  if (process_ == nullptr) return ExitStatus{};
  // Close our connection first: on shutdown the server waits for the client to answer on the connection,
  // and an idle channel in this process is polled only by gRPC's backup poller, every 5 s
  // (GRPC_CLIENT_CHANNEL_BACKUP_POLL_INTERVAL_MS), which would stretch every stop to 5 s.
  stub_.reset();
  channel_.reset();
  ExitStatus status = process_->Stop(SIGTERM, grace);
  return status;
}

ExitStatus SyncServiceProcess::Kill() {
  stub_.reset();
  channel_.reset();
  if (process_ == nullptr) return ExitStatus{};
  ExitStatus status = process_->Kill();
  process_.reset();
  return status;
}

absl::Status SyncServiceProcess::Restart() {
  stub_.reset();
  channel_.reset();
  if (process_ != nullptr) {
    ExitStatus status = Stop();
    if (!status.success()) {
      return absl::InternalError(
          absl::StrCat("sync_service did not stop cleanly (", status.ToString(), ")\n", LogTail()));
    }
    process_.reset();
  }
  return Launch();
}

bool SyncServiceProcess::IsRunning() { return process_ != nullptr && process_->IsRunning(); }

std::string SyncServiceProcess::LogTail(int max_lines) const { return FileTail(log_path_, max_lines); }

}  // namespace syncd::testing
