#include "tests/harness/postgres.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <pqxx/pqxx>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace syncd::testing {
namespace {

namespace fs = std::filesystem;

constexpr absl::Duration kStartTimeout = absl::Seconds(60);
constexpr absl::Duration kStopGrace = absl::Seconds(30);

// The bin dir of the newest PostgreSQL under /usr/lib/postgresql (SYNCD_TEST_PG_BINDIR overrides).
absl::StatusOr<std::string> FindPostgresBinDir() {
  if (const char* override_dir = getenv("SYNCD_TEST_PG_BINDIR"); override_dir != nullptr && *override_dir) {
    return std::string(override_dir);
  }
  std::error_code error;
  int best_version = -1;
  std::string best;
  for (const fs::directory_entry& entry : fs::directory_iterator("/usr/lib/postgresql", error)) {
    int version = 0;
    if (!absl::SimpleAtoi(entry.path().filename().string(), &version)) continue;
    fs::path bin = entry.path() / "bin";
    if (!fs::exists(bin / "initdb") || !fs::exists(bin / "postgres")) continue;
    if (version > best_version) {
      best_version = version;
      best = bin.string();
    }
  }
  if (best.empty()) {
    return absl::NotFoundError(
        "no PostgreSQL server found under /usr/lib/postgresql/*/bin (apt-get install postgresql)");
  }
  return best;
}

// PostgreSQL refuses to run as root: pick an unprivileged user when we are root.
absl::StatusOr<std::optional<Credentials>> UnprivilegedUser() {
  if (geteuid() != 0) return std::optional<Credentials>();
  for (const char* name : {"postgres", "nobody"}) {
    if (const passwd* pw = getpwnam(name); pw != nullptr) {
      return std::optional<Credentials>(Credentials{pw->pw_uid, pw->pw_gid});
    }
  }
  return absl::NotFoundError("running as root, and neither the postgres nor the nobody user exists");
}

absl::Status Chown(const std::string& path, const Credentials& owner) {
  if (chown(path.c_str(), owner.uid, owner.gid) != 0) {
    return absl::InternalError(absl::StrCat("chown ", path, ": ", strerror(errno)));
  }
  return absl::OkStatus();
}

// Lets everyone traverse the directories above `path`, so an unprivileged PostgreSQL can reach its dir
// when the temp dir lives somewhere private (the dir itself stays private to its owner).
absl::Status CheckTraversable(const fs::path& path) {
  for (fs::path p = path.parent_path(); !p.empty() && p != p.root_path(); p = p.parent_path()) {
    std::error_code error;
    fs::perms perms = fs::status(p, error).permissions();
    if (error) return absl::InternalError(absl::StrCat("stat ", p.string(), ": ", error.message()));
    if ((perms & fs::perms::others_exec) == fs::perms::none) {
      return absl::FailedPreconditionError(
          absl::StrCat(p.string(),
                       " is not searchable by other users, so PostgreSQL (run as an "
                       "unprivileged user) cannot reach its data dir; set TMPDIR to e.g. /tmp"));
    }
  }
  return absl::OkStatus();
}

// Where clusters go: a throwaway cluster needs no disk, and on tmpfs CREATE DATABASE takes milliseconds
// instead of a third of a second. SYNCD_TEST_PG_TMPDIR overrides; without a roomy /dev/shm (containers
// often give it 64 MiB), the system temp dir.
std::string ClusterParentDir() {
  if (const char* dir = getenv("SYNCD_TEST_PG_TMPDIR"); dir != nullptr && *dir) return dir;
  constexpr uintmax_t kMinFree = uintmax_t{2} << 30;
  std::error_code error;
  fs::space_info space = fs::space("/dev/shm", error);
  if (!error && space.available >= kMinFree && access("/dev/shm", W_OK | X_OK) == 0) return "/dev/shm";
  return "";
}

constexpr char kClusterPrefix[] = "syncd-pg-";
constexpr char kOwnerFile[] = "owner.pid";

// Removes clusters left behind by test binaries that were killed (their PostgreSQL died with them, by
// PDEATHSIG, but the directory stays, and on /dev/shm it holds memory).
void RemoveAbandonedClusters(const fs::path& parent) {
  std::error_code error;
  for (const fs::directory_entry& entry : fs::directory_iterator(parent, error)) {
    if (entry.path().filename().string().rfind(kClusterPrefix, 0) != 0) continue;
    std::ifstream owner_file(entry.path() / kOwnerFile);
    pid_t owner = 0;
    if (!(owner_file >> owner) || owner <= 0) continue;
    if (kill(owner, 0) != 0 && errno == ESRCH) fs::remove_all(entry.path(), error);
  }
}

std::string Sanitize(const std::string& text) {
  std::string out;
  for (char c : text) {
    out.push_back(std::isalnum(static_cast<unsigned char>(c)) ? std::tolower(static_cast<unsigned char>(c))
                                                              : '_');
  }
  return out;
}

}  // namespace

