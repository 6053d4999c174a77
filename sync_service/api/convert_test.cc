#include "sync_service/api/convert.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <cmath>

namespace syncd::api {
namespace {

v1::Integration FromJson(const std::string& json) {
  v1::Integration out;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &out).ok()) << json;
  return out;
}

TEST(ConvertTest, JsonSyncIntervalLeftOutNullOrNumber) {
  EXPECT_EQ(ChangesFromProto(FromJson(R"({"name":"a"})")).sync_interval.kind,
            domain::IntervalInput::Kind::kAbsent);
  EXPECT_EQ(ChangesFromProto(FromJson(R"({"syncInterval":null})")).sync_interval.kind,
            domain::IntervalInput::Kind::kNull);
  domain::IntervalInput n = ChangesFromProto(FromJson(R"({"syncInterval":1800})")).sync_interval;
  EXPECT_EQ(n.kind, domain::IntervalInput::Kind::kNumber);
  EXPECT_EQ(n.seconds, 1800);
  EXPECT_EQ(ChangesFromProto(FromJson(R"({"syncInterval":"1800"})")).sync_interval.kind,
            domain::IntervalInput::Kind::kNotANumber);
}

TEST(ConvertTest, TypeAndPresence) {
  domain::IntegrationChanges c = ChangesFromProto(FromJson(R"({"type":"HTTP_JSON","syncEnabled":false})"));
  EXPECT_EQ(c.type, domain::IntegrationType::kHttpJson);
  EXPECT_EQ(c.sync_enabled, false);
  EXPECT_FALSE(c.name.has_value());
  EXPECT_FALSE(c.config.has_value());
  v1::Integration unknown;
  unknown.set_type(static_cast<v1::Integration::Type>(99));
  EXPECT_TRUE(ChangesFromProto(unknown).type_unknown);
}

TEST(ConvertTest, ConfigReadsAsProtobufPrintsItAtAnyDepthAndRefusesNaN) {
  domain::IntegrationChanges c = ChangesFromProto(FromJson(
      R"({"config":{"records":3,"rate":0.25,"big":1e21,"s":"x","b":true,"n":null,"l":[1,{"k":[]}],"o":{}}})"));
  ASSERT_TRUE(c.config.has_value());
  EXPECT_EQ(c.config->dump(),
            R"({"b":true,"big":1e+21,"l":[1,{"k":[]}],"n":null,"o":{},"rate":0.25,"records":3,"s":"x"})");
  EXPECT_TRUE(c.input_violations.empty());

  // Deeper than protobuf's JSON printer goes (it used to throw here): read all the same, for the validation
  // to refuse by its own rule.
  v1::Integration deep;
  google::protobuf::Struct* level = deep.mutable_config();
  for (int i = 0; i < 40; ++i) level = (*level->mutable_fields())["a"].mutable_struct_value();
  domain::IntegrationChanges d = ChangesFromProto(deep);
  ASSERT_TRUE(d.config.has_value());
  EXPECT_NE(d.config->dump().find(std::string(40, '}')), std::string::npos);

  v1::Integration nan;
  (*nan.mutable_config()->mutable_fields())["rate"].set_number_value(std::nan(""));
  domain::IntegrationChanges n = ChangesFromProto(nan);
  ASSERT_EQ(n.input_violations.size(), 1u);
  EXPECT_EQ(n.input_violations[0].field, "config.rate");
}

TEST(ConvertTest, IntegrationPrintsTheContractsJson) {
  domain::Integration i;
  i.id = "123e4567-e89b-12d3-a456-426614174000";
  i.name = "Billing";
  i.type = domain::IntegrationType::kHttpJson;
  i.config = {{"url", "https://api.example.com"}, {"maxPages", 3}};
  i.sync_interval_seconds = std::nullopt;
  i.last_sync_status = domain::RunStatus::kSuccess;
  i.created_at = i.updated_at = absl::FromUnixSeconds(1'800'000'000);
  v1::Integration proto;
  ToProto(i, proto);
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(proto, &json, options).ok());
  EXPECT_NE(json.find(R"("syncInterval":null)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("lastSyncStatus":"SUCCESS")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("type":"HTTP_JSON")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("status":"MANUAL_ONLY")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("maxPages":3)"), std::string::npos) << json;
  EXPECT_EQ(json.find("nextSyncAt"), std::string::npos) << json;
}

TEST(ConvertTest, RunPrintsDurationAsMilliseconds) {
  domain::SyncRun r;
  r.status = domain::RunStatus::kFailed;
  r.trigger = domain::RunTrigger::kRetry;
  r.duration_ms = 2000;
  r.scheduled_for = r.created_at = absl::FromUnixSeconds(1'800'000'000);
  v1::SyncRun proto;
  ToProto(r, proto);
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(proto, &json).ok());
  EXPECT_NE(json.find(R"("duration":2000)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("status":"FAILED")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("trigger":"RETRY")"), std::string::npos) << json;
}

TEST(ConvertTest, StructFromJsonMapsJsonAsProtobufsParserDoes) {
  for (const char* text : {
           R"({})",
           R"({"url": "https://api.example.com/v1/items?page=1", "recordsPath": "/data/items", "n": 0})",
           R"({"nested": {"a": [1, 2.5, -3e-7, true, false, null, "x", [], {}], "b": {"c": {"d": null}}}})",
           R"({"big": 9007199254740993, "neg": -9223372036854775808, "u": 18446744073709551615, "f": 1e308})",
           R"({"unicode": "h\u00e9llo \u2603 \ud83d\ude00", "escapes": "tab\t quote\" slash\\ nl\n"})",
       }) {
    const nlohmann::json json = nlohmann::json::parse(text);
    google::protobuf::Struct expected;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(text, &expected).ok()) << text;
    const google::protobuf::Struct actual = StructFromJson(json);
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(actual, expected))
        << text << "\nactual: " << actual.DebugString() << "\nexpected: " << expected.DebugString();
  }
}

}  // namespace
}  // namespace syncd::api
