#include "gateway/serving/cors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace syncd::gateway::serving {
namespace {

using ::testing::Contains;
using ::testing::Pair;

TEST(CorsPolicyTest, OffByDefault) {
  CorsPolicy cors = CorsPolicy::Parse("");
  EXPECT_FALSE(cors.enabled());
  EXPECT_FALSE(cors.Allows("https://example.com"));
}

TEST(CorsPolicyTest, AllowsListedOriginsOnly) {
  CorsPolicy cors = CorsPolicy::Parse(" https://admin.example.com/ , http://localhost:5173");
  EXPECT_TRUE(cors.Allows("https://admin.example.com"));
  EXPECT_TRUE(cors.Allows("HTTPS://Admin.Example.com"));
  EXPECT_TRUE(cors.Allows("http://localhost:5173"));
  EXPECT_FALSE(cors.Allows("http://localhost:5174"));
  EXPECT_FALSE(cors.Allows("https://admin.example.com.evil.net"));
  EXPECT_FALSE(cors.Allows(""));
  EXPECT_THAT(cors.ResponseHeaders("http://localhost:5173"),
              Contains(Pair("Access-Control-Allow-Origin", "http://localhost:5173")));
  EXPECT_THAT(cors.PreflightHeaders("http://localhost:5173"),
              Contains(Pair("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE")));
}

TEST(CorsPolicyTest, StarAllowsAnyOrigin) {
  EXPECT_TRUE(CorsPolicy::Parse("*").Allows("https://anything.example"));
}

}  // namespace
}  // namespace syncd::gateway::serving
