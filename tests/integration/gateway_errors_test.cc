// Error mapping through the gateway: gRPC statuses to HTTP with {"code", "message", "details"} bodies, and
// the errors the gateway finds itself (routes, methods, JSON, query, body size, sync_service down).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/harness/postgres.h"
#include "tests/integration/gateway_fixture.h"

namespace syncd::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using json = nlohmann::json;

class GatewayErrorsTest : public GatewayTest {
 protected:
  void ConfigureGateway(GatewayProcessOptions& options) override {
    options.extra_args.push_back("--max_body_bytes=4096");
  }
};

TEST_F(GatewayErrorsTest, InvalidArgumentIs400WithFieldViolations) {
  ApiResponse r = Send("POST", "/api/integrations", R"({"type": "DEMO", "syncInterval": 5})");
  EXPECT_EQ(r.status, 400) << r;
  EXPECT_EQ(r.json["code"], 3);
  EXPECT_THAT(r.json["message"].get<std::string>(), HasSubstr("syncInterval"));
  EXPECT_THAT(ViolationFields(r.json), ElementsAre("name", "syncInterval"));
}

TEST_F(GatewayErrorsTest, BadPathParameterIs400NamingId) {
  ApiResponse r = Send("GET", "/api/integrations/not-a-uuid");
  EXPECT_EQ(r.status, 400) << r;
  EXPECT_EQ(r.json["code"], 3);
  EXPECT_THAT(ViolationFields(r.json), ElementsAre("id"));
}

TEST_F(GatewayErrorsTest, PathParameterThatIsNotUtf8Is400NamingId) {
  for (const char* path : {"/api/integrations/%FF", "/api/integrations/%C3%28/sync-history"}) {
    ApiResponse r = Send("GET", path);
    EXPECT_EQ(r.status, 400) << path << " " << r;
    EXPECT_EQ(r.json["code"], 3);
    EXPECT_THAT(ViolationFields(r.json), ElementsAre("id"));
    EXPECT_THAT(r.json.dump(), HasSubstr("must be valid UTF-8"));
  }
}

TEST_F(GatewayErrorsTest, NotFoundIs404AndAlreadyExistsIs409) {
  ApiResponse missing = Send("GET", absl::StrCat("/api/integrations/", kUnknownId));
  EXPECT_EQ(missing.status, 404) << missing;
  EXPECT_EQ(missing.json["code"], 5);
  EXPECT_EQ(missing.json["details"], json::array());

  CreateDemo("Orders");
  ApiResponse duplicate = Send("POST", "/api/integrations", R"({"name": "orders", "type": "DEMO"})");
  EXPECT_EQ(duplicate.status, 409) << duplicate;
  EXPECT_EQ(duplicate.json["code"], 6);
}

TEST_F(GatewayErrorsTest, MalformedJsonIs400SayingWhereItBroke) {
  ApiResponse r = Send("POST", "/api/integrations", R"({"name": "Orders", "type": "DEMO",, })");
  EXPECT_EQ(r.status, 400) << r;
  EXPECT_EQ(r.json["code"], 3);
  EXPECT_THAT(r.json["message"].get<std::string>(), HasSubstr("invalid JSON body"));
  EXPECT_THAT(r.json["message"].get<std::string>(), HasSubstr(",,"));
  EXPECT_EQ(ListedNames(), std::vector<std::string>{});
}

TEST_F(GatewayErrorsTest, UnknownJsonFieldIs400NamingIt) {
  ApiResponse r = Send("POST", "/api/integrations", R"({"name": "Orders", "type": "DEMO", "colour": "red"})");
  EXPECT_EQ(r.status, 400) << r;
  EXPECT_THAT(ViolationFields(r.json), ElementsAre("colour"));
  EXPECT_THAT(r.json["message"].get<std::string>(), HasSubstr("colour"));

  const std::string id = CreateDemo("Orders");
  ApiResponse patch = Send("PATCH", "/api/integrations/" + id + "/sync-settings", R"({"interval": 60})");
  EXPECT_EQ(patch.status, 400) << patch;
  EXPECT_THAT(ViolationFields(patch.json), ElementsAre("interval"));
}

TEST_F(GatewayErrorsTest, WrongJsonTypeIs400) {
  ApiResponse r = Send("POST", "/api/integrations", R"({"name": "Orders", "type": "FTP"})");
  EXPECT_EQ(r.status, 400) << r;
  EXPECT_EQ(r.json["code"], 3);
  EXPECT_THAT(ViolationFields(r.json), ElementsAre("type"));
}

// protobuf carries a JSON object nested ~30 levels deep in a Struct only so far: a config that deep is
// refused as bad input naming where it goes too deep, never a 500, and nothing is stored.
TEST_F(GatewayErrorsTest, DeeplyNestedConfigIs400NamingWhere) {
  for (int depth : {17, 32, 40, 120}) {
    std::string nested = "1";
    for (int i = 0; i < depth; ++i) nested = absl::StrCat(R"({"a":)", nested, "}");
    ApiResponse r = Send("POST", "/api/integrations",
                         absl::StrCat(R"({"name": "deep", "type": "DEMO", "config": {"n": )", nested, "}}"));
    EXPECT_EQ(r.status, 400) << "depth " << depth << ": " << r;
    EXPECT_EQ(r.json["code"], 3) << r;
    EXPECT_THAT(r.json["message"].get<std::string>(), HasSubstr("deep")) << r;
  }
  ApiResponse r =
      Send("POST", "/api/integrations",
           R"({"name": "deep", "type": "DEMO", "config": {"n": )" + std::string(17 * 6, ' ') + "1}}");
  EXPECT_EQ(r.status, 200) << "the name is free: nothing was stored " << r;
}

