// End-to-end test of the web UI in a real browser: a throwaway PostgreSQL, sync_service, a worker, and the
// gateway serving gateway/web/dist, with gateway/web/e2e/e2e.mjs driving Debian's chromium through
// playwright-core. The script does what a person does (create an integration through the form, watch it sync,
// page through the history, change the interval, pause and resume, read a failure's suggestion, see a
// validation error beside its field) and exits 0 when every step passed; this test shows its output.
//
// Needs the built UI and its node_modules: `source scripts/lib.sh && syncd_build_web` (scripts/test does it).
// Screenshots land in build/test-artifacts/web/.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "tests/harness/process.h"
#include "tests/integration/sync_loop_fixture.h"

namespace syncd::testing {
namespace {

// The e2e script has ~10 steps, each waiting at most 30 s for the UI; a healthy run takes well under a
// minute.
constexpr absl::Duration kScriptTimeout = absl::Minutes(6);

bool Exists(const std::string& path) {
  struct stat info;
  return ::stat(path.c_str(), &info) == 0;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

class WebE2eTest : public SyncLoopTest {
 protected:
  void SetUp() override {
    SyncLoopTest::SetUp();
    if (HasFatalFailure()) return;
    absl::StatusOr<std::string> dir = MakeTempDir("syncd-web-e2e-");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_ = *dir;
  }

  void TearDown() override {
    if (gateway_ != nullptr) {
      gateway_->Stop();
      if (HasFailure()) std::cerr << "gateway\n" << gateway_->LogTail(60) << "\n";
    }
    SyncLoopTest::TearDown();
  }

  // Starts the gateway in front of the test's sync_service, serving the built UI, and waits until it serves.
  void StartGateway() {
    const std::string port_file = dir_ + "/gateway.port";
    ProcessOptions options;
    options.argv = {GATEWAY_BINARY, "--listen=127.0.0.1:0", "--port_file=" + port_file,
                    "--sync_service_address=" + service_address(),
                    absl::StrCat("--web_root=", SYNCD_SOURCE_DIR, "/gateway/web/dist")};
    options.log_path = dir_ + "/gateway.log";
    absl::StatusOr<std::unique_ptr<Process>> started = Process::Start(options);
    ASSERT_TRUE(started.ok()) << started.status();
    gateway_ = *std::move(started);
    std::optional<std::string> address;
    const bool up = Eventually(kWait, [&] {
      address = ReadAddressFile(port_file);
      return address.has_value() || !gateway_->IsRunning();
    });
    ASSERT_TRUE(up && address.has_value()) << "the gateway did not start\n" << gateway_->LogTail(60);
    gateway_url_ = "http://" + *address;
  }

  // Runs the e2e script's `phase` against the gateway; returns its exit status and prints its output.
  ExitStatus RunScript(const std::string& phase) {
    ProcessOptions options;
    options.argv = {NODE_EXECUTABLE, absl::StrCat(SYNCD_SOURCE_DIR, "/gateway/web/e2e/e2e.mjs"), phase};
    options.extra_env = {"SYNCD_GATEWAY_URL=" + gateway_url_,
                         absl::StrCat("SYNCD_E2E_ARTIFACTS=", SYNCD_ARTIFACTS_DIR, "/web")};
    options.log_path = dir_ + "/e2e-" + phase + ".log";
    absl::StatusOr<std::unique_ptr<Process>> script = Process::Start(options);
    if (!script.ok()) {
      ADD_FAILURE() << "cannot start " << NODE_EXECUTABLE << ": " << script.status();
      return {};
    }
    std::optional<ExitStatus> status = (*script)->WaitFor(kScriptTimeout);
    if (!status.has_value()) {
      ADD_FAILURE() << "the e2e script (" << phase << ") did not finish within "
                    << absl::FormatDuration(kScriptTimeout);
      status = (*script)->Kill();
    }
    std::cout << "--- gateway/web/e2e/e2e.mjs " << phase << " ---\n"
              << ReadFile(options.log_path) << std::flush;
    return *status;
  }

  std::string dir_;
  std::unique_ptr<Process> gateway_;
  std::string gateway_url_;
};

TEST_F(WebE2eTest, AdminJourneysInChromium) {
  ASSERT_TRUE(std::string(NODE_EXECUTABLE).size() > 0 && Exists(NODE_EXECUTABLE))
      << "node (Node.js >= 20.19) was not found when CMake configured the build; see docs/web-ui.md";
  ASSERT_TRUE(Exists(CHROMIUM_EXECUTABLE)) << CHROMIUM_EXECUTABLE << " is missing: apt-get install chromium";
  ASSERT_TRUE(Exists(absl::StrCat(SYNCD_SOURCE_DIR, "/gateway/web/dist/index.html")))
      << "the web UI is not built: source scripts/lib.sh && syncd_build_web";
  ASSERT_TRUE(Exists(absl::StrCat(SYNCD_SOURCE_DIR, "/gateway/web/node_modules/playwright-core")))
      << "playwright-core is not installed: source scripts/lib.sh && syncd_build_web";

  ASSERT_NE(StartWorker("worker-e2e", 3), nullptr);
  StartGateway();
  if (HasFatalFailure()) return;

  const ExitStatus main = RunScript("main");
  EXPECT_TRUE(main.success()) << "the UI journeys failed (" << main.ToString() << "); see the steps above";

  // sync_service down: the page must say so rather than show stale data as if it were live.
  service().Stop();
  const ExitStatus unreachable = RunScript("unreachable");
  EXPECT_TRUE(unreachable.success()) << "the unreachable banner did not show (" << unreachable.ToString()
                                     << ")";
  // Back up, so that the worker drains and exits cleanly in TearDown.
  ASSERT_TRUE(service().Restart().ok());
}

}  // namespace
}  // namespace syncd::testing
