// What an operator watches: Prometheus /metrics on sync_service and on workers, whose counters move as
// syncs run (a success increments the success counter, a failure the failure counter by its error code),
// and JSON log lines that parse and carry the integration and run ids (and the caller's request id).

#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "tests/harness/gateway_process.h"
#include "tests/integration/sync_loop_fixture.h"

namespace syncd::testing {
namespace {

using ::testing::HasSubstr;

// One sample of the text exposition: name, labels, value.
struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

std::vector<Sample> ParseMetrics(const std::string& text) {
  std::vector<Sample> out;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    if (line[0] == '#') continue;
    Sample s;
    const size_t brace = line.find('{');
    const size_t space = line.rfind(' ');
    if (space == absl::string_view::npos) continue;
    if (brace != absl::string_view::npos && brace < space) {
      s.name = std::string(line.substr(0, brace));
      const size_t close = line.rfind('}', space);
      for (absl::string_view pair : absl::StrSplit(line.substr(brace + 1, close - brace - 1), "\",")) {
        const size_t eq = pair.find('=');
        std::string value(pair.substr(eq + 1));
        value.erase(std::remove(value.begin(), value.end(), '"'), value.end());
        s.labels[std::string(pair.substr(0, eq))] = value;
      }
    } else {
      s.name = std::string(line.substr(0, space));
    }
    if (!absl::SimpleAtod(line.substr(space + 1), &s.value)) continue;
    out.push_back(std::move(s));
  }
  return out;
}

// The sum of the samples of `name` whose labels include `labels`; nullopt when there is none.
std::optional<double> Sum(const std::vector<Sample>& samples, const std::string& name,
                          const std::map<std::string, std::string>& labels = {}) {
  std::optional<double> sum;
  for (const Sample& s : samples) {
    if (s.name != name) continue;
    bool match = true;
    for (const auto& [k, v] : labels) {
      auto it = s.labels.find(k);
      match = match && it != s.labels.end() && it->second == v;
    }
    if (match) sum = sum.value_or(0) + s.value;
  }
  return sum;
}

std::vector<Sample> Scrape(const std::string& address) {
  absl::StatusOr<HttpResponse> res = HttpGet(address, "/metrics");
  if (!res.ok() || res->status != 200) {
    ADD_FAILURE() << "GET http://" << address
                  << "/metrics: " << (res.ok() ? std::to_string(res->status) : res.status().ToString());
    return {};
  }
  return ParseMetrics(res->body);
}

class MetricsTest : public SyncLoopTest {};

TEST_F(MetricsTest, SyncServiceAndWorkerCountSyncsAsTheyHappen) {
  ASSERT_FALSE(service().metrics_address().empty()) << "sync_service wrote no metrics address";
  WorkerProcess* worker = StartWorker("worker-a");
  ASSERT_NE(worker, nullptr);

  std::vector<Sample> before = Scrape(service().metrics_address());
  EXPECT_EQ(Sum(before, "syncd_syncs_succeeded_total"), 0);
  EXPECT_EQ(Sum(before, "syncd_workers_connected"), 1);

  v1::Integration good = MustCreate(Demo("Good", {.records = 5}, 1));
  v1::Integration bad = MustCreate(Demo("Bad", {.failure_rate = 1, .error_code = "SERVER_ERROR"}, 60));
  ASSERT_FALSE(good.id().empty());
  ASSERT_FALSE(bad.id().empty());

  // The failing one retries (1, 2, 4 s) and then pauses.
  std::vector<Sample> after;
  ASSERT_TRUE(Eventually(kWait,
                         [&] {
                           after = Scrape(service().metrics_address());
                           return Sum(after, "syncd_syncs_succeeded_total").value_or(0) >= 2 &&
                                  Sum(after, "syncd_integration_pauses_total").value_or(0) >= 1;
                         }))
      << "metrics did not move:\n"
      << HttpGet(service().metrics_address(), "/metrics")->body << RunsTable();

  // Every family an operator relies on is there.
  for (const char* family :
       {"syncd_build_info", "syncd_syncs_started_total", "syncd_syncs_succeeded_total",
        "syncd_syncs_failed_total", "syncd_sync_duration_seconds_count", "syncd_schedule_lag_seconds_count",
        "syncd_due_backlog", "syncd_runs_in_flight", "syncd_workers_connected",
        "syncd_sync_retries_scheduled_total", "syncd_integration_pauses_total",
        "syncd_records_inserted_total", "syncd_records_updated_total", "syncd_grpc_server_requests_total",
        "syncd_grpc_server_request_duration_seconds_count"}) {
    EXPECT_TRUE(Sum(after, family).has_value()) << family << " missing";
  }
  // The counters agree with what happened: 1 try + 3 retries of the bad one, each SERVER_ERROR.
  EXPECT_EQ(Sum(after, "syncd_syncs_failed_total", {{"error_code", "SERVER_ERROR"}}), kMaxRetries + 1);
  EXPECT_EQ(Sum(after, "syncd_syncs_failed_total", {{"error_code", "SERVER_ERROR"}, {"trigger", "RETRY"}}),
            kMaxRetries);
  EXPECT_EQ(Sum(after, "syncd_sync_retries_scheduled_total"), kMaxRetries);
  EXPECT_EQ(Sum(after, "syncd_integration_pauses_total"), 1);
  EXPECT_GE(Sum(after, "syncd_syncs_succeeded_total", {{"trigger", "SCHEDULED"}}).value_or(0), 2);
  EXPECT_GE(Sum(after, "syncd_syncs_started_total").value_or(0),
            Sum(after, "syncd_syncs_succeeded_total").value_or(0) + kMaxRetries + 1);
  EXPECT_GE(Sum(after, "syncd_sync_duration_seconds_count", {{"status", "SUCCESS"}}).value_or(0), 2);
  EXPECT_GE(Sum(after, "syncd_schedule_lag_seconds_count", {{"trigger", "SCHEDULED"}}).value_or(0), 2);
  // The first sync of "Good" stored its 5 records as new.
  EXPECT_GE(Sum(after, "syncd_records_inserted_total").value_or(0), 5);
  EXPECT_EQ(Sum(after, "syncd_grpc_server_requests_total",
                {{"method", "/syncd.v1.SyncService/CreateIntegration"}, {"code", "OK"}}),
            2);

  // A bad request is counted under its code.
  v1::Integration nameless = Demo("", {}, 60);
  v1::Integration ignored;
  EXPECT_EQ(Create(nameless, &ignored).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Sum(Scrape(service().metrics_address()), "syncd_grpc_server_requests_total",
                {{"method", "/syncd.v1.SyncService/CreateIntegration"}, {"code", "INVALID_ARGUMENT"}}),
            1);

  // The worker counts what it ran.
  std::vector<Sample> w = Scrape(worker->http_address());
  EXPECT_GE(Sum(w, "syncd_worker_syncs_total", {{"type", "DEMO"}, {"status", "SUCCESS"}}).value_or(0), 2);
  EXPECT_EQ(Sum(w, "syncd_worker_syncs_total", {{"status", "FAILED"}, {"error_code", "SERVER_ERROR"}}),
            kMaxRetries + 1);
  EXPECT_GE(Sum(w, "syncd_worker_records_read_total", {{"type", "DEMO"}}).value_or(0), 10);
  EXPECT_EQ(Sum(w, "syncd_worker_connected"), 1);
  EXPECT_TRUE(Sum(w, "syncd_worker_sync_duration_seconds_count").has_value());
  EXPECT_TRUE(Sum(w, "syncd_worker_syncs_running").has_value());
}

// --- JSON logs ---------------------------------------------------------------------------------------------

class JsonLogsTest : public SyncLoopTest {
 protected:
  std::vector<std::string> ServiceFlags() const override {
    std::vector<std::string> flags = SyncLoopTest::ServiceFlags();
    flags.push_back("--log_format=json");
    return flags;
  }
};

// Every line of the file as JSON; fails the test on a line that is not a JSON object.
// The complete lines of `text` (`source` names it in failures), each a JSON log object. A last line without
// its newline is still being written (logs are buffered, flushed every second) and is left out.
std::vector<nlohmann::json> JsonLinesOf(const std::string& text, const std::string& source) {
  std::vector<nlohmann::json> out;
  absl::string_view complete(text);
  complete = complete.substr(0, complete.rfind('\n') + 1);  // npos + 1 == 0: nothing complete yet
  for (absl::string_view line : absl::StrSplit(complete, '\n', absl::SkipEmpty())) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    EXPECT_TRUE(j.is_object() && j.contains("ts") && j.contains("level") && j.contains("msg"))
        << source << ": not a JSON log line: " << line;
    if (j.is_object()) out.push_back(std::move(j));
  }
  return out;
}

