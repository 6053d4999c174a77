// HTTP_JSON syncs against a local HTTP server: pagination by next link and by cursor, records inserted,
// updated and unchanged across syncs, pacing to maxRequestsPerMinute, a 429 waited out, what a failed run
// leaves behind, a request cut off at the sync's deadline, secrets kept out of responses and logs, and
// configs that cannot work rejected when saved.
#include <map>
#include <string>

#include "tests/integration/http_json_fixture.h"

namespace syncd::testing {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;

// A page of `ids` as {"items": [{"id": 1, "name": "item 1", "rev": rev}, ...]} plus `extra` keys.
std::string ItemsPage(const std::vector<int>& ids, int rev = 1, json extra = json::object()) {
  json page = std::move(extra);
  page["items"] = json::array();
  for (int id : ids)
    page["items"].push_back({{"id", id}, {"name", "item " + std::to_string(id)}, {"rev", rev}});
  return page.dump();
}

class HttpJsonSyncTest : public HttpJsonTest {};

TEST_F(HttpJsonSyncTest, FollowsNextLinksRelativeAndAbsolute) {
  const std::string token = "bearer-token-for-paging";
  server().Route("/items", [this](const RecordedRequest& r) {
    const std::string page = r.Param("page");
    if (page.empty()) return ScriptedResponse{.body = ItemsPage({1, 2}, 1, {{"next", "/items?page=2"}})};
    if (page == "2") {
      return ScriptedResponse{.body = ItemsPage({3, 4}, 1, {{"next", server().Url("/items?page=3")}})};
    }
    return ScriptedResponse{.body = ItemsPage({5}, 1, {{"next", nullptr}})};
  });
  v1::Integration integration =
      MustCreate(HttpJson("Paged", {{"url", server().Url("/items")},
                                    {"auth", {{"kind", "bearer"}, {"token", token}}},
                                    {"headers", {{"X-Tenant", "acme"}}},
                                    {"recordsPath", "/items"},
                                    {"idField", "/id"},
                                    {"pagination", {{"nextUrlPath", "/next"}}},
                                    {"maxRequestsPerMinute", 6000}}));

  v1::SyncRun run = SyncNow(integration.id());
  ASSERT_EQ(run.status(), v1::SyncRun::SUCCESS) << Describe(run) << " " << run.error_message();
  EXPECT_EQ(run.records_count(), 5);
  EXPECT_EQ(run.records_inserted(), 5);
  std::vector<RecordedRequest> requests = server().Requests("/items");
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].Param("page"), "");
  EXPECT_EQ(requests[1].Param("page"), "2");
  EXPECT_EQ(requests[2].Param("page"), "3");
  for (const RecordedRequest& r : requests) {
    EXPECT_EQ(r.method, "GET");
    EXPECT_EQ(r.Header("authorization"), "Bearer " + token);
    EXPECT_EQ(r.Header("x-tenant"), "acme");
    EXPECT_EQ(r.Header("accept"), "application/json");
  }
  v1::ListRecordsResponse records = Records(integration.id());
  EXPECT_EQ(records.total(), 5);
}

