// A child process for tests: started with fork/execve, its stdout and stderr appended to a log file,
// stopped with a signal and a grace period. A child never outlives the test binary (it gets SIGKILL when
// its parent dies).
//
//   ProcessOptions options;
//   options.argv = {"/bin/sleep", "60"};
//   options.log_path = dir + "/sleep.log";
//   absl::StatusOr<std::unique_ptr<Process>> sleeper = Process::Start(options);
//   ...
//   ExitStatus status = (*sleeper)->Stop();  // SIGTERM, then SIGKILL after 10 s
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace syncd::testing {

// The user a child runs as (used to drop root for PostgreSQL).
struct Credentials {
  uid_t uid = 0;
  gid_t gid = 0;
};

struct ProcessOptions {
  // argv[0] is the executable's path; no PATH lookup is done.
  std::vector<std::string> argv;
  // "NAME=value" entries added to (or replacing those of) the test binary's environment.
  std::vector<std::string> extra_env;
  // stdout and stderr are appended here.
  std::string log_path;
  // When set, the child switches to this user before exec (the test binary must be root).
  std::optional<Credentials> run_as;
};

// How a child ended.
struct ExitStatus {
  bool exited = false;  // true: exit `code`; false: killed by `signal`
  int code = 0;
  int signal = 0;

  bool success() const { return exited && code == 0; }
  // "exit code 0", "killed by signal 9 (Killed)".
  std::string ToString() const;
};

class Process {
 public:
  // Fails when the executable cannot be started (the exec error is reported, not just a dead child).
  static absl::StatusOr<std::unique_ptr<Process>> Start(ProcessOptions options);

  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  // Kills a child that is still running.
  ~Process();

  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }

  bool IsRunning();

  // Sends `signal`, waits up to `grace` for the child to exit, then sends SIGKILL.
  ExitStatus Stop(int signal = SIGTERM, absl::Duration grace = absl::Seconds(10));
  // SIGKILL, then reaps the child.
  ExitStatus Kill();
  // Blocks until the child exits.
  ExitStatus Wait();
  // The exit status if the child exits within `timeout`.
  std::optional<ExitStatus> WaitFor(absl::Duration timeout);

  // The last lines of the log, for failure messages.
  std::string LogTail(int max_lines = 40) const;

 private:
  Process(pid_t pid, std::string log_path) : pid_(pid), log_path_(std::move(log_path)) {}

  // Reaps the child if it has exited; `block` waits for that.
  bool Reap(bool block);

  pid_t pid_;
  std::string log_path_;
  std::optional<ExitStatus> exit_status_;
};

// The last `max_lines` lines of a text file, or a note saying it could not be read.
std::string FileTail(const std::string& path, int max_lines);

// The "host:port" a server wrote to `path` (its --port_file), once the file holds a complete address;
// nullopt while it is missing or still being written.
std::optional<std::string> ReadAddressFile(const std::string& path);

// A new empty directory named `prefix` plus a random suffix, under `parent` (default: the system temp
// dir, $TMPDIR or /tmp).
absl::StatusOr<std::string> MakeTempDir(const std::string& prefix, const std::string& parent = "");

}  // namespace syncd::testing
