#include "tests/integration/http_json_fixture.h"

#include <google/protobuf/util/json_util.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace syncd::testing {

google::protobuf::Struct ToStruct(const nlohmann::json& object) {
  google::protobuf::Struct out;
  const auto status = google::protobuf::util::JsonStringToMessage(object.dump(), &out);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return out;
}

v1::Integration HttpJson(const std::string& name, const nlohmann::json& config,
                         std::optional<int> interval_seconds) {
  v1::Integration integration;
  integration.set_name(name);
  integration.set_type(v1::Integration::HTTP_JSON);
  *integration.mutable_config() = ToStruct(config);
  *integration.mutable_sync_interval() =
      interval_seconds.has_value() ? NumberValue(*interval_seconds) : NullValue();
  return integration;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

void HttpJsonTest::SetUp() {
  // Debug logs from every process: the tests check that not even those carry a secret.
  setenv("SYNCD_LOG_LEVEL", "debug", 1);
  absl::StatusOr<std::unique_ptr<HttpTestServer>> server = HttpTestServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  server_ = *std::move(server);
  SyncLoopTest::SetUp();
  if (HasFatalFailure()) return;
  ASSERT_NE(StartWorker("worker-http", 16), nullptr);
}

void HttpJsonTest::TearDown() {
  SyncLoopTest::TearDown();
  // After the workers: a sync still talking to the server finishes against it, not against a closed port.
  if (server_ != nullptr) server_->Stop();
}

std::string HttpJsonTest::TriggerRun(const std::string& id) {
  v1::TriggerSyncResponse triggered;
  EXPECT_THAT(Trigger(id, &triggered), IsOk());
  return triggered.run().id();
}

v1::SyncRun HttpJsonTest::SyncNow(const std::string& id) {
  const std::string run_id = TriggerRun(id);
  std::optional<v1::SyncRun> done = AwaitEnded(id, run_id);
  EXPECT_TRUE(done.has_value()) << "run " << run_id << " did not end:" << Describe(RunsOf(id));
  return done.value_or(v1::SyncRun());
}

v1::ListRecordsResponse HttpJsonTest::Records(const std::string& id) {
  v1::ListRecordsRequest request;
  request.set_id(id);
  request.set_page_size(100);
  v1::ListRecordsResponse response;
  EXPECT_THAT(stub().ListRecords(NewContext().get(), request, &response), IsOk());
  return response;
}

}  // namespace syncd::testing
