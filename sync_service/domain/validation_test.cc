#include "sync_service/domain/validation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sync_service/domain/secrets.h"

namespace syncd::domain {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

IntegrationChanges Demo(std::string name) {
  IntegrationChanges c;
  c.name = std::move(name);
  c.type = IntegrationType::kDemo;
  return c;
}

std::vector<std::string> Fields(const FieldViolations& v) {
  std::vector<std::string> out;
  for (const auto& x : v) out.push_back(x.field);
  return out;
}

TEST(NewIntegrationTest, DefaultsToHourlyEnabledAndDueNow) {
  Integration out;
  ASSERT_THAT(NewIntegration(Demo("  Billing  "), kNow, out), IsEmpty());
  EXPECT_EQ(out.name, "Billing");
  EXPECT_EQ(out.sync_interval_seconds, 3600);
  EXPECT_TRUE(out.sync_enabled);
  EXPECT_EQ(out.next_sync_at, kNow);
  EXPECT_TRUE(out.config.is_object());
}

TEST(NewIntegrationTest, NullIntervalMeansManualOnlyWithoutNextSync) {
  IntegrationChanges c = Demo("x");
  c.sync_interval = IntervalInput::Null();
  Integration out;
  ASSERT_THAT(NewIntegration(c, kNow, out), IsEmpty());
  EXPECT_EQ(out.sync_interval_seconds, std::nullopt);
  EXPECT_EQ(out.next_sync_at, std::nullopt);
}

TEST(NewIntegrationTest, DisabledHasNoNextSync) {
  IntegrationChanges c = Demo("x");
  c.sync_enabled = false;
  Integration out;
  ASSERT_THAT(NewIntegration(c, kNow, out), IsEmpty());
  EXPECT_EQ(out.next_sync_at, std::nullopt);
}

TEST(NewIntegrationTest, RequiresNameAndType) {
  Integration out;
  EXPECT_THAT(Fields(NewIntegration(IntegrationChanges{}, kNow, out)), ElementsAre("name", "type"));
  IntegrationChanges unknown = Demo("x");
  unknown.type.reset();
  unknown.type_unknown = true;
  EXPECT_THAT(Fields(NewIntegration(unknown, kNow, out)), ElementsAre("type"));
}

TEST(NewIntegrationTest, NameRules) {
  Integration out;
  EXPECT_THAT(Fields(NewIntegration(Demo("   "), kNow, out)), ElementsAre("name"));
  EXPECT_THAT(NewIntegration(Demo(std::string(200, 'a')), kNow, out), IsEmpty());
  EXPECT_THAT(Fields(NewIntegration(Demo(std::string(201, 'a')), kNow, out)), ElementsAre("name"));
  // 200 characters of three bytes each is still 200 characters.
  std::string kana;
  for (int i = 0; i < 200; ++i) kana += "\xE3\x81\x82";
  EXPECT_THAT(NewIntegration(Demo(kana), kNow, out), IsEmpty());
  // PostgreSQL cannot store U+0000: refused, not cut short at it.
  EXPECT_THAT(Fields(NewIntegration(Demo(std::string("nul\0byte", 8)), kNow, out)), ElementsAre("name"));
}

TEST(ConfigTest, EmptyPaginationAndFractionalDemoCountsAreRefused) {
  Integration out;
  IntegrationChanges demo = Demo("x");
  IntegrationChanges http;
  http.name = "y";
  http.type = IntegrationType::kHttpJson;
  http.config = nlohmann::json{{"url", "https://example.com"},
                               {"recordsPath", ""},
                               {"idField", "/id"},
                               {"pagination", nlohmann::json::object()}};
  EXPECT_THAT(Fields(NewIntegration(http, kNow, out)), ElementsAre("config.pagination"));
  demo.config = nlohmann::json{{"records", 1.5}, {"latencyMs", 2.5}, {"failureRate", 0.5}};
  EXPECT_THAT(Fields(NewIntegration(demo, kNow, out)),
              UnorderedElementsAre("config.records", "config.latencyMs"));
}

TEST(ConfigTest, NestingDeeperThanTheApiCanShowIsRefusedWhereItGoesTooDeep) {
  Integration out;
  IntegrationChanges c = Demo("x");
  nlohmann::json deep = 1;
  for (int i = 0; i < 15; ++i) deep = nlohmann::json{{"a", deep}};
  c.config = nlohmann::json{{"records", 1}, {"n", deep}};  // 16 levels with the config itself
  EXPECT_THAT(NewIntegration(c, kNow, out), IsEmpty());
  (*c.config)["n"] = nlohmann::json{{"a", deep}};
  std::vector<FieldViolation> violations = NewIntegration(c, kNow, out);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].field, "config.n.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a");
  EXPECT_THAT(violations[0].description, HasSubstr("more than 16 levels deep"));
  // Arrays count as levels too.
  nlohmann::json lists = nlohmann::json::array();
  for (int i = 0; i < 20; ++i) lists = nlohmann::json::array({lists});
  c.config = nlohmann::json{{"records", 1}, {"l", lists}};
  EXPECT_THAT(Fields(NewIntegration(c, kNow, out)),
              ElementsAre("config.l[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]"));
}

