#include "sync_service/domain/target_host.h"

#include <gtest/gtest.h>

namespace syncd::domain {
namespace {

TEST(HostOfUrlTest, IsTheLowerCasedHostWithoutPortOrUserInfo) {
  EXPECT_EQ(HostOfUrl("https://api.example.com/items"), "api.example.com");
  EXPECT_EQ(HostOfUrl("https://API.Example.COM:8443/v1?page=2"), "api.example.com");
  EXPECT_EQ(HostOfUrl("http://user:p%40ss@api.example.com:80"), "api.example.com");
  EXPECT_EQ(HostOfUrl("http://a@b@api.example.com/x"), "api.example.com");
  EXPECT_EQ(HostOfUrl("https://api.example.com.:443/"), "api.example.com");
  EXPECT_EQ(HostOfUrl("https://api.example.com?q=1"), "api.example.com");
  EXPECT_EQ(HostOfUrl("https://api.example.com#top"), "api.example.com");
  EXPECT_EQ(HostOfUrl("http://127.0.0.1:8080/items"), "127.0.0.1");
}

TEST(HostOfUrlTest, KeepsAnIpv6AddressWithoutItsBrackets) {
  EXPECT_EQ(HostOfUrl("http://[::1]:8080/items"), "::1");
  EXPECT_EQ(HostOfUrl("http://[2001:DB8::1]/"), "2001:db8::1");
  EXPECT_EQ(HostOfUrl("http://[::1/items"), std::nullopt);
}

TEST(HostOfUrlTest, NoHostIsNullopt) {
  EXPECT_EQ(HostOfUrl(""), std::nullopt);
  EXPECT_EQ(HostOfUrl("api.example.com/items"), std::nullopt);
  EXPECT_EQ(HostOfUrl("https:///items"), std::nullopt);
  EXPECT_EQ(HostOfUrl("https://:8080/items"), std::nullopt);
  EXPECT_EQ(HostOfUrl("https://user@/items"), std::nullopt);
  EXPECT_EQ(HostOfUrl("://api.example.com"), std::nullopt);
  EXPECT_EQ(HostOfUrl("1http://api.example.com"), std::nullopt);
  EXPECT_EQ(HostOfUrl("ht tp://api.example.com"), std::nullopt);
}

TEST(TargetHostTest, OnlyHttpJsonIntegrationsHaveOne) {
  const nlohmann::json config = {{"url", "https://Api.Example.com/items"}};
  EXPECT_EQ(TargetHost(IntegrationType::kHttpJson, config), "api.example.com");
  EXPECT_EQ(TargetHost(IntegrationType::kDemo, config), std::nullopt);
  EXPECT_EQ(TargetHost(IntegrationType::kHttpJson, nlohmann::json::object()), std::nullopt);
  EXPECT_EQ(TargetHost(IntegrationType::kHttpJson, {{"url", 42}}), std::nullopt);
}

}  // namespace
}  // namespace syncd::domain
