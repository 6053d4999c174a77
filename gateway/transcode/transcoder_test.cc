#include "gateway/transcode/transcoder.h"

#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/type_resolver_util.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "syncd/v1/sync_service.pb.h"

namespace syncd::gateway::transcode {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class TranscoderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName("syncd.v1.SyncService");
    absl::StatusOr<RouteTable> table =
        RouteTable::Build({{service, google::protobuf::MessageFactory::generated_factory()}});
    ASSERT_TRUE(table.ok()) << table.status();
    table_ = *std::move(table);
  }

  // Builds the request for `method path?query` with `body`; returns the error, if any.
  std::optional<HttpError> Build(const std::string& method, const std::string& target,
                                 const std::string& body, google::protobuf::Message& request) {
    const size_t q = target.find('?');
    const std::string path = target.substr(0, q);
    const std::string query = q == std::string::npos ? "" : target.substr(q + 1);
    RouteTable::Match m = table_.Find(method, path);
    EXPECT_NE(m.route, nullptr) << method << " " << path;
    if (m.route == nullptr) return HttpError{404, kNotFound, "no route", {}};
    EXPECT_EQ(m.route->method->input_type(), request.GetDescriptor());
    return BuildRequest(*m.route, m.bindings, query, body, request);
  }

  RouteTable table_;
};

TEST_F(TranscoderTest, NamedBodyFillsThatFieldAndPathFillsTheId) {
  syncd::v1::UpdateIntegrationRequest request;
  EXPECT_EQ(Build("PUT", "/api/integrations/abc", R"({"name": "Orders", "syncInterval": 900})", request),
            std::nullopt);
  EXPECT_EQ(request.id(), "abc");
  EXPECT_EQ(request.integration().name(), "Orders");
  EXPECT_EQ(request.integration().sync_interval().number_value(), 900);
  EXPECT_FALSE(request.integration().has_sync_enabled());
}

TEST_F(TranscoderTest, PatchKeepsAbsentNullAndValueApart) {
  syncd::v1::UpdateSyncSettingsRequest absent;
  EXPECT_EQ(Build("PATCH", "/api/integrations/abc/sync-settings", R"({"syncEnabled": false})", absent),
            std::nullopt);
  EXPECT_FALSE(absent.has_sync_interval());
  EXPECT_TRUE(absent.has_sync_enabled());

  syncd::v1::UpdateSyncSettingsRequest null_interval;
  EXPECT_EQ(Build("PATCH", "/api/integrations/abc/sync-settings", R"({"syncInterval": null})", null_interval),
            std::nullopt);
  EXPECT_TRUE(null_interval.has_sync_interval());
  EXPECT_TRUE(null_interval.sync_interval().has_null_value());
  EXPECT_FALSE(null_interval.has_sync_enabled());
}

// proto3 JSON booleans are true and false; protobuf 3.21's parser would also take "no", "yes", "1", ...
TEST_F(TranscoderTest, ABooleanMustBeTrueOrFalseAndIsNamedByItsJsonName) {
  for (const char* body :
       {R"({"syncEnabled": "no"})", R"({"syncEnabled": "true"})", R"({"syncEnabled": 0})"}) {
    SCOPED_TRACE(body);
    syncd::v1::UpdateSyncSettingsRequest request;
    std::optional<HttpError> error = Build("PATCH", "/api/integrations/abc/sync-settings", body, request);
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->http_status, 400);
    ASSERT_EQ(error->violations.size(), 1u);
    EXPECT_EQ(error->violations[0].field, "syncEnabled");
    EXPECT_THAT(error->message, HasSubstr("syncEnabled"));
  }
  // In a nested message too (the integration of a create), and null still means "not set".
  syncd::v1::CreateIntegrationRequest create;
  std::optional<HttpError> nested =
      Build("POST", "/api/integrations", R"({"name": "x", "syncEnabled": "n"})", create);
  ASSERT_TRUE(nested.has_value());
  EXPECT_EQ(nested->violations.at(0).field, "syncEnabled");
  syncd::v1::UpdateSyncSettingsRequest null_enabled;
  EXPECT_EQ(Build("PATCH", "/api/integrations/abc/sync-settings", R"({"syncEnabled": null})", null_enabled),
            std::nullopt);
  EXPECT_FALSE(null_enabled.has_sync_enabled());
}