TEST(ConfigTest, NulAnywhereInTheConfigIsRefusedWithItsPath) {
  Integration out;
  IntegrationChanges c = Demo("x");
  c.config = nlohmann::json{{"records", 1},
                            {"body", {{"q", std::string("a\0b", 3)}}},
                            {"list", {"ok", std::string("\0", 1)}},
                            {std::string("k\0", 2), 1}};
  const FieldViolations v = NewIntegration(c, kNow, out);
  EXPECT_THAT(Fields(v), UnorderedElementsAre("config", "config.body.q", "config.list[1]"));
  for (const FieldViolation& violation : v) {
    EXPECT_EQ(violation.description.find('\0'), std::string::npos) << violation.field;
  }
}

TEST(IntervalTest, Bounds) {
  auto check = [](IntervalInput in) {
    FieldViolations v;
    ValidateInterval(in, "syncInterval", v);
    return v;
  };
  EXPECT_THAT(check(IntervalInput::Number(60)), IsEmpty());
  EXPECT_THAT(check(IntervalInput::Number(604800)), IsEmpty());
  for (int preset : kSyncIntervalPresets) EXPECT_THAT(check(IntervalInput::Number(preset)), IsEmpty());
  EXPECT_THAT(Fields(check(IntervalInput::Number(59))), ElementsAre("syncInterval"));
  EXPECT_THAT(Fields(check(IntervalInput::Number(604801))), ElementsAre("syncInterval"));
  EXPECT_THAT(Fields(check(IntervalInput::Number(90.5))), ElementsAre("syncInterval"));
  EXPECT_THAT(Fields(check(IntervalInput::Number(-3600))), ElementsAre("syncInterval"));
  EXPECT_THAT(Fields(check(IntervalInput::NotANumber())), ElementsAre("syncInterval"));
  EXPECT_THAT(check(IntervalInput::Null()), IsEmpty());
}

TEST(ConfigTest, HttpJsonNeedsAnHttpUrl) {
  auto check = [](nlohmann::json config) {
    FieldViolations v;
    ValidateConfig(IntegrationType::kHttpJson, config, v);
    return Fields(v);
  };
  auto with_url = [](nlohmann::json url) {
    return nlohmann::json{{"url", std::move(url)}, {"recordsPath", "/items"}, {"idField", "/id"}};
  };
  EXPECT_THAT(check(with_url("https://api.example.com/items")), IsEmpty());
  EXPECT_THAT(check({{"recordsPath", "/items"}, {"idField", "/id"}}), ElementsAre("config.url"));
  EXPECT_THAT(check(with_url("ftp://example.com")), ElementsAre("config.url"));
  EXPECT_THAT(check(with_url("https://")), ElementsAre("config.url"));
  EXPECT_THAT(check(with_url(42)), ElementsAre("config.url"));
  // A password in the url would be shown with it: config.auth keeps it secret. A user name alone is no
  // secret.
  EXPECT_THAT(check(with_url("https://sync:s3cret@api.example.com/items")), ElementsAre("config.url"));
  EXPECT_THAT(check(with_url("https://sync:@api.example.com/items")), ElementsAre("config.url"));
  EXPECT_THAT(check(with_url("https://sync@api.example.com/items")), IsEmpty());
  FieldViolations v;
  ValidateConfig(IntegrationType::kHttpJson, with_url("https://sync:s3cret@api.example.com/items"), v);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_THAT(v[0].description, HasSubstr("config.auth"));
  EXPECT_EQ(v[0].description.find("s3cret"), std::string::npos);
}

