// Every SyncService route through the gateway, with the JSON shapes of docs/api.md: real PostgreSQL, real
// sync_service, real gateway, plain HTTP.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/integration/gateway_fixture.h"

namespace syncd::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using json = nlohmann::json;

class GatewayApiTest : public GatewayTest {};

// An RFC 3339 timestamp as protobuf's JSON mapping prints it.
MATCHER(IsTimestamp, "is an RFC 3339 UTC timestamp string") {
  absl::Time t;
  std::string err;
  return arg.is_string() && absl::ParseTime(absl::RFC3339_full, arg.template get<std::string>(), &t, &err);
}

TEST_F(GatewayApiTest, CreateThenReadAndListWithTheContractShape) {
  ApiResponse created = Send("POST", "/api/integrations",
                             R"({"name": "Demo orders", "type": "DEMO", "config": {"records": 25},
                                 "syncInterval": 900})");
  ASSERT_EQ(created.status, 200) << created;
  EXPECT_EQ(created.raw.Header("Content-Type"), "application/json");
  const json& c = created.json;
  EXPECT_TRUE(LooksLikeUuid(c["id"].get<std::string>())) << c;
  EXPECT_EQ(c["name"], "Demo orders");
  EXPECT_EQ(c["type"], "DEMO");
  EXPECT_EQ(c["config"], json::parse(R"({"records": 25})"));
  EXPECT_EQ(c["syncInterval"], 900);
  EXPECT_EQ(c["syncEnabled"], true);
  EXPECT_EQ(c["retryCount"], 0);
  EXPECT_THAT(c["nextSyncAt"], IsTimestamp());
  EXPECT_THAT(c["createdAt"], IsTimestamp());
  EXPECT_THAT(c["updatedAt"], IsTimestamp());
  EXPECT_TRUE(c["status"] == "ACTIVE" || c["status"] == "SYNCING") << c;
  // Unset optional fields are left out, never printed as "" or null.
  EXPECT_FALSE(c.contains("lastSyncError")) << c;
  EXPECT_FALSE(c.contains("pausedReason")) << c;
  EXPECT_FALSE(c.contains("lastSync")) << c;

  const std::string id = c["id"];
  ApiResponse got = Send("GET", "/api/integrations/" + id);
  ASSERT_EQ(got.status, 200) << got;
  EXPECT_EQ(got.json["name"], "Demo orders");
  EXPECT_EQ(got.json["syncInterval"], 900);
  EXPECT_EQ(got.json["nextSyncAt"], c["nextSyncAt"]);

  CreateDemo("Another");
  ApiResponse list = Send("GET", "/api/integrations");
  ASSERT_EQ(list.status, 200) << list;
  ASSERT_EQ(list.json["integrations"].size(), 2u) << list;
  EXPECT_EQ(list.json["integrations"][0]["name"], "Another");
  EXPECT_EQ(list.json["integrations"][1]["name"], "Demo orders");
  EXPECT_EQ(list.json["total"], 2);
  EXPECT_EQ(list.json["page"], 1);
  EXPECT_EQ(list.json["pageSize"], 100);

  ApiResponse page = Send("GET", "/api/integrations?page=2&pageSize=1");
  ASSERT_EQ(page.status, 200) << page;
  ASSERT_EQ(page.json["integrations"].size(), 1u);
  EXPECT_EQ(page.json["integrations"][0]["name"], "Demo orders");
  EXPECT_EQ(page.json["pageSize"], 1);
}

TEST_F(GatewayApiTest, PutChangesTheGivenFieldsAndSyncSettings) {
  const std::string id = CreateDemo("Orders", R"({"syncInterval": 900, "syncEnabled": false})");
  ApiResponse updated =
      Send("PUT", "/api/integrations/" + id, R"j({"name": "Orders (demo)", "syncInterval": 1800})j");
  ASSERT_EQ(updated.status, 200) << updated;
  EXPECT_EQ(updated.json["id"], id);
  EXPECT_EQ(updated.json["name"], "Orders (demo)");
  EXPECT_EQ(updated.json["syncInterval"], 1800);
  EXPECT_EQ(updated.json["syncEnabled"], false);  // left out: unchanged
  EXPECT_EQ(Send("GET", "/api/integrations/" + id).json["name"], "Orders (demo)");
}

