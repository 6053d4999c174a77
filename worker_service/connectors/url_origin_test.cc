#include "worker_service/connectors/url_origin.h"

#include <gtest/gtest.h>

namespace syncd::worker {
namespace {

TEST(UrlOriginTest, ReadsSchemeHostAndPort) {
  std::optional<UrlOrigin> o = OriginOf("HTTPS://API.Example.com/items?page=2");
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->scheme, "https");
  EXPECT_EQ(o->host, "api.example.com");
  EXPECT_EQ(o->port, 443);
  EXPECT_EQ(OriginOf("http://api.example.com/")->port, 80);
  EXPECT_EQ(OriginOf("http://user:pw@api.example.com:8080/x")->port, 8080);
  EXPECT_EQ(OriginText(*OriginOf("https://[::1]:8443/x")), "https://[::1]:8443");
  EXPECT_EQ(OriginOf("ftp://api.example.com/"), std::nullopt);
  EXPECT_EQ(OriginOf("/relative/path"), std::nullopt);
}

TEST(UrlOriginTest, SameOriginMayHaveCredentials) {
  EXPECT_TRUE(MaySendCredentials("https://api.example.com/items", "https://API.example.com/items?page=2"));
  EXPECT_TRUE(MaySendCredentials("https://api.example.com/items", "https://api.example.com:443/other"));
  EXPECT_TRUE(MaySendCredentials("http://127.0.0.1:8080/a", "http://127.0.0.1:8080/b"));
}

TEST(UrlOriginTest, UpgradeToHttpsIsAllowed) {
  EXPECT_TRUE(MaySendCredentials("http://api.example.com/items", "https://api.example.com/items"));
}

TEST(UrlOriginTest, NeverOnDowngradeToAnotherPortOrHost) {
  EXPECT_FALSE(MaySendCredentials("https://api.example.com/items", "http://api.example.com/items"));
  EXPECT_FALSE(MaySendCredentials("https://api.example.com/items", "http://api.example.com:443/items"));
  EXPECT_FALSE(MaySendCredentials("https://api.example.com/items", "https://api.example.com:8443/items"));
  EXPECT_FALSE(MaySendCredentials("http://127.0.0.1:8080/a", "http://127.0.0.1:8081/a"));
  EXPECT_FALSE(MaySendCredentials("http://api.example.com:8080/a", "https://api.example.com/a"));
  EXPECT_FALSE(MaySendCredentials("https://api.example.com/items", "https://evil.example.com/items"));
  EXPECT_FALSE(MaySendCredentials("https://api.example.com/items", "https://api.example.com@evil.com/"));
  EXPECT_FALSE(MaySendCredentials("https://api.example.com/items", "not a url"));
}

}  // namespace
}  // namespace syncd::worker
