// A throwaway PostgreSQL cluster for tests: initdb into a fresh temp dir (on /dev/shm when it has room,
// else $TMPDIR; SYNCD_TEST_PG_TMPDIR overrides), postmaster on a free port of 127.0.0.1 with durability
// switched off, trust auth, removed again on destruction. Run as root, it runs PostgreSQL as the
// `postgres` system user (or `nobody`), since PostgreSQL refuses to run as root. SYNCD_TEST_KEEP_TMP=1
// keeps the directory (data and postgres.log) for a post-mortem.
//
//   absl::StatusOr<PostgresServer*> postgres = SharedPostgres();  // one per test binary
//   absl::StatusOr<std::string> url = (*postgres)->CreateDatabase("my_test");
//   // *url == "postgresql://postgres@127.0.0.1:54321/my_test"
//
// A test that needs to stop PostgreSQL starts its own with PostgresServer::Start().
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tests/harness/process.h"

namespace syncd::testing {

class PostgresServer {
 public:
  // initdb, start, and wait until the server accepts connections.
  static absl::StatusOr<std::unique_ptr<PostgresServer>> Start();

  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;
  // Stops the server and removes its directory.
  ~PostgresServer();

  int port() const { return port_; }
  // The database superuser, also the user in every URL.
  const std::string& superuser() const { return superuser_; }

  // postgresql://<superuser>@127.0.0.1:<port>/<database>
  std::string Url(const std::string& database) const;

  // Creates an empty database and returns its URL. `name` is used as is (quoted), at most 63 bytes.
  absl::StatusOr<std::string> CreateDatabase(const std::string& name);

  // Fast shutdown (SIGINT); the data stays for Restart().
  absl::Status Stop();
  // Starts the stopped server again on the same port and waits until it accepts connections.
  absl::Status Restart();
  bool IsRunning();

  // The last lines of the server log, for failure messages.
  std::string LogTail(int max_lines = 40) const;

 private:
  PostgresServer() = default;

  absl::Status Launch();
  absl::Status WaitUntilReady();

  std::string root_dir_;  // holds data/, socket/ and the logs
  std::string bin_dir_;
  std::string superuser_ = "postgres";
  int port_ = 0;
  std::optional<Credentials> run_as_;
  std::unique_ptr<Process> postmaster_;
};

// One server shared by all tests of a test binary, started on first use and stopped at exit. Each test
// creates its own database on it.
absl::StatusOr<PostgresServer*> SharedPostgres();

// A database name for the running test: "t<n>_<suite>_<test>", lower case, at most 63 bytes, unique
// within the test binary.
std::string DatabaseNameForCurrentTest();

// A free TCP port on 127.0.0.1 (bound to port 0, read back, released).
absl::StatusOr<int> PickFreePort();

}  // namespace syncd::testing