TEST_F(GatewayApiTest, PatchOfOneSettingLeavesTheOtherUnchanged) {
  const std::string id = CreateDemo("Orders", R"({"syncInterval": 900})");
  ApiResponse paused =
      Send("PATCH", "/api/integrations/" + id + "/sync-settings", R"({"syncEnabled": false})");
  ASSERT_EQ(paused.status, 200) << paused;
  EXPECT_EQ(paused.json["syncEnabled"], false);
  EXPECT_EQ(paused.json["syncInterval"], 900);
  EXPECT_EQ(paused.json["status"], "PAUSED");
  EXPECT_FALSE(paused.json.contains("nextSyncAt")) << paused;

  ApiResponse interval =
      Send("PATCH", "/api/integrations/" + id + "/sync-settings", R"({"syncInterval": 1800})");
  ASSERT_EQ(interval.status, 200) << interval;
  EXPECT_EQ(interval.json["syncInterval"], 1800);
  EXPECT_EQ(interval.json["syncEnabled"], false);

  ApiResponse resumed =
      Send("PATCH", "/api/integrations/" + id + "/sync-settings", R"({"syncEnabled": true})");
  ASSERT_EQ(resumed.status, 200) << resumed;
  EXPECT_EQ(resumed.json["syncInterval"], 1800);
  EXPECT_EQ(resumed.json["syncEnabled"], true);
  EXPECT_THAT(resumed.json["nextSyncAt"], IsTimestamp());
}

TEST_F(GatewayApiTest, NullIntervalMeansManualOnlyAndPrintsAsNull) {
  const std::string id = CreateDemo("Orders", R"({"syncInterval": 900})");
  ApiResponse manual =
      Send("PATCH", "/api/integrations/" + id + "/sync-settings", R"({"syncInterval": null})");
  ASSERT_EQ(manual.status, 200) << manual;
  ASSERT_TRUE(manual.json.contains("syncInterval")) << manual;
  EXPECT_TRUE(manual.json["syncInterval"].is_null()) << manual;
  EXPECT_EQ(manual.json["syncEnabled"], true);
  EXPECT_EQ(manual.json["status"], "MANUAL_ONLY");
  EXPECT_FALSE(manual.json.contains("nextSyncAt")) << manual;
  EXPECT_TRUE(Send("GET", "/api/integrations/" + id).json["syncInterval"].is_null());

  ApiResponse created =
      Send("POST", "/api/integrations", R"({"name": "Manual", "type": "DEMO", "syncInterval": null})");
  ASSERT_EQ(created.status, 200) << created;
  EXPECT_TRUE(created.json["syncInterval"].is_null()) << created;
}

TEST_F(GatewayApiTest, TriggerTwiceReturnsTheSameRun) {
  const std::string id = CreateDemo("Orders", R"({"syncInterval": null})");
  ApiResponse first = Send("POST", "/api/integrations/" + id + "/sync");
  ASSERT_EQ(first.status, 200) << first;
  EXPECT_EQ(first.json["alreadyRunning"], false);
  EXPECT_EQ(first.json["run"]["status"], "PENDING");
  EXPECT_EQ(first.json["run"]["trigger"], "MANUAL");
  EXPECT_EQ(first.json["run"]["attempt"], 1);
  EXPECT_EQ(first.json["run"]["integrationId"], id);
  EXPECT_EQ(first.json["run"]["recordsCount"], 0);
  EXPECT_FALSE(first.json["run"].contains("duration")) << first;

  ApiResponse second = Send("POST", "/api/integrations/" + id + "/sync", "{}");
  ASSERT_EQ(second.status, 200) << second;
  EXPECT_EQ(second.json["alreadyRunning"], true);
  EXPECT_EQ(second.json["run"]["id"], first.json["run"]["id"]);
  EXPECT_EQ(CountRuns(id), 1);
}