TEST_F(HttpJsonSyncTest, CursorPagesInsertedThenUpdatedThenUnchanged) {
  // The source's data, changed by the test between syncs: id -> rev.
  auto data =
      std::make_shared<std::map<int, int>>(std::map<int, int>{{1, 1}, {2, 1}, {3, 1}, {4, 1}, {5, 1}});
  auto mu = std::make_shared<absl::Mutex>();
  // Two records a page; the cursor is the id to start after.
  server().Route("/search", [data, mu](const RecordedRequest& r) {
    absl::MutexLock lock(mu.get());
    const int after = r.Param("after").empty() ? 0 : std::stoi(r.Param("after"));
    json page = {{"result", {{"records", json::array()}}}, {"meta", {{"next", nullptr}}}};
    int last = 0;
    for (auto it = data->upper_bound(after); it != data->end() && page["result"]["records"].size() < 2;
         ++it) {
      page["result"]["records"].push_back(
          {{"key", {{"id", std::to_string(it->first)}}}, {"rev", it->second}});
      last = it->first;
    }
    if (last != 0 && data->upper_bound(last) != data->end()) page["meta"]["next"] = last;
    return ScriptedResponse{.body = page.dump()};
  });
  v1::Integration integration = MustCreate(
      HttpJson("Cursor", {{"url", server().Url("/search?limit=2")},
                          {"method", "POST"},
                          {"body", {{"query", "status:active"}}},
                          {"auth", {{"kind", "apiKey"}, {"header", "X-Api-Key"}, {"key", "key-for-cursor"}}},
                          {"recordsPath", "/result/records"},
                          {"idField", "/key/id"},
                          {"pagination", {{"cursorPath", "/meta/next"}, {"cursorParam", "after"}}},
                          {"maxRequestsPerMinute", 6000}}));

  v1::SyncRun first = SyncNow(integration.id());
  ASSERT_EQ(first.status(), v1::SyncRun::SUCCESS) << Describe(first) << " " << first.error_message();
  EXPECT_EQ(first.records_count(), 5);
  EXPECT_EQ(first.records_inserted(), 5);
  EXPECT_EQ(first.records_updated(), 0);
  EXPECT_EQ(first.records_unchanged(), 0);
  std::vector<RecordedRequest> requests = server().Requests("/search");
  ASSERT_EQ(requests.size(), 3u);  // 2 + 2 + 1
  EXPECT_EQ(requests[0].Param("after"), "");
  EXPECT_EQ(requests[1].Param("after"), "2");
  EXPECT_EQ(requests[2].Param("after"), "4");
  for (const RecordedRequest& r : requests) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.Param("limit"), "2");  // the url's own query stays
    EXPECT_EQ(json::parse(r.body), json({{"query", "status:active"}}));
    EXPECT_EQ(r.Header("content-type"), "application/json");
    EXPECT_EQ(r.Header("x-api-key"), "key-for-cursor");
  }

  {
    absl::MutexLock lock(mu.get());
    (*data)[2] = 2;
    (*data)[4] = 2;
    (*data)[6] = 1;
  }
  v1::SyncRun second = SyncNow(integration.id());
  ASSERT_EQ(second.status(), v1::SyncRun::SUCCESS) << Describe(second) << " " << second.error_message();
  EXPECT_EQ(second.records_count(), 6);
  EXPECT_EQ(second.records_inserted(), 1);
  EXPECT_EQ(second.records_updated(), 2);
  EXPECT_EQ(second.records_unchanged(), 3);

  v1::SyncRun third = SyncNow(integration.id());
  ASSERT_EQ(third.status(), v1::SyncRun::SUCCESS) << Describe(third) << " " << third.error_message();
  EXPECT_EQ(third.records_count(), 6);
  EXPECT_EQ(third.records_inserted(), 0);
  EXPECT_EQ(third.records_updated(), 0);
  EXPECT_EQ(third.records_unchanged(), 6);

  v1::ListRecordsResponse records = Records(integration.id());
  EXPECT_EQ(records.total(), 6);
  for (const v1::SyncedRecord& r : records.records()) {
    const int id = std::stoi(r.external_id());
    EXPECT_EQ(r.data().fields().at("rev").number_value(), id == 2 || id == 4 ? 2 : 1) << id;
  }
}

TEST_F(HttpJsonSyncTest, MaxPagesAndMaxRecordsStopTheSync) {
  server().Route("/endless", [](const RecordedRequest& r) {
    const int page = r.Param("p").empty() ? 1 : std::stoi(r.Param("p"));
    return ScriptedResponse{
        .body = ItemsPage({page * 10 + 1, page * 10 + 2, page * 10 + 3}, 1, {{"cursor", page + 1}})};
  });
  json config = {{"url", server().Url("/endless")},
                 {"recordsPath", "/items"},
                 {"idField", "/id"},
                 {"pagination", {{"cursorPath", "/cursor"}, {"cursorParam", "p"}}},
                 {"maxRequestsPerMinute", 6000},
                 {"maxPages", 4}};
  v1::Integration pages = MustCreate(HttpJson("Pages", config));
  v1::SyncRun by_pages = SyncNow(pages.id());
  ASSERT_EQ(by_pages.status(), v1::SyncRun::SUCCESS) << by_pages.error_message();
  EXPECT_EQ(by_pages.records_count(), 12);
  EXPECT_EQ(server().Requests("/endless").size(), 4u);

  config["maxPages"] = 100;
  config["maxRecords"] = 7;
  v1::Integration records = MustCreate(HttpJson("Records", config));
  v1::SyncRun by_records = SyncNow(records.id());
  ASSERT_EQ(by_records.status(), v1::SyncRun::SUCCESS) << by_records.error_message();
  EXPECT_EQ(by_records.records_count(), 7);
  EXPECT_EQ(Records(records.id()).total(), 7);
  EXPECT_EQ(server().Requests("/endless").size(), 4u + 3u);
}

