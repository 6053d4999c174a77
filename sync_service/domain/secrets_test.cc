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
  FieldViolations violations;
  nlohmann::json left_out = {{"url", "https://api.example.com/v2"}, {"auth", {{"kind", "bearer"}}}};
  EXPECT_EQ(KeepUnchangedSecrets(kStored, left_out, violations)["auth"]["token"], "s3cr3t");
  EXPECT_EQ(KeepUnchangedSecrets(kStored, RedactSecrets(kStored), violations)["auth"]["token"], "s3cr3t");
  nlohmann::json same_host_other_case = {{"url", "HTTPS://API.example.com/other?x=1"},
                                         {"auth", {{"kind", "bearer"}}}};
  EXPECT_EQ(KeepUnchangedSecrets(kStored, same_host_other_case, violations)["auth"]["token"], "s3cr3t");
  EXPECT_TRUE(violations.empty());
}

TEST(SecretsTest, AStoredSecretIsNotKeptWhenTheUrlMovesToAnotherHostSchemeOrPort) {
  for (const char* url : {"https://attacker.example.net/collect", "http://api.example.com",
                          "https://api.example.com:8443/", "https://api.example.com@attacker.example.net/"}) {
    SCOPED_TRACE(url);
    FieldViolations violations;
    nlohmann::json left_out = {{"url", url}, {"auth", {{"kind", "bearer"}}}};
    nlohmann::json kept = KeepUnchangedSecrets(kStored, left_out, violations);
    EXPECT_EQ(violations,
              FieldViolations(
                  {{"config.auth.token", "must be sent again when the url's scheme, host or port changes"}}));
    EXPECT_EQ(kept.dump().find("s3cr3t"), std::string::npos);

    FieldViolations masked_violations;
    kept = KeepUnchangedSecrets(
        kStored, {{"url", url}, {"auth", {{"kind", "bearer"}, {"token", kSecretMask}}}}, masked_violations);
    EXPECT_EQ(masked_violations.size(), 1u);
    EXPECT_EQ(kept.dump().find("s3cr3t"), std::string::npos);
  }
}

TEST(SecretsTest, ASecretSentAgainMayGoToANewHost) {
  FieldViolations violations;
  nlohmann::json resent = {{"url", "https://other.example.org"},
                           {"auth", {{"kind", "bearer"}, {"token", "t2"}}}};
  EXPECT_EQ(KeepUnchangedSecrets(kStored, resent, violations)["auth"]["token"], "t2");
  nlohmann::json no_secret = {{"url", "https://other.example.org"},
                              {"auth", {{"kind", "bearer"}, {"token", nullptr}}}};
  EXPECT_FALSE(KeepUnchangedSecrets(kStored, no_secret, violations)["auth"].contains("token"));
  EXPECT_TRUE(violations.empty());
}

TEST(SecretsTest, UpdateWithANewSecretReplacesItAndNullRemovesIt) {
  FieldViolations violations;
  nlohmann::json replaced = {{"auth", {{"kind", "bearer"}, {"token", "new"}}}};
  EXPECT_EQ(KeepUnchangedSecrets(kStored, replaced, violations)["auth"]["token"], "new");
  nlohmann::json removed = {{"auth", {{"kind", "bearer"}, {"token", nullptr}}}};
  EXPECT_FALSE(KeepUnchangedSecrets(kStored, removed, violations)["auth"].contains("token"));
}

TEST(SecretsTest, TheMaskIsNeverStoredAsASecret) {
  FieldViolations violations;
  nlohmann::json masked = {{"auth", {{"kind", "bearer"}, {"token", kSecretMask}}}};
  EXPECT_FALSE(KeepUnchangedSecrets(nlohmann::json::object(), masked, violations)["auth"].contains("token"));
}

TEST(SecretsTest, SwitchingTheAuthKindDropsTheOldKindsSecret) {
  FieldViolations violations;
  // The UI sends back what it was shown: the masked token, now under basic auth.
  nlohmann::json to_basic = {
      {"url", "https://api.example.com"},
      {"auth", {{"kind", "basic"}, {"username", "ann"}, {"password", "pw"}, {"token", kSecretMask}}}};
  nlohmann::json kept = KeepUnchangedSecrets(kStored, to_basic, violations);
  EXPECT_FALSE(kept["auth"].contains("token")) << kept.dump();
  EXPECT_EQ(kept["auth"]["password"], "pw");
  EXPECT_EQ(kept.dump().find("s3cr3t"), std::string::npos);
  nlohmann::json to_none = {{"url", "https://api.example.com"}, {"auth", {{"kind", "none"}}}};
  EXPECT_EQ(KeepUnchangedSecrets(kStored, to_none, violations).dump().find("s3cr3t"), std::string::npos);
  EXPECT_TRUE(violations.empty());
}

}  // namespace
}  // namespace syncd::domain
