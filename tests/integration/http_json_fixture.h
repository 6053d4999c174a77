// The fixture of the HTTP_JSON tests: the sync loop (real sync_service, real worker, real PostgreSQL) plus
// a local HTTP server the test scripts, and helpers to create HTTP_JSON integrations from a JSON config and
// to run a sync to its end.
//
//   class PagingTest : public HttpJsonTest {};
//   TEST_F(PagingTest, ...) {
//     server().Respond("/items", {.body = R"({"items": [{"id": 1}]})"});
//     v1::Integration i = MustCreate(HttpJson("Items", {{"url", server().Url("/items")}, ...}));
//     v1::SyncRun run = SyncNow(i.id());
//   }
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "tests/harness/http_test_server.h"
#include "tests/integration/sync_loop_fixture.h"

namespace syncd::testing {

// An HTTP_JSON integration with `config` (manual only unless `interval_seconds` is given).
v1::Integration HttpJson(const std::string& name, const nlohmann::json& config,
                         std::optional<int> interval_seconds = std::nullopt);
// A JSON object as the google.protobuf.Struct the API takes.
google::protobuf::Struct ToStruct(const nlohmann::json& object);
// The whole content of a file ("" when it cannot be read).
std::string ReadFile(const std::string& path);

class HttpJsonTest : public SyncLoopTest {
 protected:
  void SetUp() override;
  void TearDown() override;

  HttpTestServer& server() { return *server_; }
  // The worker the tests' syncs run on (started by SetUp, capacity 16).
  WorkerProcess& sync_worker() { return worker("worker-http"); }

  // Triggers a sync and waits for it to end; fails the test (and returns an empty run) when it does not.
  v1::SyncRun SyncNow(const std::string& id);
  // Triggers and returns the run id (for starting several syncs at once).
  std::string TriggerRun(const std::string& id);
  // The integration's records as ListRecords pages through them (up to 100).
  v1::ListRecordsResponse Records(const std::string& id);

 private:
  std::unique_ptr<HttpTestServer> server_;
};

}  // namespace syncd::testing