TEST_F(GatewayApiTest, HistoryPagesNewestFirst) {
  const std::string id = CreateDemo("Orders", R"({"syncInterval": null})");
  const absl::Time base = absl::Now() - absl::Hours(1);
  for (int i = 0; i < 25; ++i) {
    RunRow row;
    row.integration_id = id;
    row.status = i % 5 == 0 ? "FAILED" : "SUCCESS";
    row.created_at = base + absl::Minutes(i);
    row.started_at = row.created_at + absl::Seconds(1);
    row.completed_at = row.created_at + absl::Seconds(3);
    row.duration_ms = 2000;
    row.records_count = i;
    if (row.status == "FAILED") {
      row.error_code = "AUTH_FAILED";
      row.error_message = "401 Unauthorized";
      row.suggestion = "Check the API token";
    }
    InsertRun(row);
  }
  ApiResponse page = Send("GET", "/api/integrations/" + id + "/sync-history?page=2&pageSize=10");
  ASSERT_EQ(page.status, 200) << page;
  EXPECT_EQ(page.json["total"], 25);
  EXPECT_EQ(page.json["page"], 2);
  EXPECT_EQ(page.json["pageSize"], 10);
  ASSERT_EQ(page.json["logs"].size(), 10u);
  // Newest first: page 2 starts with the 11th newest (i = 14).
  const json& run = page.json["logs"][0];
  EXPECT_EQ(run["recordsCount"], 14);
  EXPECT_EQ(page.json["logs"][9]["recordsCount"], 5);
  EXPECT_EQ(run["status"], "SUCCESS");
  EXPECT_EQ(run["trigger"], "SCHEDULED");
  EXPECT_EQ(run["duration"], 2000);
  EXPECT_THAT(run["startedAt"], IsTimestamp());
  EXPECT_THAT(run["completedAt"], IsTimestamp());
  const json& failed = page.json["logs"][9];
  EXPECT_EQ(failed["status"], "FAILED");
  EXPECT_EQ(failed["errorCode"], "AUTH_FAILED");
  EXPECT_EQ(failed["suggestion"], "Check the API token");

  ApiResponse defaults = Send("GET", "/api/integrations/" + id + "/sync-history");
  ASSERT_EQ(defaults.status, 200) << defaults;
  EXPECT_EQ(defaults.json["pageSize"], 20);
  EXPECT_EQ(defaults.json["logs"].size(), 20u);

  ApiResponse past_end = Send("GET", "/api/integrations/" + id + "/sync-history?page=9");
  ASSERT_EQ(past_end.status, 200) << past_end;
  EXPECT_EQ(past_end.json["logs"], json::array());
  EXPECT_EQ(past_end.json["total"], 25);
}

TEST_F(GatewayApiTest, RecordsPage) {
  const std::string id = CreateDemo("Orders", R"({"syncInterval": null})");
  RunRow run;
  run.integration_id = id;
  run.created_at = absl::Now();
  const std::string run_id = InsertRun(run);
  {
    pqxx::work tx(Sql());
    for (int i = 1; i <= 3; ++i) {
      tx.exec_params(
          "INSERT INTO records (integration_id, external_id, data, content_hash, first_synced_at, "
          "last_synced_at, "
          "last_run_id) VALUES ($1, $2, $3::jsonb, 'h', now(), now() + $4 * interval '1 second', $5)",
          id, absl::StrCat(i), absl::StrCat(R"({"id": )", i, R"(, "name": "Record )", i, R"("})"), i, run_id);
    }
    tx.commit();
  }
  ApiResponse records = Send("GET", "/api/integrations/" + id + "/records?pageSize=2");
  ASSERT_EQ(records.status, 200) << records;
  EXPECT_EQ(records.json["total"], 3);
  EXPECT_EQ(records.json["pageSize"], 2);
  ASSERT_EQ(records.json["records"].size(), 2u);
  const json& newest = records.json["records"][0];
  EXPECT_EQ(newest["externalId"], "3");
  EXPECT_EQ(newest["data"], json::parse(R"({"id": 3, "name": "Record 3"})"));
  EXPECT_EQ(newest["lastRunId"], run_id);
  EXPECT_THAT(newest["firstSyncedAt"], IsTimestamp());
  EXPECT_THAT(newest["lastSyncedAt"], IsTimestamp());
}

TEST_F(GatewayApiTest, DeleteRemovesTheIntegrationAndItsHistory) {
  const std::string id = CreateDemo("Orders", R"({"syncInterval": null})");
  RunRow run;
  run.integration_id = id;
  run.created_at = absl::Now();
  InsertRun(run);
  ApiResponse deleted = Send("DELETE", "/api/integrations/" + id);
  ASSERT_EQ(deleted.status, 200) << deleted;
  EXPECT_EQ(deleted.json, json::object());
  EXPECT_EQ(Send("GET", "/api/integrations/" + id).status, 404);
  EXPECT_EQ(CountRuns(id), 0);
  EXPECT_EQ(Send("DELETE", "/api/integrations/" + id).status, 404);
}

TEST_F(GatewayApiTest, SyncStatusSummarisesRecentRuns) {
  const std::string id = CreateDemo("Orders", R"({"syncInterval": null})");
  const absl::Time base = absl::Now() - absl::Hours(1);
  for (int i = 0; i < 4; ++i) {
    RunRow row;
    row.integration_id = id;
    row.status = i == 3 ? "FAILED" : "SUCCESS";
    row.created_at = base + absl::Minutes(i);
    row.completed_at = row.created_at + absl::Seconds(2);
    InsertRun(row);
  }
  ApiResponse status = Send("GET", "/api/sync/status?limit=2");
  ASSERT_EQ(status.status, 200) << status;
  ASSERT_EQ(status.json["recentRuns"].size(), 2u) << status;
  EXPECT_EQ(status.json["recentRuns"][0]["status"], "FAILED");
  EXPECT_EQ(status.json["summary"]["total"], 4);
  EXPECT_EQ(status.json["summary"]["successful"], 3);
  EXPECT_EQ(status.json["summary"]["failed"], 1);
  EXPECT_EQ(status.json["summary"]["inProgress"], 0);
  EXPECT_THAT(status.json["summary"]["lastSyncAt"], IsTimestamp());
}