TEST_F(HttpJsonSyncTest, APageOfLargeRecordsOverGrpcsDefault4MiBIsStored) {
  // 40 records of 256 KiB each: one page, one RecordBatch of about 10 MiB from the worker.
  json items = json::array();
  for (int id = 1; id <= 40; ++id)
    items.push_back({{"id", id}, {"blob", std::string(256 * 1024, 'a' + id % 26)}});
  server().Respond("/big", {.body = json{{"items", items}}.dump()});
  v1::Integration integration = MustCreate(HttpJson("Big", {{"url", server().Url("/big")},
                                                            {"recordsPath", "/items"},
                                                            {"idField", "/id"},
                                                            {"maxRequestsPerMinute", 6000}}));
  v1::SyncRun run = SyncNow(integration.id());
  ASSERT_EQ(run.status(), v1::SyncRun::SUCCESS) << Describe(run) << " " << run.error_message();
  EXPECT_EQ(run.records_count(), 40);
  EXPECT_EQ(run.records_inserted(), 40);
}

// PostgreSQL stores U+0000 neither in text nor in jsonb: a source that sends it still syncs, without it.
TEST_F(HttpJsonSyncTest, RecordsWithNulCharactersAreStoredWithoutThem) {
  server().Respond(
      "/nul", {.body = R"({"items": [{"id": 1, "name": "ok"}, {"id": "2\u0000", "name": "bad\u0000nul"}]})"});
  v1::Integration integration = MustCreate(
      HttpJson("Nul", {{"url", server().Url("/nul")}, {"recordsPath", "/items"}, {"idField", "/id"}}));
  v1::SyncRun run = SyncNow(integration.id());
  ASSERT_EQ(run.status(), v1::SyncRun::SUCCESS) << Describe(run) << " " << run.error_message();
  EXPECT_EQ(run.records_count(), 2);
  EXPECT_EQ(run.records_inserted(), 2);
  std::map<std::string, std::string> names;
  const v1::ListRecordsResponse records = Records(integration.id());
  for (const v1::SyncedRecord& r : records.records()) {
    names[r.external_id()] = r.data().fields().at("name").string_value();
  }
  EXPECT_THAT(names, ElementsAre(Pair("1", "ok"), Pair("2", "badnul")));
}

TEST_F(HttpJsonSyncTest, PagesArePacedToMaxRequestsPerMinute) {
  server().Route("/slowly", [](const RecordedRequest& r) {
    const int page = r.Param("page").empty() ? 1 : std::stoi(r.Param("page"));
    return ScriptedResponse{.body =
                                ItemsPage({page}, 1, {{"next", page < 5 ? json(page + 1) : json(nullptr)}})};
  });
  // 120 a minute: one request every 500 ms at most.
  v1::Integration integration =
      MustCreate(HttpJson("Paced", {{"url", server().Url("/slowly")},
                                    {"recordsPath", "/items"},
                                    {"idField", "/id"},
                                    {"pagination", {{"cursorPath", "/next"}, {"cursorParam", "page"}}},
                                    {"maxRequestsPerMinute", 120}}));
  v1::SyncRun run = SyncNow(integration.id());
  ASSERT_EQ(run.status(), v1::SyncRun::SUCCESS) << run.error_message();
  EXPECT_EQ(run.records_count(), 5);
  std::vector<RecordedRequest> requests = server().Requests("/slowly");
  ASSERT_EQ(requests.size(), 5u);
  // A lower bound on the gaps the server saw. The worker starts requests at least 500 ms apart; a request's
  // arrival trails its start by a connection set-up that a loaded machine can stretch, hence the allowance
  // (without pacing the gaps would be a few milliseconds).
  constexpr absl::Duration kAllowance = absl::Milliseconds(100);
  for (size_t i = 1; i < requests.size(); ++i) {
    EXPECT_GE(requests[i].arrived - requests[i - 1].arrived, absl::Milliseconds(500) - kAllowance)
        << "request " << i;
  }
  EXPECT_GE(requests.back().arrived - requests.front().arrived, 4 * absl::Milliseconds(500) - kAllowance);
}

