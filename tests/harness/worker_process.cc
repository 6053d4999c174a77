#include "tests/harness/worker_process.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

#ifndef WORKER_SERVICE_BINARY
#error \
    "WORKER_SERVICE_BINARY must be defined (tests/CMakeLists.txt sets it to the worker_service target's file)"
#endif

namespace syncd::testing {
namespace {

constexpr absl::Duration kStartTimeout = absl::Seconds(30);

// Closes the descriptor when it goes out of scope.
class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() {
    if (fd_ >= 0) close(fd_);
  }
  int fd() const { return fd_; }

 private:
  int fd_;
};

// Waits until `fd` is ready for `events` or `deadline` passes.
absl::Status AwaitSocket(int fd, short events, absl::Time deadline, const char* what) {
  while (true) {
    const int64_t remaining_ms = absl::ToInt64Milliseconds(deadline - absl::Now());
    if (remaining_ms <= 0) return absl::DeadlineExceededError(absl::StrCat("HTTP GET: timed out ", what));
    pollfd pfd{fd, events, 0};
    const int n = poll(&pfd, 1, static_cast<int>(remaining_ms));
    if (n > 0) return absl::OkStatus();
    if (n < 0 && errno != EINTR) return absl::InternalError(absl::StrCat("poll: ", strerror(errno)));
  }
}

}  // namespace

std::string DefaultWorkerServiceBinary() { return WORKER_SERVICE_BINARY; }

absl::StatusOr<std::unique_ptr<WorkerProcess>> WorkerProcess::Start(WorkerProcessOptions options) {
  if (options.binary.empty()) options.binary = DefaultWorkerServiceBinary();
  std::unique_ptr<WorkerProcess> worker(new WorkerProcess());
  absl::StatusOr<std::string> dir = MakeTempDir("syncd-worker-");
  if (!dir.ok()) return dir.status();
  worker->dir_ = *dir;
  worker->log_path_ = worker->dir_ + "/worker_service.log";
  const std::string port_file = worker->dir_ + "/port";

  ProcessOptions process_options;
  process_options.argv = {options.binary, "--sync_service_address=" + options.sync_service_address,
                          "--http_listen=127.0.0.1:0", "--port_file=" + port_file};
  process_options.argv.insert(process_options.argv.end(), options.extra_args.begin(),
                              options.extra_args.end());
  process_options.extra_env = options.extra_env;
  process_options.log_path = worker->log_path_;
  absl::StatusOr<std::unique_ptr<Process>> process = Process::Start(process_options);
  if (!process.ok()) return process.status();
  worker->process_ = *std::move(process);

  const absl::Time deadline = absl::Now() + kStartTimeout;
  std::optional<std::string> address;
  while (!(address = ReadAddressFile(port_file)).has_value()) {
    if (!worker->process_->IsRunning()) {
      return absl::InternalError(absl::StrCat("worker_service exited while starting (",
                                              worker->process_->Wait().ToString(), ")\n", worker->LogTail()));
    }
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat("worker_service wrote no address to ", port_file,
                                                      " within ", absl::FormatDuration(kStartTimeout), "\n",
                                                      worker->LogTail()));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  worker->http_address_ = *address;
  return worker;
}

WorkerProcess::~WorkerProcess() {
  process_.reset();  // kills it if still running
  if (!dir_.empty() && getenv("SYNCD_TEST_KEEP_TMP") == nullptr) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

ExitStatus WorkerProcess::Stop(int signal, absl::Duration grace) { return process_->Stop(signal, grace); }

ExitStatus WorkerProcess::Kill() { return process_->Kill(); }

void WorkerProcess::Signal(int signal) {
  if (process_->IsRunning()) kill(process_->pid(), signal);
}

std::optional<ExitStatus> WorkerProcess::WaitFor(absl::Duration timeout) {
  return process_->WaitFor(timeout);
}

absl::StatusOr<HttpResponse> WorkerProcess::Get(const std::string& path, absl::Duration timeout) const {
  return HttpGet(http_address_, path, timeout);
}

std::string WorkerProcess::LogTail(int max_lines) const { return FileTail(log_path_, max_lines); }

absl::StatusOr<HttpResponse> HttpGet(const std::string& address, const std::string& path,
                                     absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  const size_t colon = address.rfind(':');
  int port = 0;
  sockaddr_in peer{};
  peer.sin_family = AF_INET;
  if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port) || port <= 0 ||
      port > 65535 || inet_pton(AF_INET, address.substr(0, colon).c_str(), &peer.sin_addr) != 1) {
    return absl::InvalidArgumentError(absl::StrCat("HTTP GET: not an IPv4 host:port: ", address));
  }
  peer.sin_port = htons(static_cast<uint16_t>(port));

  Socket socket_fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  const int fd = socket_fd.fd();
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", strerror(errno)));
  if (connect(fd, reinterpret_cast<sockaddr*>(&peer), sizeof(peer)) != 0) {
    if (errno != EINPROGRESS) {
      return absl::UnavailableError(absl::StrCat("HTTP GET ", address, ": connect: ", strerror(errno)));
    }
    if (absl::Status s = AwaitSocket(fd, POLLOUT, deadline, "connecting"); !s.ok()) return s;
    int error = 0;
    socklen_t length = sizeof(error);
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) {
      return absl::UnavailableError(absl::StrCat("HTTP GET ", address, ": connect: ", strerror(error)));
    }
  }

  const std::string request =
      absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: ", address, "\r\nConnection: close\r\n\r\n");
  for (size_t sent = 0; sent < request.size();) {
    if (absl::Status s = AwaitSocket(fd, POLLOUT, deadline, "sending"); !s.ok()) return s;
    const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      return absl::UnavailableError(absl::StrCat("HTTP GET ", address, ": send: ", strerror(errno)));
    }
    if (n > 0) sent += static_cast<size_t>(n);
  }

  std::string response;
  while (true) {
    if (absl::Status s = AwaitSocket(fd, POLLIN, deadline, "reading"); !s.ok()) return s;
    char buffer[4096];
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return absl::UnavailableError(absl::StrCat("HTTP GET ", address, ": recv: ", strerror(errno)));
    }
    response.append(buffer, static_cast<size_t>(n));
  }

  // "HTTP/1.1 200 OK\r\n<headers>\r\n\r\n<body>"
  const size_t header_end = response.find("\r\n\r\n");
  const std::vector<std::string> status_line =
      absl::StrSplit(response.substr(0, response.find("\r\n")), absl::MaxSplits(' ', 2));
  HttpResponse out;
  if (header_end == std::string::npos || status_line.size() < 2 ||
      !absl::SimpleAtoi(status_line[1], &out.status)) {
    return absl::DataLossError(
        absl::StrCat("HTTP GET ", address, path, ": not an HTTP response: ", response));
  }
  out.body = response.substr(header_end + 4);
  return out;
}

}  // namespace syncd::testing