TEST_F(GatewayApiTest, WorkerStatusWithoutWorkers) {
  CreateDemo("Orders", R"({"syncInterval": 900})");
  ApiResponse status = Send("GET", "/api/sync/worker-status");
  ASSERT_EQ(status.status, 200) << status;
  EXPECT_EQ(status.json["workers"], json::array());
  EXPECT_THAT(status.json["nextScheduledSyncAt"], IsTimestamp());
  EXPECT_TRUE(status.json["schedulerRunning"].is_boolean()) << status;
  EXPECT_TRUE(status.json["dueBacklog"].is_number_integer()) << status;
}

TEST_F(GatewayApiTest, RequestIdIsReturnedAndLoggedOnBothSides) {
  ApiResponse given = Send("GET", "/api/integrations", "", {{"X-Request-Id", "test-req-4711"}});
  ASSERT_EQ(given.status, 200) << given;
  EXPECT_EQ(given.raw.Header("X-Request-Id"), "test-req-4711");

  ApiResponse generated = Send("GET", "/api/sync/status");
  ASSERT_EQ(generated.status, 200) << generated;
  const std::string id = generated.raw.Header("X-Request-Id");
  EXPECT_EQ(id.size(), 32u) << id;

  // Both services log the ids (their logs are flushed at least every second).
  for (const std::string& rid : {std::string("test-req-4711"), id}) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while ((gateway().Log().find("request_id=" + rid) == std::string::npos ||
            service().LogTail(400).find("request_id=" + rid) == std::string::npos) &&
           absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(100));
    }
    EXPECT_THAT(gateway().Log(), HasSubstr("request_id=" + rid));
    EXPECT_THAT(service().LogTail(400), HasSubstr("request_id=" + rid));
  }
  EXPECT_THAT(gateway().Log(), HasSubstr("http method=GET path=/api/sync/status status=200"));
}

TEST_F(GatewayApiTest, GrpcTimeoutHeaderSetsTheDeadline) {
  // A deadline of one nanosecond has passed before the call leaves the gateway.
  ApiResponse expired = Send("GET", "/api/integrations", "", {{"Grpc-Timeout", "1n"}});
  EXPECT_EQ(expired.status, 504) << expired;
  EXPECT_EQ(expired.json["code"], 4);

  EXPECT_EQ(Send("GET", "/api/integrations", "", {{"Grpc-Timeout", "5S"}}).status, 200);
  ApiResponse malformed = Send("GET", "/api/integrations", "", {{"Grpc-Timeout", "soon"}});
  EXPECT_EQ(malformed.status, 400) << malformed;
}

// A route that exists only as an annotation in a descriptor set given at startup: the gateway has no code
// for grpc.health.v1.Health, yet serves it (and its additional binding, and its server stream as NDJSON).
class GatewayDescriptorSetTest : public GatewayTest {
 protected:
  void ConfigureGateway(GatewayProcessOptions& options) override {
    options.extra_args.push_back(absl::StrCat("--descriptor_set=", GATEWAY_TEST_DESCRIPTOR_SET));
  }
};

TEST_F(GatewayDescriptorSetTest, ServesRoutesAddedOnlyByAnnotations) {
  ApiResponse whole = Send("GET", "/api/test/health");
  ASSERT_EQ(whole.status, 200) << whole;
  EXPECT_EQ(whole.json, json::parse(R"({"status": "SERVING"})"));

  ApiResponse service = Send("GET", "/api/test/health/syncd.v1.SyncService");
  ASSERT_EQ(service.status, 200) << service;
  EXPECT_EQ(service.json["status"], "SERVING");

  ApiResponse unknown = Send("GET", "/api/test/health/no.such.Service");
  EXPECT_EQ(unknown.status, 404) << unknown;
  EXPECT_EQ(unknown.json["code"], 5);

  // The compiled-in routes are still there.
  EXPECT_EQ(Send("GET", "/api/integrations").status, 200);
}