TEST_F(HttpJsonSyncTest, TooManyRequestsIsWaitedOutWhenItFits) {
  server().RespondInOrder(
      "/limited", {{.status = 429, .body = R"({"error": "slow down"})", .headers = {{"Retry-After", "1"}}},
                   {.body = ItemsPage({1, 2})}});
  v1::Integration integration = MustCreate(HttpJson(
      "Limited", {{"url", server().Url("/limited")}, {"recordsPath", "/items"}, {"idField", "/id"}}));
  v1::SyncRun run = SyncNow(integration.id());
  ASSERT_EQ(run.status(), v1::SyncRun::SUCCESS) << Describe(run) << " " << run.error_message();
  EXPECT_EQ(run.records_count(), 2);
  std::vector<RecordedRequest> requests = server().Requests("/limited");
  ASSERT_EQ(requests.size(), 2u);
  // It came back no sooner than asked.
  EXPECT_GE(requests[1].arrived - requests[0].arrived, absl::Seconds(1) - absl::Milliseconds(100));
}

TEST_F(HttpJsonSyncTest, FailedRunKeepsThePagesItStoredAndSaysSo) {
  server().Route("/half", [](const RecordedRequest& r) {
    if (r.Param("page") == "2") return ScriptedResponse{.status = 502, .body = "bad gateway"};
    return ScriptedResponse{.body = ItemsPage({1, 2, 3}, 1, {{"next", 2}})};
  });
  v1::Integration integration =
      MustCreate(HttpJson("Half", {{"url", server().Url("/half")},
                                   {"recordsPath", "/items"},
                                   {"idField", "/id"},
                                   {"pagination", {{"cursorPath", "/next"}, {"cursorParam", "page"}}},
                                   {"maxRequestsPerMinute", 6000}}));
  v1::SyncRun run = SyncNow(integration.id());
  ASSERT_EQ(run.status(), v1::SyncRun::FAILED) << Describe(run);
  EXPECT_EQ(run.error_code(), "SERVER_ERROR");
  EXPECT_THAT(run.error_message(), HasSubstr("HTTP 502"));
  // Page 1 landed (one transaction per batch) and the run's counts say so.
  EXPECT_EQ(run.records_count(), 3);
  EXPECT_EQ(run.records_inserted(), 3);
  EXPECT_EQ(Records(integration.id()).total(), 3);
}

TEST_F(HttpJsonSyncTest, ARunningSyncShowsTheRecordsItStoredSoFar) {
  // Page 1 comes at once; page 2 only after the sync's deadline.
  server().Route("/slow", [](const RecordedRequest& r) {
    if (r.Param("page") == "2") return ScriptedResponse{.body = ItemsPage({4}), .delay = absl::Minutes(2)};
    return ScriptedResponse{.body = ItemsPage({1, 2, 3}, 1, {{"next", 2}})};
  });
  v1::Integration integration =
      MustCreate(HttpJson("Slow", {{"url", server().Url("/slow")},
                                   {"recordsPath", "/items"},
                                   {"idField", "/id"},
                                   {"pagination", {{"cursorPath", "/next"}, {"cursorParam", "page"}}},
                                   {"syncTimeoutSeconds", 8}}));
  const std::string run_id = TriggerRun(integration.id());
  // While page 2 is awaited, the run is RUNNING and its history row counts page 1.
  std::optional<v1::SyncRun> running;
  const absl::Time give_up = absl::Now() + absl::Seconds(6);
  while (absl::Now() < give_up) {
    running = FindRun(integration.id(), run_id);
    if (running.has_value() && running->status() == v1::SyncRun::RUNNING && running->records_count() == 3)
      break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_TRUE(running.has_value());
  EXPECT_EQ(running->status(), v1::SyncRun::RUNNING) << Describe(*running);
  EXPECT_EQ(running->records_count(), 3) << Describe(*running);
  EXPECT_EQ(running->records_inserted(), 3);
  EXPECT_EQ(running->records_updated(), 0);
  // A second trigger while it runs returns the same run, with the same counts.
  v1::TriggerSyncResponse again;
  ASSERT_THAT(Trigger(integration.id(), &again), IsOk());
  EXPECT_TRUE(again.already_running());
  EXPECT_EQ(again.run().id(), run_id);
  EXPECT_EQ(again.run().records_count(), 3);
  // At the deadline it fails, keeping what it stored.
  std::optional<v1::SyncRun> done = AwaitEnded(integration.id(), run_id);
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->error_code(), "TIMEOUT") << Describe(*done);
  EXPECT_EQ(done->records_inserted(), 3);
}

