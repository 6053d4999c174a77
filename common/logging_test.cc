#include "common/logging.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "spdlog/logger.h"
#include "spdlog/sinks/ostream_sink.h"
#include "spdlog/spdlog.h"

namespace syncd {
namespace {

// Logs through the JSON formatter into a string and parses each line.
class JsonLogTest : public ::testing::Test {
 protected:
  JsonLogTest() : sink_(std::make_shared<spdlog::sinks::ostream_sink_st>(out_)), logger_("test", sink_) {
    logger_.set_formatter(MakeJsonLogFormatter("sync_service"));
    logger_.set_level(spdlog::level::trace);
  }

  std::vector<nlohmann::json> Lines() {
    std::vector<nlohmann::json> lines;
    for (absl::string_view line : absl::StrSplit(out_.str(), '\n', absl::SkipEmpty())) {
      lines.push_back(nlohmann::json::parse(line));  // throws (fails the test) on invalid JSON
    }
    return lines;
  }

  std::ostringstream out_;
  std::shared_ptr<spdlog::sinks::ostream_sink_st> sink_;
  spdlog::logger logger_;
};

TEST_F(JsonLogTest, SyncLineCarriesItsIdsAsFields) {
  logger_.info("sync finished integration_id={} run_id={} worker_id={} status=SUCCESS records={}", "int-1",
               "run-1", "w-1", 25);
  std::vector<nlohmann::json> lines = Lines();
  ASSERT_EQ(lines.size(), 1u);
  const nlohmann::json& j = lines[0];
  EXPECT_EQ(j["level"], "info");
  EXPECT_EQ(j["service"], "sync_service");
  EXPECT_EQ(j["msg"],
            "sync finished integration_id=int-1 run_id=run-1 worker_id=w-1 status=SUCCESS records=25");
  EXPECT_EQ(j["integration_id"], "int-1");
  EXPECT_EQ(j["run_id"], "run-1");
  EXPECT_EQ(j["status"], "SUCCESS");
  EXPECT_EQ(j["records"], "25");
  ASSERT_TRUE(j["ts"].is_string());
  EXPECT_EQ(j["ts"].get<std::string>().back(), 'Z');
}

TEST_F(JsonLogTest, EscapesQuotesControlCharactersAndInvalidUtf8) {
  const std::string nasty = std::string("say \"hi\"\\ tab\there\nnew line \x01 bell\x7f ") + "caf\xc3\xa9 " +
                            "bad\xff\xfe byte cut\xe2\x82";
  logger_.warn("{}", nasty);
  std::vector<nlohmann::json> lines = Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["level"], "warning");
  const std::string msg = lines[0]["msg"];
  EXPECT_NE(msg.find("say \"hi\"\\ tab\there\nnew line \x01 bell\x7f caf\xc3\xa9"), std::string::npos) << msg;
  EXPECT_NE(msg.find("bad\xef\xbf\xbd\xef\xbf\xbd byte"), std::string::npos) << msg;
}

TEST_F(JsonLogTest, ErrorTakesTheRestOfTheLineAndFirstKeyWins) {
  logger_.info("rpc method={} code={} request_id={} error={}", "/syncd.v1.SyncService/GetIntegration",
               "NOT_FOUND", "req-9", "integration x=1 not found");
  logger_.info("run_id=a run_id=b ts=fake msg=fake");
  std::vector<nlohmann::json> lines = Lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["request_id"], "req-9");
  EXPECT_EQ(lines[0]["code"], "NOT_FOUND");
  EXPECT_EQ(lines[0]["error"], "integration x=1 not found");
  EXPECT_FALSE(lines[0].contains("x"));
  EXPECT_EQ(lines[1]["run_id"], "a");
  EXPECT_EQ(lines[1]["msg"], "run_id=a run_id=b ts=fake msg=fake");
  EXPECT_NE(lines[1]["ts"], "fake");
}

// A message with a line break (text from a remote API or an admin) must not print a line of its own that
// could pass for one of the service's.
TEST(InitLoggingTest, TextLogsWriteControlCharactersEscapedOnOneLine) {
  ASSERT_TRUE(InitLogging("t0", "text", "info").ok());
  ::testing::internal::CaptureStderr();
  spdlog::info("sync failed error_code=X\n2026-11-25T00:00:00.000 info forged\ttab\x01");
  spdlog::default_logger()->flush();
  const std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  EXPECT_NE(out.find("error_code=X\\n2026-11-25T00:00:00.000 info forged\\ttab\\x01"), std::string::npos)
      << out;
}

TEST(InitLoggingTest, RejectsUnknownFormatAndLevel) {
  EXPECT_EQ(InitLogging("t1", "xml", "info").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(InitLogging("t2", "json", "loud").code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace syncd