// The full rules are tested with common/http_json_config; here, that they reach the API's validation.
TEST(ConfigTest, HttpJsonRulesNameTheField) {
  auto check = [](const char* config) {
    FieldViolations v;
    ValidateConfig(IntegrationType::kHttpJson, nlohmann::json::parse(config), v);
    return Fields(v);
  };
  EXPECT_THAT(check(R"({"url": "https://h/x"})"), ElementsAre("config.recordsPath", "config.idField"));
  EXPECT_THAT(check(R"({"url": "https://h/x", "recordsPath": "items", "idField": "/id"})"),
              ElementsAre("config.recordsPath"));
  EXPECT_THAT(
      check(R"({"url": "https://h/x", "recordsPath": "", "idField": "/id", "auth": {"kind": "jwt"}})"),
      ElementsAre("config.auth.kind"));
  EXPECT_THAT(check(R"({"url": "https://h/x", "recordsPath": "", "idField": "/id", "method": "PUT",
                        "auth": {"kind": "basic", "username": "u"}, "pagination": {"cursorPath": "/c"},
                        "maxRequestsPerMinute": 0})"),
              ElementsAre("config.method", "config.auth.password", "config.pagination.cursorParam",
                          "config.maxRequestsPerMinute"));
}

nlohmann::json BearerConfig(nlohmann::json token) {
  nlohmann::json c = {
      {"url", "https://api.example.com/items"}, {"recordsPath", "/items"}, {"idField", "/id"}};
  c["auth"] = {{"kind", "bearer"}};
  if (!token.is_null()) c["auth"]["token"] = std::move(token);
  return c;
}

TEST(ConfigTest, SecretLeftOutOnUpdateKeepsTheStoredOne) {
  Integration current;
  current.name = "Feed";
  current.type = IntegrationType::kHttpJson;
  current.config = BearerConfig("stored-token");
  for (nlohmann::json token : {nlohmann::json(), nlohmann::json(kSecretMask)}) {
    IntegrationChanges c;
    c.config = BearerConfig(token);
    c.config->at("url") = "https://api.example.com/v2/items";
    Integration out;
    ASSERT_THAT(ApplyChanges(current, c, kNow, out), IsEmpty()) << token;
    EXPECT_EQ(out.config["auth"]["token"], "stored-token");
  }
  // Removing the secret on purpose leaves a config that cannot work.
  IntegrationChanges cleared;
  cleared.config = BearerConfig("");
  Integration out;
  EXPECT_THAT(Fields(ApplyChanges(current, cleared, kNow, out)), ElementsAre("config.auth.token"));
}

TEST(ConfigTest, SecretLeftOutWhenTheUrlMovesToAnotherHostIsRefused) {
  Integration current;
  current.name = "Feed";
  current.type = IntegrationType::kHttpJson;
  current.config = BearerConfig("stored-token");
  for (nlohmann::json token : {nlohmann::json(), nlohmann::json(kSecretMask)}) {
    IntegrationChanges c;
    c.config = BearerConfig(token);
    c.config->at("url") = "https://collector.attacker.example/items";
    Integration out;
    FieldViolations violations = ApplyChanges(current, c, kNow, out);
    ASSERT_EQ(violations.size(), 1u) << token;
    EXPECT_EQ(violations[0].field, "config.auth.token");
    EXPECT_EQ(violations[0].description, "must be sent again when the url's scheme, host or port changes");
  }
  IntegrationChanges resent;
  resent.config = BearerConfig("token-for-the-new-host");
  resent.config->at("url") = "https://collector.attacker.example/items";
  Integration out;
  ASSERT_THAT(ApplyChanges(current, resent, kNow, out), IsEmpty());
  EXPECT_EQ(out.config["auth"]["token"], "token-for-the-new-host");
}

TEST(ConfigTest, MaskedSecretOnCreateIsNoSecret) {
  IntegrationChanges c;
  c.name = "Feed";
  c.type = IntegrationType::kHttpJson;
  c.config = BearerConfig(kSecretMask);
  Integration out;
  EXPECT_THAT(Fields(NewIntegration(c, kNow, out)), ElementsAre("config.auth.token"));
  c.config = BearerConfig("real-token");
  ASSERT_THAT(NewIntegration(c, kNow, out), IsEmpty());
  EXPECT_EQ(out.config["auth"]["token"], "real-token");
}

TEST(ConfigTest, DemoIgnoreDeadlineIsABoolean) {
  FieldViolations v;
  ValidateConfig(IntegrationType::kDemo, {{"ignoreDeadline", "yes"}}, v);
  ValidateConfig(IntegrationType::kDemo, {{"ignoreDeadline", true}}, v);
  EXPECT_THAT(Fields(v), ElementsAre("config.ignoreDeadline"));
}

TEST(ConfigTest, SyncTimeoutInRange) {
  FieldViolations v;
  ValidateConfig(IntegrationType::kDemo, {{"syncTimeoutSeconds", 0}}, v);
  ValidateConfig(IntegrationType::kDemo, {{"syncTimeoutSeconds", "10"}}, v);
  ValidateConfig(IntegrationType::kDemo, {{"syncTimeoutSeconds", 600}}, v);
  EXPECT_THAT(Fields(v), ElementsAre("config.syncTimeoutSeconds", "config.syncTimeoutSeconds"));
}

TEST(ConfigTest, DemoKnobsInRange) {
  FieldViolations v;
  ValidateConfig(IntegrationType::kDemo, {{"records", 10}, {"failureRate", 1.5}}, v);
  EXPECT_THAT(Fields(v), ElementsAre("config.failureRate"));
  FieldViolations records;
  ValidateConfig(IntegrationType::kDemo, {{"records", 1.5}}, records);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].description, "must be a whole number between 0 and 1000000");
  // errorCode is a code (it is logged as a token and stored in the history), not free text.
  for (const char* code : {"SERVER_ERROR", "AUTH_FAILED", "E2"}) {
    FieldViolations ok;
    ValidateConfig(IntegrationType::kDemo, {{"errorCode", code}}, ok);
    EXPECT_THAT(ok, IsEmpty()) << code;
  }
  for (const char* code : {"", "lower case <b>x</b>\n", "SERVER ERROR", "_X", "9LIVES"}) {
    FieldViolations bad;
    ValidateConfig(IntegrationType::kDemo, {{"errorCode", code}}, bad);
    EXPECT_THAT(Fields(bad), ElementsAre("config.errorCode")) << code;
  }
}

Integration Existing() {
  Integration i;
  i.id = "00000000-0000-0000-0000-000000000001";
  i.name = "Existing";
  i.type = IntegrationType::kDemo;
  i.sync_interval_seconds = 3600;
  i.last_sync_at = kNow - absl::Minutes(10);
  i.next_sync_at = kNow + absl::Minutes(50);
  return i;
}

TEST(ApplyChangesTest, LeftOutFieldsStay) {
  Integration out;
  ASSERT_THAT(ApplyChanges(Existing(), IntegrationChanges{}, kNow, out), IsEmpty());
  EXPECT_EQ(out.name, "Existing");
  EXPECT_EQ(out.sync_interval_seconds, 3600);
  EXPECT_EQ(out.next_sync_at, kNow + absl::Minutes(50));
  EXPECT_EQ(out.updated_at, kNow);
}

TEST(ApplyChangesTest, NewIntervalCountsFromLastSync) {
  IntegrationChanges c;
  c.sync_interval = IntervalInput::Number(900);
  Integration out;
  ASSERT_THAT(ApplyChanges(Existing(), c, kNow, out), IsEmpty());
  EXPECT_EQ(out.next_sync_at, kNow + absl::Minutes(5));
}

TEST(ApplyChangesTest, PauseClearsNextSyncAndResumeRestoresIt) {
  IntegrationChanges pause;
  pause.sync_enabled = false;
  Integration paused;
  ASSERT_THAT(ApplyChanges(Existing(), pause, kNow, paused), IsEmpty());
  EXPECT_EQ(paused.next_sync_at, std::nullopt);

  paused.paused_reason = "failed 4 times";
  paused.retry_count = 3;
  IntegrationChanges resume;
  resume.sync_enabled = true;
  Integration resumed;
  ASSERT_THAT(ApplyChanges(paused, resume, kNow, resumed), IsEmpty());
  EXPECT_EQ(resumed.next_sync_at, kNow + absl::Minutes(50));
  EXPECT_EQ(resumed.paused_reason, std::nullopt);
  EXPECT_EQ(resumed.retry_count, 0);
}

TEST(ApplyChangesTest, NewIntervalKeepsARetryThatIsDue) {
  Integration failing = Existing();
  failing.retry_count = 1;
  failing.next_sync_at = kNow + absl::Minutes(1);  // the retry
  IntegrationChanges c;
  c.sync_interval = IntervalInput::Number(7200);
  Integration out;
  ASSERT_THAT(ApplyChanges(failing, c, kNow, out), IsEmpty());
  EXPECT_EQ(out.sync_interval_seconds, 7200);
  EXPECT_EQ(out.next_sync_at, kNow + absl::Minutes(1));
  EXPECT_EQ(out.retry_count, 1);
  // Manual only: nothing retries.
  c.sync_interval = IntervalInput::Null();
  ASSERT_THAT(ApplyChanges(failing, c, kNow, out), IsEmpty());
  EXPECT_EQ(out.next_sync_at, std::nullopt);
}

TEST(ApplyChangesTest, ManualOnlyClearsNextSync) {
  IntegrationChanges c;
  c.sync_interval = IntervalInput::Null();
  Integration out;
  ASSERT_THAT(ApplyChanges(Existing(), c, kNow, out), IsEmpty());
  EXPECT_EQ(out.sync_interval_seconds, std::nullopt);
  EXPECT_EQ(out.next_sync_at, std::nullopt);
}

TEST(ApplyChangesTest, ChangingTypeChecksTheKeptConfig) {
  IntegrationChanges c;
  c.type = IntegrationType::kHttpJson;  // the existing DEMO config has no url, records path or id field
  Integration out;
  EXPECT_THAT(Fields(ApplyChanges(Existing(), c, kNow, out)),
              ElementsAre("config.url", "config.recordsPath", "config.idField"));
}

TEST(ApplyChangesTest, InvalidChangeLeavesOutputUntouched) {
  IntegrationChanges c;
  c.name = "";
  c.sync_interval = IntervalInput::Number(10);
  Integration out;
  out.name = "sentinel";
  EXPECT_THAT(Fields(ApplyChanges(Existing(), c, kNow, out)), ElementsAre("name", "syncInterval"));
  EXPECT_EQ(out.name, "sentinel");
}

TEST(PageTest, DefaultsAndBounds) {
  PageRequest p;
  EXPECT_THAT(ValidatePage(0, 0, p), IsEmpty());
  EXPECT_EQ(p.page, 1);
  EXPECT_EQ(p.page_size, 20);
  EXPECT_THAT(ValidatePage(3, 100, p), IsEmpty());
  EXPECT_EQ(p.page, 3);
  EXPECT_THAT(Fields(ValidatePage(-1, 101, p)), ElementsAre("page", "pageSize"));
}

TEST(IdTest, Uuid) {
  EXPECT_TRUE(IsUuid("123e4567-e89b-12d3-a456-426614174000"));
  EXPECT_FALSE(IsUuid("123e4567e89b12d3a456426614174000"));
  EXPECT_FALSE(IsUuid("123e4567-e89b-12d3-a456-42661417400g"));
  EXPECT_FALSE(IsUuid(""));
}

}  // namespace
}  // namespace syncd::domain