TEST_F(HttpJsonSyncTest, RequestIsCutOffAtTheSyncDeadline) {
  // The server would answer after two minutes; the sync may take 2 s.
  server().Respond("/stuck", {.body = ItemsPage({1}), .delay = absl::Minutes(2)});
  v1::Integration integration = MustCreate(HttpJson("Stuck", {{"url", server().Url("/stuck")},
                                                              {"recordsPath", "/items"},
                                                              {"idField", "/id"},
                                                              {"timeoutSeconds", 600},
                                                              {"syncTimeoutSeconds", 2}}));
  // AwaitEnded gives up after kWait (30 s): the run ends only if the request was aborted.
  v1::SyncRun run = SyncNow(integration.id());
  ASSERT_EQ(run.status(), v1::SyncRun::FAILED) << Describe(run);
  EXPECT_EQ(run.error_code(), "TIMEOUT");
  EXPECT_THAT(run.error_message(), HasSubstr("did not finish before its deadline"));
  EXPECT_THAT(run.suggestion(), HasSubstr("syncTimeoutSeconds"));
}

TEST_F(HttpJsonSyncTest, SecretsNeverLeaveThroughTheApiOrTheLogs) {
  const std::string token = "tok-SECRET-7f3a91";
  const std::string password = "pw-SECRET-c0ffee";
  const std::string key = "key-SECRET-b4dd1e";
  server().Respond("/ok", {.body = ItemsPage({1, 2})});
  server().Respond("/denied", {.status = 401, .body = R"({"error": "invalid credentials"})"});
  // A server that quotes the key it rejects: the message a user reads must not.
  server().Route("/echo", [](const RecordedRequest& r) {
    return ScriptedResponse{.status = 403,
                            .body = R"({"error": "key )" + r.Header("x-api-key") + R"( lacks scope"})"};
  });
  json bearer = {{"url", server().Url("/ok")},
                 {"recordsPath", "/items"},
                 {"idField", "/id"},
                 {"auth", {{"kind", "bearer"}, {"token", token}}}};
  json basic = {{"url", server().Url("/denied")},
                {"recordsPath", "/items"},
                {"idField", "/id"},
                {"auth", {{"kind", "basic"}, {"username", "reader"}, {"password", password}}}};
  json api_key = {{"url", server().Url("/echo")},
                  {"recordsPath", "/items"},
                  {"idField", "/id"},
                  {"auth", {{"kind", "apiKey"}, {"header", "X-Api-Key"}, {"key", key}}}};
  std::vector<v1::Integration> integrations;
  std::string responses;
  for (const auto& [name, config] : {std::pair{"Bearer", bearer}, {"Basic", basic}, {"Key", api_key}}) {
    v1::Integration created = MustCreate(HttpJson(name, config));
    responses += created.DebugString();
    integrations.push_back(created);
  }
  for (const v1::Integration& i : integrations) {
    v1::SyncRun run = SyncNow(i.id());
    responses += run.DebugString();
  }
  // The secrets were used.
  ASSERT_FALSE(server().Requests("/denied").empty());
  EXPECT_EQ(server().Requests("/denied")[0].Header("authorization"),
            "Basic cmVhZGVyOnB3LVNFQ1JFVC1jMGZmZWU=");
  std::vector<RecordedRequest> ok = server().Requests("/ok");
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(ok[0].Header("authorization"), "Bearer " + token);
  ASSERT_EQ(server().Requests("/echo").size(), 1u);
  EXPECT_EQ(server().Requests("/echo")[0].Header("x-api-key"), key);
  v1::GetSyncHistoryResponse echoed;
  ASSERT_THAT(History(integrations[2].id(), 1, 10, &echoed), IsOk());
  ASSERT_GE(echoed.logs_size(), 1);
  EXPECT_THAT(echoed.logs(0).error_message(), HasSubstr("key ******** lacks scope"));

  // An update that does not resend them keeps them (and still answers with masks).
  v1::Integration rename;
  rename.set_name("Bearer renamed");
  v1::Integration updated;
  ASSERT_THAT(Update(integrations[0].id(), rename, &updated), IsOk());
  responses += updated.DebugString();
  v1::Integration reconfigure;
  json without_token = bearer;
  without_token["auth"].erase("token");
  without_token["timeoutSeconds"] = 20;
  *reconfigure.mutable_config() = ToStruct(without_token);
  ASSERT_THAT(Update(integrations[0].id(), reconfigure, &updated), IsOk());
  responses += updated.DebugString();
  EXPECT_EQ(SyncNow(integrations[0].id()).status(), v1::SyncRun::SUCCESS);
  EXPECT_EQ(server().Requests("/ok").back().Header("authorization"), "Bearer " + token);

  for (const v1::Integration& i : integrations) {
    responses += MustGet(i.id()).DebugString();
    v1::GetSyncHistoryResponse history;
    ASSERT_THAT(History(i.id(), 1, 100, &history), IsOk());
    responses += history.DebugString();
    responses += Records(i.id()).DebugString();
  }
  v1::ListIntegrationsResponse listed;
  ASSERT_THAT(ListPage(1, 100, &listed), IsOk());
  responses += listed.DebugString();
  v1::GetSyncStatusResponse status;
  ASSERT_THAT(SyncStatus(100, &status), IsOk());
  responses += status.DebugString();

  // Stop the processes so that everything they would log is in their files.
  StopWorkers();
  service().Stop();
  const std::string worker_log = ReadFile(sync_worker().log_path());
  const std::string service_log = ReadFile(service().log_path());
  ASSERT_THAT(worker_log, HasSubstr("sync done"));  // the right file, with the syncs in it
  ASSERT_THAT(service_log, HasSubstr("CreateIntegration"));
  for (const std::string& secret : {token, password, key}) {
    EXPECT_THAT(responses, Not(HasSubstr(secret)));
    EXPECT_THAT(worker_log, Not(HasSubstr(secret)));
    EXPECT_THAT(service_log, Not(HasSubstr(secret)));
  }
  EXPECT_THAT(responses, HasSubstr("********"));
}