TEST_F(GatewayDescriptorSetTest, ServerStreamIsNewlineDelimitedJson) {
  const size_t colon = gateway().address().rfind(':');
  httplib::Client client(gateway().address().substr(0, colon),
                         std::stoi(gateway().address().substr(colon + 1)));
  client.set_read_timeout(std::chrono::seconds(10));
  std::string received;
  std::string content_type;
  // Watch never ends on its own: read the first line, then hang up.
  httplib::Result result = client.Get(
      "/api/test/health-watch",
      [&](const httplib::Response& response) {
        content_type = response.get_header_value("Content-Type");
        return true;
      },
      [&](const char* data, size_t length) {
        received.append(data, length);
        return received.find('\n') == std::string::npos;
      });
  EXPECT_EQ(content_type, "application/x-ndjson");
  ASSERT_NE(received.find('\n'), std::string::npos) << received;
  EXPECT_EQ(json::parse(received.substr(0, received.find('\n'))),
            json::parse(R"({"result": {"status": "SERVING"}})"));
}

TEST_F(GatewayApiTest, WithoutTheDescriptorSetTheAnnotatedRouteIsUnknown) {
  ApiResponse r = Send("GET", "/api/test/health");
  EXPECT_EQ(r.status, 404) << r;
  EXPECT_EQ(r.json["code"], 5);
}

// The metadata the gateway sends, as a gRPC server sees it. sync_service has no use for Authorization, so a
// health service in this process (served through the test descriptor set's annotation) records it.
class RecordingHealth final : public grpc::health::v1::Health::Service {
 public:
  grpc::Status Check(grpc::ServerContext* context, const grpc::health::v1::HealthCheckRequest*,
                     grpc::health::v1::HealthCheckResponse* response) override {
    std::lock_guard<std::mutex> lock(mu_);
    metadata_.clear();
    for (const auto& [k, v] : context->client_metadata())
      metadata_.emplace(std::string(k.data(), k.size()), std::string(v.data(), v.size()));
    deadline_left_ = context->deadline() - std::chrono::system_clock::now();
    response->set_status(grpc::health::v1::HealthCheckResponse::SERVING);
    return grpc::Status::OK;
  }
  std::multimap<std::string, std::string> metadata() {
    std::lock_guard<std::mutex> lock(mu_);
    return metadata_;
  }
  std::chrono::system_clock::duration deadline_left() {
    std::lock_guard<std::mutex> lock(mu_);
    return deadline_left_;
  }

 private:
  std::mutex mu_;
  std::multimap<std::string, std::string> metadata_;
  std::chrono::system_clock::duration deadline_left_{};
};

TEST(GatewayMetadataTest, ForwardsAuthorizationRequestIdAndDeadline) {
  RecordingHealth health;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&health);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);

  GatewayProcessOptions options;
  options.sync_service_address = absl::StrCat("127.0.0.1:", port);
  options.extra_args = {absl::StrCat("--descriptor_set=", GATEWAY_TEST_DESCRIPTOR_SET),
                        "--default_deadline=7s"};
  absl::StatusOr<std::unique_ptr<GatewayProcess>> gateway = GatewayProcess::Start(options);
  ASSERT_TRUE(gateway.ok()) << gateway.status();

  HttpResponse r = (*gateway)->Send("GET", "/api/test/health", "",
                                    {{"Authorization", "Bearer t0ken"}, {"X-Request-Id", "req-42"}});
  ASSERT_EQ(r.status, 200) << r.body;
  std::multimap<std::string, std::string> metadata = health.metadata();
  EXPECT_THAT(metadata,
              ::testing::Contains(std::make_pair(std::string("authorization"), std::string("Bearer t0ken"))));
  EXPECT_THAT(metadata,
              ::testing::Contains(std::make_pair(std::string("x-request-id"), std::string("req-42"))));
  // No Grpc-Timeout: --default_deadline.
  EXPECT_GT(health.deadline_left(), std::chrono::seconds(5));
  EXPECT_LT(health.deadline_left(), std::chrono::milliseconds(7500));

  r = (*gateway)->Send("GET", "/api/test/health", "", {{"Grpc-Timeout", "2S"}});
  ASSERT_EQ(r.status, 200) << r.body;
  // gRPC rounds a timeout up when it encodes it (units of its own choosing), so "about 2 s", not 7 s.
  EXPECT_GT(health.deadline_left(), std::chrono::seconds(1));
  EXPECT_LT(health.deadline_left(), std::chrono::milliseconds(2500));
  EXPECT_EQ(health.metadata().count("authorization"), 0u);
  EXPECT_EQ(health.metadata().find("x-request-id")->second, r.Header("X-Request-Id"));

  (*gateway)->Stop();
  server->Shutdown();
}

}  // namespace
}  // namespace syncd::testing