std::vector<nlohmann::json> JsonLines(const std::string& path) {
  std::ifstream in(path);
  return JsonLinesOf(std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()), path);
}

bool HasLine(const std::vector<nlohmann::json>& lines, const std::string& msg_prefix,
             const std::map<std::string, std::string>& fields) {
  for (const nlohmann::json& j : lines) {
    if (!absl::StartsWith(j.value("msg", ""), msg_prefix)) continue;
    bool match = true;
    for (const auto& [k, v] : fields) match = match && j.value(k, "") == v;
    if (match) return true;
  }
  return false;
}

TEST_F(JsonLogsTest, LinesParseAndCarryTheIdsOfSyncsAndRequests) {
  WorkerProcessOptions options;
  options.sync_service_address = service_address();
  options.extra_args = {"--worker_id=worker-json"};
  options.extra_env = {"SYNCD_LOG_FORMAT=json"};  // the environment variable works as well as the flag
  absl::StatusOr<std::unique_ptr<WorkerProcess>> worker = WorkerProcess::Start(options);
  ASSERT_TRUE(worker.ok()) << worker.status();

  grpc::ClientContext context;
  context.AddMetadata("x-request-id", "req-from-the-gateway-1");
  v1::CreateIntegrationRequest request;
  *request.mutable_integration() = Demo("Logged", {.records = 3}, std::nullopt);
  v1::Integration created;
  ASSERT_TRUE(stub().CreateIntegration(&context, request, &created).ok());
  v1::TriggerSyncResponse triggered;
  ASSERT_TRUE(Trigger(created.id(), &triggered).ok());
  std::optional<v1::SyncRun> run = AwaitEnded(created.id(), triggered.run().id());
  ASSERT_TRUE(run.has_value());
  ASSERT_EQ(run->status(), v1::SyncRun::SUCCESS) << Describe(*run);

  const std::map<std::string, std::string> ids = {{"integration_id", created.id()}, {"run_id", run->id()}};
  // Logs are flushed every second.
  std::vector<nlohmann::json> service_lines, worker_lines;
  EXPECT_TRUE(Eventually(kWait,
                         [&] {
                           service_lines = JsonLines(service().log_path());
                           worker_lines = JsonLines((*worker)->log_path());
                           return HasLine(service_lines, "sync finished", ids) &&
                                  HasLine(worker_lines, "sync done", ids);
                         }))
      << "no JSON line with both ids:\n"
      << service().LogTail() << (*worker)->LogTail();
  EXPECT_TRUE(HasLine(service_lines, "rpc",
                      {{"method", "/syncd.v1.SyncService/CreateIntegration"},
                       {"code", "OK"},
                       {"request_id", "req-from-the-gateway-1"}}))
      << service().LogTail();
  for (const nlohmann::json& j : worker_lines) EXPECT_EQ(j.value("service", ""), "worker");
  (*worker)->Stop();
}