TEST_F(HttpJsonSyncTest, ConfigsThatCannotWorkAreRejectedOnSave) {
  const json valid = {{"url", "https://api.example.com/items"},
                      {"recordsPath", "/data/items"},
                      {"idField", "/id"},
                      {"auth", {{"kind", "bearer"}, {"token", "t"}}}};
  struct Case {
    const char* field;
    json patch;  // merged into `valid` (null removes a key)
  };
  const std::vector<Case> cases = {
      {"config.url", {{"url", "ftp://api.example.com/items"}}},
      {"config.url", {{"url", "https:///items"}}},
      {"config.method", {{"method", "PATCH"}}},
      {"config.recordsPath", {{"recordsPath", nullptr}}},
      {"config.recordsPath", {{"recordsPath", "data.items"}}},
      {"config.idField", {{"idField", "id"}}},
      {"config.auth.kind", {{"auth", {{"kind", "oauth2"}}}}},
      {"config.auth.token", {{"auth", {{"kind", "bearer"}, {"token", nullptr}}}}},
      {"config.auth.password", {{"auth", {{"kind", "basic"}, {"username", "u"}}}}},
      {"config.auth.header", {{"auth", {{"kind", "apiKey"}, {"key", "k"}}}}},
      {"config.auth.key", {{"auth", {{"kind", "apiKey"}, {"header", "X-Key"}}}}},
      {"config.pagination.cursorParam", {{"pagination", {{"cursorPath", "/next"}}}}},
      {"config.pagination",
       {{"pagination", {{"nextUrlPath", "/n"}, {"cursorPath", "/c"}, {"cursorParam", "c"}}}}},
      {"config.timeoutSeconds", {{"timeoutSeconds", 0}}},
      {"config.maxPages", {{"maxPages", -1}}},
      {"config.maxRecords", {{"maxRecords", "many"}}},
      {"config.maxRequestsPerMinute", {{"maxRequestsPerMinute", 0}}},
      {"config.headers.Bad Header", {{"headers", {{"Bad Header", "x"}}}}},
  };
  v1::Integration created;
  for (const Case& c : cases) {
    json config = valid;
    config.merge_patch(c.patch);
    EXPECT_THAT(Create(HttpJson("Bad", config), &created), IsInvalidArgument(c.field)) << config.dump();
  }
  EXPECT_THAT(ListedNames(), ::testing::IsEmpty());  // nothing half-stored

  // On update, too; and the stored config stays as it was.
  v1::Integration good = MustCreate(HttpJson("Good", valid));
  v1::Integration changes;
  json bad = valid;
  bad["auth"] = {{"kind", "basic"}, {"username", "u"}};
  *changes.mutable_config() = ToStruct(bad);
  v1::Integration updated;
  EXPECT_THAT(Update(good.id(), changes, &updated), IsInvalidArgument("config.auth.password"));
  EXPECT_EQ(MustGet(good.id()).config().fields().at("auth").struct_value().fields().at("kind").string_value(),
            "bearer");
}

}  // namespace
}  // namespace syncd::testing
