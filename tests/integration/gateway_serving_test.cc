// What the gateway serves besides the API: /healthz, /readyz, the web UI's files (content types, caching,
// the single-page-app fallback, no path traversal) and CORS.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "tests/integration/gateway_fixture.h"

namespace syncd::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;

constexpr char kIndex[] = "<!doctype html><title>syncd</title>";
constexpr char kScript[] = "console.log('syncd');";
constexpr char kSecret[] = "TOP-SECRET-OUTSIDE-THE-WEB-ROOT";

class GatewayStaticTest : public GatewayTest {
 protected:
  void ConfigureGateway(GatewayProcessOptions& options) override {
    absl::StatusOr<std::string> dir = MakeTempDir("syncd-gateway-web-");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_ = *dir;
    // The folder holds the UI under dist/ and a secret next to it, which no request may reach.
    std::filesystem::create_directories(dir_ + "/dist/assets");
    std::ofstream(dir_ + "/dist/index.html") << kIndex;
    std::ofstream(dir_ + "/dist/assets/index-3f2a9c.js") << kScript;
    std::ofstream(dir_ + "/dist/favicon.svg") << "<svg/>";
    std::ofstream(dir_ + "/secret.txt") << kSecret;
    std::filesystem::create_symlink(dir_ + "/secret.txt", dir_ + "/dist/link.txt");
    options.extra_args.push_back("--web_root=" + dir_ + "/dist");
  }
  void TearDown() override {
    GatewayTest::TearDown();
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }

  std::string dir_;
};

TEST_F(GatewayStaticTest, ServesIndexAndAssetsWithTypesAndCaching) {
  ApiResponse index = Send("GET", "/");
  ASSERT_EQ(index.status, 200) << index;
  EXPECT_EQ(index.raw.body, kIndex);
  EXPECT_EQ(index.raw.Header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(index.raw.Header("Cache-Control"), "no-cache");

  ApiResponse script = Send("GET", "/assets/index-3f2a9c.js");
  ASSERT_EQ(script.status, 200) << script;
  EXPECT_EQ(script.raw.body, kScript);
  EXPECT_EQ(script.raw.Header("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(script.raw.Header("Cache-Control"), "public, max-age=31536000, immutable");

  ApiResponse icon = Send("GET", "/favicon.svg");
  ASSERT_EQ(icon.status, 200) << icon;
  EXPECT_EQ(icon.raw.Header("Content-Type"), "image/svg+xml");
}

TEST_F(GatewayStaticTest, UiRoutesFallBackToIndexButMissingFilesAndApiPathsDoNot) {
  ApiResponse route = Send("GET", "/integrations/3f1c/history");
  ASSERT_EQ(route.status, 200) << route;
  EXPECT_EQ(route.raw.body, kIndex);
  EXPECT_EQ(route.raw.Header("Cache-Control"), "no-cache");

  ApiResponse missing = Send("GET", "/assets/missing-1234.js");
  EXPECT_EQ(missing.status, 404) << missing;
  EXPECT_EQ(missing.json["code"], 5);

  ApiResponse api = Send("GET", "/api/unknown");
  EXPECT_EQ(api.status, 404) << api;
  EXPECT_EQ(api.json["code"], 5);
  EXPECT_EQ(Send("GET", "/api/integrations").json["integrations"], json::array());
}

TEST_F(GatewayStaticTest, RefusesPathTraversal) {
  for (const char* target : {"/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt",
                             "/%2E%2E/secret.txt", "/..%2fsecret.txt", "/assets%2f..%2f..%2fsecret.txt",
                             "/..%5csecret.txt", "/..\\secret.txt", "/.%2e/.%2e/secret.txt", "/link.txt"}) {
    ApiResponse r = Send("GET", target);
    EXPECT_THAT(r.status, ::testing::AnyOf(400, 404)) << target << ": " << r;
    EXPECT_THAT(r.raw.body, Not(HasSubstr(kSecret))) << target;
    EXPECT_EQ(r.raw.Header("Content-Type"), "application/json") << target;
  }
  EXPECT_EQ(Send("GET", "/%2e%2e/secret.txt").status, 400);
}

TEST_F(GatewayStaticTest, HealthAndReadiness) {
  ApiResponse health = Send("GET", "/healthz");
  EXPECT_EQ(health.status, 200) << health;
  ApiResponse ready = Send("GET", "/readyz");
  EXPECT_EQ(ready.status, 200) << ready;
  EXPECT_EQ(ready.json["status"], "SERVING");
}

class GatewayCorsTest : public GatewayTest {
 protected:
  void ConfigureGateway(GatewayProcessOptions& options) override {
    options.extra_args.push_back("--cors_origins=http://ui.example:5173");
  }
};

TEST_F(GatewayCorsTest, PreflightAndResponsesForAllowedOriginsOnly) {
  ApiResponse preflight = Send("OPTIONS", "/api/integrations", "",
                               {{"Origin", "http://ui.example:5173"},
                                {"Access-Control-Request-Method", "POST"},
                                {"Access-Control-Request-Headers", "content-type"}});
  EXPECT_EQ(preflight.status, 204) << preflight;
  EXPECT_EQ(preflight.raw.Header("Access-Control-Allow-Origin"), "http://ui.example:5173");
  EXPECT_THAT(preflight.raw.Header("Access-Control-Allow-Methods"), HasSubstr("PATCH"));
  EXPECT_THAT(preflight.raw.Header("Access-Control-Allow-Headers"), HasSubstr("Content-Type"));

  ApiResponse get = Send("GET", "/api/integrations", "", {{"Origin", "http://ui.example:5173"}});
  EXPECT_EQ(get.status, 200) << get;
  EXPECT_EQ(get.raw.Header("Access-Control-Allow-Origin"), "http://ui.example:5173");

  ApiResponse other = Send("OPTIONS", "/api/integrations", "",
                           {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "DELETE"}});
  EXPECT_EQ(other.status, 403) << other;
  EXPECT_EQ(other.raw.Header("Access-Control-Allow-Origin"), "");
  EXPECT_EQ(Send("GET", "/api/integrations", "", {{"Origin", "https://evil.example"}})
                .raw.Header("Access-Control-Allow-Origin"),
            "");
}

TEST_F(GatewayTest, CorsIsOffByDefault) {
  ApiResponse get = Send("GET", "/api/integrations", "", {{"Origin", "http://ui.example:5173"}});
  EXPECT_EQ(get.status, 200) << get;
  EXPECT_EQ(get.raw.Header("Access-Control-Allow-Origin"), "");
  ApiResponse preflight =
      Send("OPTIONS", "/api/integrations", "",
           {{"Origin", "http://ui.example:5173"}, {"Access-Control-Request-Method", "GET"}});
  EXPECT_EQ(preflight.status, 403) << preflight;
}

TEST_F(GatewayTest, WithoutWebRootNoFilesAreServed) {
  ApiResponse r = Send("GET", "/");
  EXPECT_EQ(r.status, 404) << r;
  EXPECT_EQ(r.json["code"], 5);
}

}  // namespace
}  // namespace syncd::testing