TEST_F(JsonLogsTest, GatewayCountsRequestsByRouteAndPassesItsRequestIdToSyncService) {
  GatewayProcessOptions options;
  options.sync_service_address = service_address();
  options.extra_args = {"--log_format=json"};
  absl::StatusOr<std::unique_ptr<GatewayProcess>> gateway = GatewayProcess::Start(options);
  ASSERT_TRUE(gateway.ok()) << gateway.status();

  HttpResponse created = (*gateway)->Send(
      "POST", "/api/integrations",
      R"({"name":"Through the gateway","type":"DEMO","config":{"records":2},"syncInterval":null})",
      {{"X-Request-Id", "req-http-42"}});
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(created.Header("X-Request-Id"), "req-http-42");
  const std::string id = nlohmann::json::parse(created.body).value("id", "");
  ASSERT_FALSE(id.empty()) << created.body;
  EXPECT_EQ((*gateway)->Send("GET", "/api/integrations/" + id).status, 200);
  EXPECT_EQ((*gateway)->Send("GET", "/api/integrations/00000000-0000-0000-0000-000000000000").status, 404);

  HttpResponse scrape = (*gateway)->Send("GET", "/metrics");
  ASSERT_EQ(scrape.status, 200);
  std::vector<Sample> m = ParseMetrics(scrape.body);
  EXPECT_EQ(Sum(m, "syncd_http_requests_total", {{"route", "POST /api/integrations"}, {"status", "200"}}), 1)
      << scrape.body;
  // Routes, not raw paths: both ids land on one template.
  EXPECT_EQ(Sum(m, "syncd_http_requests_total", {{"route", "GET /api/integrations/{id}"}}), 2) << scrape.body;
  EXPECT_EQ(Sum(m, "syncd_http_requests_total", {{"route", "GET /api/integrations/{id}"}, {"status", "404"}}),
            1);
  EXPECT_TRUE(Sum(m, "syncd_http_request_duration_seconds_count", {{"route", "POST /api/integrations"}}));
  EXPECT_EQ(Sum(m, "syncd_build_info", {{"service", "gateway"}}), 1);

  // The request id of the HTTP request is on the gateway's line and on sync_service's line of the RPC.
  std::vector<nlohmann::json> service_lines;
  std::string gateway_log;
  EXPECT_TRUE(Eventually(kWait, [&] {
    service_lines = JsonLines(service().log_path());
    return HasLine(service_lines, "rpc",
                   {{"method", "/syncd.v1.SyncService/CreateIntegration"}, {"request_id", "req-http-42"}});
  })) << service().LogTail();
  std::vector<nlohmann::json> gateway_lines;
  EXPECT_TRUE(Eventually(kWait, [&] {
    gateway_lines = JsonLinesOf((*gateway)->Log(), "gateway log");
    return HasLine(gateway_lines, "http", {{"request_id", "req-http-42"}, {"status", "200"}});
  })) << (*gateway)->LogTail();
}

}  // namespace
}  // namespace syncd::testing
