// The harness's own checks: child processes start, log, exit, stop and fail the way tests rely on.

#include "tests/harness/process.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "absl/strings/str_cat.h"

namespace syncd::testing {
namespace {

using ::testing::HasSubstr;

class ProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> dir = MakeTempDir("syncd-process-test-");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_ = *dir;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Process> StartShell(const std::string& script, std::vector<std::string> env = {}) {
    ProcessOptions options;
    options.argv = {"/bin/sh", "-c", script};
    options.extra_env = std::move(env);
    options.log_path = dir_ + "/child.log";
    absl::StatusOr<std::unique_ptr<Process>> process = Process::Start(options);
    EXPECT_TRUE(process.ok()) << process.status();
    return process.ok() ? *std::move(process) : nullptr;
  }

  std::string dir_;
};

TEST_F(ProcessTest, ReportsTheExitCode) {
  std::unique_ptr<Process> process = StartShell("exit 3");
  ASSERT_NE(process, nullptr);
  ExitStatus status = process->Wait();
  EXPECT_TRUE(status.exited);
  EXPECT_EQ(status.code, 3);
  EXPECT_FALSE(status.success());
  EXPECT_FALSE(process->IsRunning());
}

TEST_F(ProcessTest, WritesStdoutAndStderrToTheLogWithTheExtraEnvironment) {
  std::unique_ptr<Process> process =
      StartShell("echo out-$SYNCD_PROCESS_TEST; echo err >&2", {"SYNCD_PROCESS_TEST=42"});
  ASSERT_NE(process, nullptr);
  ASSERT_TRUE(process->Wait().success());
  EXPECT_THAT(process->LogTail(), HasSubstr("out-42"));
  EXPECT_THAT(process->LogTail(), HasSubstr("err"));
}

TEST_F(ProcessTest, LogTailKeepsTheLastLines) {
  std::unique_ptr<Process> process = StartShell("for i in 1 2 3 4 5 6; do echo line$i; done");
  ASSERT_NE(process, nullptr);
  ASSERT_TRUE(process->Wait().success());
  std::string tail = process->LogTail(2);
  EXPECT_THAT(tail, HasSubstr("line5\nline6"));
  EXPECT_THAT(tail, ::testing::Not(HasSubstr("line4")));
}

TEST_F(ProcessTest, StopSendsTheSignal) {
  std::unique_ptr<Process> process = StartShell("exec sleep 60");
  ASSERT_NE(process, nullptr);
  EXPECT_TRUE(process->IsRunning());
  ExitStatus status = process->Stop(SIGTERM);
  EXPECT_FALSE(status.exited);
  EXPECT_EQ(status.signal, SIGTERM) << status.ToString();
  EXPECT_FALSE(process->IsRunning());
}

TEST_F(ProcessTest, StopKillsAChildThatIgnoresTheSignal) {
  std::unique_ptr<Process> process = StartShell("trap '' TERM; echo ready; exec sleep 60");
  ASSERT_NE(process, nullptr);
  // Wait until the trap is set, or SIGTERM could arrive before it.
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (process->LogTail().find("ready") == std::string::npos && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  ExitStatus status = process->Stop(SIGTERM, absl::Milliseconds(200));
  EXPECT_EQ(status.signal, SIGKILL) << status.ToString();
}

TEST_F(ProcessTest, WaitForTimesOutWhileTheChildRuns) {
  std::unique_ptr<Process> process = StartShell("exec sleep 60");
  ASSERT_NE(process, nullptr);
  EXPECT_FALSE(process->WaitFor(absl::Milliseconds(50)).has_value());
  EXPECT_EQ(process->Kill().signal, SIGKILL);
}

TEST_F(ProcessTest, StartFailsWhenTheExecutableIsMissing) {
  ProcessOptions options;
  options.argv = {dir_ + "/no-such-binary"};
  options.log_path = dir_ + "/missing.log";
  absl::StatusOr<std::unique_ptr<Process>> process = Process::Start(options);
  ASSERT_FALSE(process.ok());
  EXPECT_THAT(std::string(process.status().message()), HasSubstr("execve"));
}

TEST_F(ProcessTest, RunsAsAnotherUserWhenRoot) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  ProcessOptions options;
  options.argv = {"/usr/bin/id", "-u"};
  options.log_path = dir_ + "/id.log";
  options.run_as = Credentials{65534, 65534};
  absl::StatusOr<std::unique_ptr<Process>> process = Process::Start(options);
  ASSERT_TRUE(process.ok()) << process.status();
  ASSERT_TRUE((*process)->Wait().success()) << (*process)->LogTail();
  EXPECT_THAT((*process)->LogTail(), HasSubstr("65534"));
}

}  // namespace
}  // namespace syncd::testing