absl::StatusOr<int> PickFreePort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", strerror(errno)));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    int error = errno;
    close(fd);
    return absl::InternalError(absl::StrCat("bind 127.0.0.1:0: ", strerror(error)));
  }
  close(fd);
  return static_cast<int>(ntohs(address.sin_port));
}

absl::StatusOr<std::unique_ptr<PostgresServer>> PostgresServer::Start() {
  std::unique_ptr<PostgresServer> server(new PostgresServer());
  absl::StatusOr<std::string> bin_dir = FindPostgresBinDir();
  if (!bin_dir.ok()) return bin_dir.status();
  server->bin_dir_ = *bin_dir;
  absl::StatusOr<std::optional<Credentials>> run_as = UnprivilegedUser();
  if (!run_as.ok()) return run_as.status();
  server->run_as_ = *run_as;

  const std::string parent = ClusterParentDir();
  std::error_code no_temp_dir;
  RemoveAbandonedClusters(parent.empty() ? fs::temp_directory_path(no_temp_dir) : fs::path(parent));
  absl::StatusOr<std::string> root = MakeTempDir(kClusterPrefix, parent);
  if (!root.ok()) return root.status();
  server->root_dir_ = *root;
  std::ofstream(server->root_dir_ + "/" + kOwnerFile) << getpid() << "\n";
  std::string socket_dir = server->root_dir_ + "/socket";
  fs::create_directory(socket_dir);
  if (server->run_as_.has_value()) {
    if (absl::Status s = CheckTraversable(server->root_dir_); !s.ok()) return s;
    if (absl::Status s = Chown(server->root_dir_, *server->run_as_); !s.ok()) return s;
    if (absl::Status s = Chown(socket_dir, *server->run_as_); !s.ok()) return s;
  }

  ProcessOptions initdb;
  initdb.argv = {server->bin_dir_ + "/initdb",
                 "-D",
                 server->root_dir_ + "/data",
                 "-A",
                 "trust",
                 "-U",
                 server->superuser_,
                 "-E",
                 "UTF8",
                 "--no-locale",
                 "--no-sync"};
  initdb.extra_env = {"LC_ALL=C", "LANG=C"};
  initdb.log_path = server->root_dir_ + "/initdb.log";
  initdb.run_as = server->run_as_;
  absl::StatusOr<std::unique_ptr<Process>> initdb_process = Process::Start(initdb);
  if (!initdb_process.ok()) return initdb_process.status();
  ExitStatus initdb_status = (*initdb_process)->Wait();
  if (!initdb_status.success()) {
    return absl::InternalError(
        absl::StrCat("initdb failed (", initdb_status.ToString(), ")\n", (*initdb_process)->LogTail()));
  }

  // The free port may be taken again before the postmaster binds it; then try another.
  absl::Status launched;
  for (int attempt = 0; attempt < 3; ++attempt) {
    absl::StatusOr<int> port = PickFreePort();
    if (!port.ok()) return port.status();
    server->port_ = *port;
    launched = server->Launch();
    if (launched.ok()) return server;
    if (!absl::StrContains(launched.message(), "Address already in use")) break;
    server->postmaster_.reset();
  }
  return launched;
}

PostgresServer::~PostgresServer() {
  if (postmaster_ != nullptr) postmaster_->Stop(SIGINT, kStopGrace);
  postmaster_.reset();
  if (!root_dir_.empty() && getenv("SYNCD_TEST_KEEP_TMP") == nullptr) {
    std::error_code ignored;
    fs::remove_all(root_dir_, ignored);
  }
}

