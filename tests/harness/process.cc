#include "tests/harness/process.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

extern char** environ;

namespace syncd::testing {
namespace {

// The test binary's environment with `extra` ("NAME=value") added or replacing entries of the same name.
std::vector<std::string> MergedEnvironment(const std::vector<std::string>& extra) {
  std::map<std::string, std::string> by_name;
  std::vector<std::string> order;
  auto put = [&](const std::string& entry) {
    std::string name = entry.substr(0, entry.find('='));
    if (by_name.find(name) == by_name.end()) order.push_back(name);
    by_name[name] = entry;
  };
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) put(*e);
  for (const std::string& entry : extra) put(entry);
  std::vector<std::string> merged;
  merged.reserve(order.size());
  for (const std::string& name : order) merged.push_back(by_name[name]);
  return merged;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  for (std::string& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

ExitStatus FromWaitStatus(int wait_status) {
  ExitStatus status;
  if (WIFEXITED(wait_status)) {
    status.exited = true;
    status.code = WEXITSTATUS(wait_status);
  } else if (WIFSIGNALED(wait_status)) {
    status.signal = WTERMSIG(wait_status);
  }
  return status;
}

// Runs in the child between fork and exec: only async-signal-safe calls. On failure, writes errno and a
// step number to `error_fd` and exits.
[[noreturn]] void ExecChild(const char* log_path, const std::optional<Credentials>& run_as, char** argv,
                            char** envp, int error_fd, pid_t parent) {
  int step = 0;
  auto fail = [&](int failed_step) {
    int report[2] = {failed_step, errno};
    ssize_t ignored = write(error_fd, report, sizeof(report));
    (void)ignored;
    _exit(127);
  };

  sigset_t all;
  sigemptyset(&all);
  sigprocmask(SIG_SETMASK, &all, nullptr);
  signal(SIGPIPE, SIG_DFL);

  ++step;
  int log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (log_fd < 0) fail(step);
  int null_fd = open("/dev/null", O_RDONLY);
  if (null_fd < 0) fail(step);
  ++step;
  if (dup2(null_fd, STDIN_FILENO) < 0 || dup2(log_fd, STDOUT_FILENO) < 0 || dup2(log_fd, STDERR_FILENO) < 0) {
    fail(step);
  }
  // Leave the child only stdio and the error pipe (which closes on exec).
  for (int fd : {log_fd, null_fd}) {
    if (fd > STDERR_FILENO) close(fd);
  }
#ifdef SYS_close_range
  if (error_fd > 3) syscall(SYS_close_range, 3, error_fd - 1, 0);
  syscall(SYS_close_range, error_fd + 1, ~0U, 0);
#endif

  ++step;
  if (run_as.has_value()) {
    if (setgroups(0, nullptr) != 0 || setgid(run_as->gid) != 0 || setuid(run_as->uid) != 0) fail(step);
  }
  // After setuid, which clears it.
  ++step;
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail(step);
  if (getppid() != parent) _exit(127);  // the test binary died before prctl took effect

  ++step;
  execve(argv[0], argv, envp);
  fail(step);
  _exit(127);
}

}  // namespace

std::string ExitStatus::ToString() const {
  if (exited) return absl::StrCat("exit code ", code);
  return absl::StrCat("killed by signal ", signal, " (", strsignal(signal), ")");
}

absl::StatusOr<std::unique_ptr<Process>> Process::Start(ProcessOptions options) {
  if (options.argv.empty()) return absl::InvalidArgumentError("Process::Start: empty argv");
  if (options.log_path.empty()) return absl::InvalidArgumentError("Process::Start: no log_path");

  // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
  std::vector<std::string> argv_strings = options.argv;
  std::vector<std::string> env_strings = MergedEnvironment(options.extra_env);
  std::vector<char*> argv = CStrings(argv_strings);
  std::vector<char*> envp = CStrings(env_strings);

  int error_pipe[2];
  if (pipe2(error_pipe, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe2: ", strerror(errno)));
  }
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    int fork_errno = errno;
    close(error_pipe[0]);
    close(error_pipe[1]);
    return absl::InternalError(absl::StrCat("fork: ", strerror(fork_errno)));
  }
  if (pid == 0) {
    close(error_pipe[0]);
    ExecChild(options.log_path.c_str(), options.run_as, argv.data(), envp.data(), error_pipe[1], parent);
  }

  close(error_pipe[1]);
  int report[2] = {0, 0};
  ssize_t n;
  do {
    n = read(error_pipe[0], report, sizeof(report));
  } while (n < 0 && errno == EINTR);
  close(error_pipe[0]);
  if (n > 0) {
    int child_status = 0;
    waitpid(pid, &child_status, 0);
    static constexpr const char* kSteps[] = {"",      "open log file", "redirect stdio", "drop privileges",
                                             "prctl", "execve"};
    const char* step = report[0] > 0 && report[0] < 6 ? kSteps[report[0]] : "?";
    return absl::InternalError(absl::StrCat("starting ", absl::StrJoin(options.argv, " "), ": ", step,
                                            " failed: ", strerror(report[1])));
  }
  return std::unique_ptr<Process>(new Process(pid, options.log_path));
}

Process::~Process() {
  if (!exit_status_.has_value()) Kill();
}

bool Process::Reap(bool block) {
  if (exit_status_.has_value()) return true;
  int wait_status = 0;
  pid_t r;
  do {
    r = waitpid(pid_, &wait_status, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_) {
    exit_status_ = FromWaitStatus(wait_status);
    return true;
  }
  if (r < 0) {
    // Not our child any more (should not happen); treat it as gone.
    exit_status_ = ExitStatus{};
    return true;
  }
  return false;
}

bool Process::IsRunning() { return !Reap(/*block=*/false); }

std::optional<ExitStatus> Process::WaitFor(absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (!Reap(/*block=*/false)) {
    if (absl::Now() >= deadline) return std::nullopt;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return exit_status_;
}

ExitStatus Process::Wait() {
  Reap(/*block=*/true);
  return *exit_status_;
}

ExitStatus Process::Stop(int signal, absl::Duration grace) {
  if (Reap(/*block=*/false)) return *exit_status_;
  kill(pid_, signal);
  if (std::optional<ExitStatus> status = WaitFor(grace)) return *status;
  return Kill();
}

ExitStatus Process::Kill() {
  if (Reap(/*block=*/false)) return *exit_status_;
  kill(pid_, SIGKILL);
  return Wait();
}

std::string Process::LogTail(int max_lines) const { return FileTail(log_path_, max_lines); }

std::string FileTail(const std::string& path, int max_lines) {
  std::ifstream in(path);
  if (!in) return absl::StrCat("(cannot read ", path, ")");
  std::deque<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(line);
    if (static_cast<int>(lines.size()) > max_lines) lines.pop_front();
  }
  return absl::StrCat("---- last ", lines.size(), " lines of ", path, " ----\n", absl::StrJoin(lines, "\n"),
                      "\n---- end of ", path, " ----");
}

std::optional<std::string> ReadAddressFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream content;
  content << in.rdbuf();
  std::string address(absl::StripAsciiWhitespace(content.str()));
  size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || colon == 0 || !absl::SimpleAtoi(address.substr(colon + 1), &port) ||
      port <= 0 || port > 65535) {
    return std::nullopt;
  }
  return address;
}

absl::StatusOr<std::string> MakeTempDir(const std::string& prefix, const std::string& parent) {
  std::error_code error;
  std::filesystem::path base =
      parent.empty() ? std::filesystem::temp_directory_path(error) : std::filesystem::path(parent);
  if (error) base = "/tmp";
  std::string pattern = (base / (prefix + "XXXXXX")).string();
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp ", pattern, ": ", strerror(errno)));
  }
  return pattern;
}

}  // namespace syncd::testing