TEST_F(GatewayErrorsTest, CompressedRequestBodyIs415SayingSo) {
  ApiResponse r = Send("POST", "/api/integrations", std::string("\x1f\x8b\x08\x00garbage", 12),
                       {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(r.status, 415) << r;
  EXPECT_EQ(r.json["code"], 3) << r;
  EXPECT_THAT(r.json["message"].get<std::string>(), HasSubstr("send the request body uncompressed")) << r;
  EXPECT_EQ(Send("POST", "/api/integrations", R"({"name": "plain", "type": "DEMO"})",
                 {{"Content-Encoding", "identity"}})
                .status,
            200);
}

TEST_F(GatewayErrorsTest, BadAndUnknownQueryParametersAre400) {
  ApiResponse bad = Send("GET", "/api/integrations?pageSize=ten");
  EXPECT_EQ(bad.status, 400) << bad;
  EXPECT_THAT(ViolationFields(bad.json), ElementsAre("pageSize"));

  ApiResponse unknown = Send("GET", "/api/integrations?pagesize=10");
  EXPECT_EQ(unknown.status, 400) << unknown;
  EXPECT_THAT(ViolationFields(unknown.json), ElementsAre("pagesize"));

  // Out of range is the service's rule, passed through.
  ApiResponse range = Send("GET", "/api/integrations?pageSize=5000");
  EXPECT_EQ(range.status, 400) << range;
  EXPECT_THAT(ViolationFields(range.json), ElementsAre("pageSize"));
}

TEST_F(GatewayErrorsTest, UnknownRouteIs404Json) {
  for (const char* target : {"/api/nothing", "/api/integrations/x/y/z", "/api", "/elsewhere"}) {
    ApiResponse r = Send("GET", target);
    EXPECT_EQ(r.status, 404) << target << ": " << r;
    EXPECT_EQ(r.json["code"], 5) << target;
    EXPECT_THAT(r.json["message"].get<std::string>(), HasSubstr("no route")) << target;
  }
}

TEST_F(GatewayErrorsTest, WrongMethodIs405WithAllow) {
  ApiResponse r = Send("DELETE", "/api/sync/status");
  EXPECT_EQ(r.status, 405) << r;
  EXPECT_EQ(r.raw.Header("Allow"), "GET");
  EXPECT_EQ(r.json["code"], 12);

  ApiResponse post = Send("POST", "/api/integrations/abc", "{}");
  EXPECT_EQ(post.status, 405) << post;
  EXPECT_THAT(post.raw.Header("Allow"), HasSubstr("PUT"));
  EXPECT_THAT(post.raw.Header("Allow"), HasSubstr("DELETE"));
}

TEST_F(GatewayErrorsTest, BodyOverTheLimitIs413) {
  const std::string big = absl::StrCat(R"({"name": "Orders", "type": "DEMO", "config": {"pad": ")",
                                       std::string(5000, 'x'), R"("}})");
  ApiResponse r = Send("POST", "/api/integrations", big);
  EXPECT_EQ(r.status, 413) << r;
  EXPECT_EQ(r.json["code"], 8);
  EXPECT_EQ(ListedNames(), std::vector<std::string>{});
  // A body within the limit still works.
  EXPECT_EQ(Send("POST", "/api/integrations", R"({"name": "Small", "type": "DEMO"})").status, 200);
}

TEST_F(GatewayErrorsTest, SyncServiceDownIs503Json) {
  EXPECT_EQ(Send("GET", "/readyz").status, 200);
  service().Stop();
  ApiResponse r = Send("GET", "/api/integrations");
  EXPECT_EQ(r.status, 503) << r;
  EXPECT_EQ(r.json["code"], 14);
  EXPECT_TRUE(r.json["message"].is_string());

  ApiResponse ready = Send("GET", "/readyz");
  EXPECT_EQ(ready.status, 503) << ready;
  EXPECT_EQ(ready.json["code"], 14);
  EXPECT_EQ(Send("GET", "/healthz").status, 200);
}

// sync_service restarting on the same address: 503 while it is away, served again once it is back, without
// restarting the gateway. (The gateway caps the channel's reconnect backoff at 2 s; this test does not time
// that, it shows that the same gateway recovers.)
class GatewayRecoveryTest : public GatewayTest {
 protected:
  void ConfigureService(SyncServiceOptions& options) override {
    absl::StatusOr<int> port = PickFreePort();
    ASSERT_TRUE(port.ok()) << port.status();
    options.listen = absl::StrCat("127.0.0.1:", *port);
  }
};

TEST_F(GatewayRecoveryTest, ServesAgainAfterSyncServiceComesBack) {
  CreateDemo("Orders");
  service().Kill();
  ApiResponse down = Send("GET", "/api/integrations");
  EXPECT_EQ(down.status, 503) << down;
  // Stay down long enough for the channel to back off a few times.
  absl::SleepFor(absl::Seconds(3));
  EXPECT_EQ(Send("GET", "/api/integrations").status, 503);

  ASSERT_TRUE(service().Restart().ok());
  ApiResponse up;
  const absl::Time deadline = absl::Now() + absl::Seconds(15);
  while ((up = Send("GET", "/api/integrations")).status != 200 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(200));
  }
  ASSERT_EQ(up.status, 200) << up;
  EXPECT_EQ(up.json["integrations"][0]["name"], "Orders");
  EXPECT_EQ(Send("GET", "/readyz").status, 200);
}

}  // namespace
}  // namespace syncd::testing
