#include "sync_service/domain/secrets.h"

#include <gtest/gtest.h>

namespace syncd::domain {
namespace {

const nlohmann::json kStored = {{"url", "https://api.example.com"},
                                {"auth", {{"kind", "bearer"}, {"token", "s3cr3t"}}}};

TEST(SecretsTest, ResponsesShowThatASecretIsSetNotItsValue) {
  nlohmann::json shown = RedactSecrets(kStored);
  EXPECT_EQ(shown["auth"]["token"], kSecretMask);
  EXPECT_EQ(shown["auth"]["kind"], "bearer");
  EXPECT_EQ(shown["url"], "https://api.example.com");
  EXPECT_EQ(shown.dump().find("s3cr3t"), std::string::npos);
  nlohmann::json basic = {{"auth", {{"kind", "basic"}, {"username", "ann"}, {"password", "pw"}}}};
  EXPECT_EQ(RedactSecrets(basic)["auth"]["password"], kSecretMask);
  EXPECT_EQ(RedactSecrets(basic)["auth"]["username"], "ann");
  nlohmann::json api_key = {{"auth", {{"kind", "apiKey"}, {"header", "X-Api-Key"}, {"key", "k"}}}};
  EXPECT_EQ(RedactSecrets(api_key)["auth"]["key"], kSecretMask);
  EXPECT_EQ(RedactSecrets(api_key)["auth"]["header"], "X-Api-Key");
}

TEST(SecretsTest, UpdateWithoutTheSecretOrWithTheMaskKeepsIt) {
  nlohmann::json left_out = {{"url", "https://api.example.com/v2"}, {"auth", {{"kind", "bearer"}}}};
  EXPECT_EQ(KeepUnchangedSecrets(kStored, left_out)["auth"]["token"], "s3cr3t");
  EXPECT_EQ(KeepUnchangedSecrets(kStored, RedactSecrets(kStored))["auth"]["token"], "s3cr3t");
}

TEST(SecretsTest, UpdateWithANewSecretReplacesItAndNullRemovesIt) {
  nlohmann::json replaced = {{"auth", {{"kind", "bearer"}, {"token", "new"}}}};
  EXPECT_EQ(KeepUnchangedSecrets(kStored, replaced)["auth"]["token"], "new");
  nlohmann::json removed = {{"auth", {{"kind", "bearer"}, {"token", nullptr}}}};
  EXPECT_FALSE(KeepUnchangedSecrets(kStored, removed)["auth"].contains("token"));
}

TEST(SecretsTest, TheMaskIsNeverStoredAsASecret) {
  nlohmann::json masked = {{"auth", {{"kind", "bearer"}, {"token", kSecretMask}}}};
  EXPECT_FALSE(KeepUnchangedSecrets(nlohmann::json::object(), masked)["auth"].contains("token"));
}

}  // namespace
}  // namespace syncd::domain