absl::Status PostgresServer::Launch() {
  // Durability off: the cluster is thrown away. Dynamic shared memory in the data dir rather than
  // /dev/shm/PostgreSQL.*, so it goes with the dir even when the server is killed.
  static constexpr const char* kSettings[] = {
      "listen_addresses=127.0.0.1", "fsync=off",           "synchronous_commit=off",
      "full_page_writes=off",       "max_connections=300", "dynamic_shared_memory_type=mmap",
  };
  ProcessOptions options;
  options.argv = {bin_dir_ + "/postgres", "-D", root_dir_ + "/data",  "-p",
                  absl::StrCat(port_),    "-k", root_dir_ + "/socket"};
  for (const char* setting : kSettings) {
    options.argv.push_back("-c");
    options.argv.push_back(setting);
  }
  // For profiling runs, e.g. SYNCD_TEST_PG_SETTINGS="shared_preload_libraries=pg_stat_statements".
  if (const char* extra = getenv("SYNCD_TEST_PG_SETTINGS"); extra != nullptr) {
    for (absl::string_view setting : absl::StrSplit(extra, ';', absl::SkipWhitespace())) {
      options.argv.push_back("-c");
      options.argv.push_back(std::string(setting));
    }
  }
  options.extra_env = {"LC_ALL=C", "LANG=C"};
  options.log_path = root_dir_ + "/postgres.log";
  options.run_as = run_as_;
  absl::StatusOr<std::unique_ptr<Process>> postmaster = Process::Start(options);
  if (!postmaster.ok()) return postmaster.status();
  postmaster_ = *std::move(postmaster);
  return WaitUntilReady();
}

absl::Status PostgresServer::WaitUntilReady() {
  absl::Time deadline = absl::Now() + kStartTimeout;
  std::string last_error;
  while (absl::Now() < deadline) {
    if (!postmaster_->IsRunning()) {
      return absl::InternalError(
          absl::StrCat("postgres exited while starting (", postmaster_->Wait().ToString(), ")\n", LogTail()));
    }
    try {
      pqxx::connection connection(Url("postgres") + "?connect_timeout=5");
      return absl::OkStatus();
    } catch (const std::exception& e) {
      last_error = e.what();
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  return absl::DeadlineExceededError(absl::StrCat("postgres did not accept connections within ",
                                                  absl::FormatDuration(kStartTimeout), ": ", last_error, "\n",
                                                  LogTail()));
}

std::string PostgresServer::Url(const std::string& database) const {
  return absl::StrCat("postgresql://", superuser_, "@127.0.0.1:", port_, "/", database);
}

absl::StatusOr<std::string> PostgresServer::CreateDatabase(const std::string& name) {
  if (name.empty() || name.size() > 63) {
    return absl::InvalidArgumentError(absl::StrCat("bad database name '", name, "'"));
  }
  try {
    pqxx::connection connection(Url("postgres"));
    pqxx::nontransaction tx(connection);
    // FILE_COPY (PostgreSQL 15+) copies the template's files instead of writing them all to the WAL.
    tx.exec("CREATE DATABASE " + tx.quote_name(name) +
            (connection.server_version() >= 150000 ? " STRATEGY = FILE_COPY" : ""));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("CREATE DATABASE ", name, ": ", e.what()));
  }
  return Url(name);
}

absl::Status PostgresServer::Stop() {
  if (postmaster_ == nullptr) return absl::OkStatus();
  ExitStatus status = postmaster_->Stop(SIGINT, kStopGrace);
  postmaster_.reset();
  if (!status.success()) {
    return absl::InternalError(absl::StrCat("postgres stopped with ", status.ToString(), "\n", LogTail()));
  }
  return absl::OkStatus();
}

absl::Status PostgresServer::Restart() {
  if (postmaster_ != nullptr) return absl::FailedPreconditionError("postgres is still running");
  return Launch();
}

bool PostgresServer::IsRunning() { return postmaster_ != nullptr && postmaster_->IsRunning(); }

std::string PostgresServer::LogTail(int max_lines) const {
  return FileTail(root_dir_ + "/postgres.log", max_lines);
}

absl::StatusOr<PostgresServer*> SharedPostgres() {
  // Destroyed at exit, which stops the server and removes its directory.
  static absl::StatusOr<std::unique_ptr<PostgresServer>> server = PostgresServer::Start();
  if (!server.ok()) return server.status();
  return server->get();
}

std::string DatabaseNameForCurrentTest() {
  static std::atomic<int> counter{0};
  std::string name = absl::StrCat("t", ++counter);
  if (const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info()) {
    absl::StrAppend(&name, "_", Sanitize(info->test_suite_name()), "_", Sanitize(info->name()));
  }
  if (name.size() > 63) name.resize(63);
  return name;
}

}  // namespace syncd::testing