TEST_F(TranscoderTest, UnknownJsonFieldIsNamed) {
  syncd::v1::CreateIntegrationRequest request;
  std::optional<HttpError> error =
      Build("POST", "/api/integrations", R"({"name": "x", "colour": "red"})", request);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->http_status, 400);
  ASSERT_EQ(error->violations.size(), 1u);
  EXPECT_EQ(error->violations[0].field, "colour");
  EXPECT_THAT(error->message, HasSubstr("colour"));
}

// protobuf's own wording ("oneof field '_name' is already set", "Proto field is not repeating") says
// nothing to a person writing JSON.
TEST_F(TranscoderTest, RepeatedMembersAndListsWhereObjectsGoAreNamedInTheApisWords) {
  struct Case {
    std::string body;
    std::string field;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {R"({"name": "a", "name": "b"})", "name", "invalid JSON body: name: is given more than once"},
           {R"({"syncEnabled": true, "syncEnabled": false})", "syncEnabled",
            "invalid JSON body: syncEnabled: is given more than once"},
           {R"({"config": [1, 2]})", "config", "invalid JSON body: config: must not be a list"},
           {R"({"config": {"url": "a", "url": "b"}})", "config",
            R"(invalid JSON body: config: has the key "url" more than once)"},
           {R"({"config": {"a": {"b": 1, "b": 2}}})", "config",
            R"(invalid JSON body: config: has the key "b" more than once)"}}) {
    syncd::v1::CreateIntegrationRequest request;
    std::optional<HttpError> error = Build("POST", "/api/integrations", c.body, request);
    ASSERT_TRUE(error.has_value()) << c.body;
    EXPECT_EQ(error->http_status, 400);
    EXPECT_EQ(error->message, c.message) << c.body;
    ASSERT_EQ(error->violations.size(), 1u) << c.body;
    EXPECT_EQ(error->violations[0].field, c.field) << c.body;
  }
}

TEST_F(TranscoderTest, BadEnumValueNamesTheField) {
  syncd::v1::CreateIntegrationRequest request;
  std::optional<HttpError> error =
      Build("POST", "/api/integrations", R"({"name": "x", "type": "FTP"})", request);
  ASSERT_TRUE(error.has_value());
  ASSERT_EQ(error->violations.size(), 1u);
  EXPECT_EQ(error->violations[0].field, "type");
  EXPECT_THAT(error->violations[0].description, HasSubstr("FTP"));
}

TEST_F(TranscoderTest, MalformedJsonSaysWhereItBroke) {
  syncd::v1::CreateIntegrationRequest request;
  std::optional<HttpError> error = Build("POST", "/api/integrations", R"({"name": "x",,})", request);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->http_status, 400);
  EXPECT_THAT(error->message, HasSubstr("invalid JSON body"));
  EXPECT_THAT(error->message, HasSubstr(",,"));
}

TEST_F(TranscoderTest, QueryParametersBindAndUnknownOnesAreRejected) {
  syncd::v1::GetSyncHistoryRequest request;
  EXPECT_EQ(Build("GET", "/api/integrations/abc/sync-history?page=2&pageSize=5", "", request), std::nullopt);
  EXPECT_EQ(request.page(), 2);
  EXPECT_EQ(request.page_size(), 5);

  syncd::v1::GetSyncHistoryRequest typo;
  std::optional<HttpError> error = Build("GET", "/api/integrations/abc/sync-history?pagesize=5", "", typo);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->violations[0].field, "pagesize");

  syncd::v1::GetSyncHistoryRequest twice;
  error = Build("GET", "/api/integrations/abc/sync-history?page=1&page=2", "", twice);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->violations[0].field, "page");

  syncd::v1::GetSyncHistoryRequest path_field;
  error = Build("GET", "/api/integrations/abc/sync-history?id=other", "", path_field);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->violations[0].field, "id");
}

TEST_F(TranscoderTest, ResponsesPrintDefaultsButNotUnsetOptionals) {
  const Route* route = table_.Find("GET", "/api/integrations/x").route;
  syncd::v1::Integration integration;
  integration.set_id("abc");
  integration.set_name("Orders");
  integration.mutable_sync_interval()->set_null_value(google::protobuf::NULL_VALUE);
  integration.set_retry_count(0);  // explicit presence: set to 0, as sync_service always sets it
  const ResponseBody body = ResponseJson(*route, integration);
  EXPECT_EQ(body.http_status, 200);
  const std::string& json = body.json;
  EXPECT_THAT(json, HasSubstr(R"("syncInterval":null)"));
  EXPECT_THAT(json, HasSubstr(R"("retryCount":0)"));
  // Fields without presence print their defaults.
  EXPECT_THAT(json, HasSubstr(R"("status":"STATUS_UNSPECIFIED")"));
  EXPECT_THAT(json, ::testing::Not(HasSubstr("lastSyncError")));
  EXPECT_THAT(json, ::testing::Not(HasSubstr("nextSyncAt")));
}

TEST_F(TranscoderTest, AResponseThatCannotBeWrittenAsJsonIsA500WithAnErrorBody) {
  const Route* route = table_.Find("GET", "/api/integrations/x").route;
  syncd::v1::Integration integration;
  integration.set_id("abc");
  ResponseBody good = ResponseJsonFromBinary(*route, integration.SerializeAsString());
  EXPECT_EQ(good.http_status, 200);
  EXPECT_THAT(good.json, HasSubstr(R"("id":"abc")"));

  // A type the route's resolver cannot resolve (as for an Any of an unknown type): no JSON for it.
  Route unresolvable = *route;
  unresolvable.types.reset(google::protobuf::util::NewTypeResolverForDescriptorPool(
      "unknown.example", google::protobuf::DescriptorPool::generated_pool()));
  ResponseBody bad = ResponseJsonFromBinary(unresolvable, integration.SerializeAsString());
  EXPECT_EQ(bad.http_status, 500);
  EXPECT_FALSE(bad.ok());
  EXPECT_THAT(bad.json, HasSubstr(R"("code":13)"));
  EXPECT_THAT(bad.json, ::testing::Not(HasSubstr("abc")));
  EXPECT_EQ(ResponseJson(unresolvable, integration).http_status, 500);

  // A rule with a response_body field parses the bytes first: bytes that do not parse are a 500 too.
  Route with_body = *route;
  with_body.response_body = "config";
  EXPECT_EQ(ResponseJsonFromBinary(with_body, integration.SerializeAsString()).http_status, 200);
  ResponseBody truncated = ResponseJsonFromBinary(with_body, std::string("\x0a\x7f"
                                                                         "abc",
                                                                         5));
  EXPECT_EQ(truncated.http_status, 500);
  EXPECT_THAT(truncated.json, HasSubstr(R"("code":13)"));
}

// A config nested 30 objects deep: deeper than the wire printer goes, not deeper than protobuf's converter
// (it stops at 64 nested messages, two per level). The converter's JSON, whole and alone, is the answer.
TEST_F(TranscoderTest, AResponseTheWirePrinterDeclinesIsProtobufsJsonAlone) {
  const Route* route = table_.Find("GET", "/api/integrations/x").route;
  syncd::v1::Integration integration;
  integration.set_id("abc");
  integration.set_retry_count(0);
  google::protobuf::Struct* level = integration.mutable_config();
  for (int i = 0; i < 30; ++i) level = (*level->mutable_fields())["a"].mutable_struct_value();
  (*level->mutable_fields())["leaf"].set_number_value(1);
  std::string json;
  ASSERT_FALSE(route->response_printer->Print(integration.SerializeAsString(), &json));
  EXPECT_EQ(json, "");

  ResponseBody body = ResponseJsonFromBinary(*route, integration.SerializeAsString());
  ASSERT_EQ(body.http_status, 200) << body.json;
  std::string expected;
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(integration, &expected, options).ok());
  EXPECT_EQ(nlohmann::json::parse(body.json, nullptr, /*allow_exceptions=*/false),
            nlohmann::json::parse(expected))
      << body.json;
}

TEST(ErrorJsonTest, CarriesCodeMessageAndFieldViolations) {
  HttpError error{400, kInvalidArgument, "name: is required", {{"name", "is required"}}};
  EXPECT_EQ(
      ErrorJson(error),
      R"({"code":3,"message":"name: is required","details":[{"@type":"type.googleapis.com/google.rpc.BadRequest",)"
      R"("fieldViolations":[{"field":"name","description":"is required"}]}]})");
  EXPECT_EQ(ErrorJson(5, "no integration has id x", ""),
            R"({"code":5,"message":"no integration has id x","details":[]})");
}

TEST(HttpStatusTest, StandardTable) {
  const std::vector<std::pair<int, int>> table = {{0, 200},  {3, 400}, {5, 404},  {6, 409},  {7, 403},
                                                  {16, 401}, {8, 429}, {9, 400},  {10, 409}, {12, 501},
                                                  {14, 503}, {4, 504}, {13, 500}, {2, 500},  {15, 500}};
  for (const auto& [code, status] : table) EXPECT_EQ(HttpStatusFromGrpcCode(code), status) << code;
}

}  // namespace
}  // namespace syncd::gateway::transcode
