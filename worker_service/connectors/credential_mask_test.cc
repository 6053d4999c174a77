#include "worker_service/connectors/credential_mask.h"

#include <gtest/gtest.h>

namespace syncd::worker {
namespace {

HttpJsonAuth Basic(const std::string& username, const std::string& password) {
  HttpJsonAuth auth;
  auth.kind = HttpJsonAuth::Kind::kBasic;
  auth.username = username;
  auth.password = password;
  return auth;
}

HttpJsonAuth Bearer(const std::string& token) {
  HttpJsonAuth auth;
  auth.kind = HttpJsonAuth::Kind::kBearer;
  auth.token = token;
  return auth;
}

TEST(CredentialMaskTest, MasksEveryOccurrenceOfTheRawSecretAndNothingElse) {
  const CredentialMask mask({"key-SECRET-1"});
  EXPECT_EQ(mask.Apply("key key-SECRET-1 lacks scope (key-SECRET-1)"), "key ******** lacks scope (********)");
  EXPECT_EQ(mask.Apply("key-SECRET-2 is someone else's"), "key-SECRET-2 is someone else's");
  EXPECT_EQ(mask.Apply(""), "");
}

TEST(CredentialMaskTest, EmptySecretsMaskNothing) {
  EXPECT_EQ(CredentialMask({"", ""}).Apply("any text"), "any text");
  EXPECT_EQ(CredentialMask::ForAuth(HttpJsonAuth{}).Apply("Basic Og== and 100% \\u0041 &amp;"),
            "Basic Og== and 100% \\u0041 &amp;");
}

TEST(CredentialMaskTest, BasicAuthMasksTheBase64OfUsernameAndPassword) {
  // What libcurl sent: "Authorization: Basic " + base64("admin:Pa55w0rd-BASIC-999").
  const CredentialMask mask = CredentialMask::ForAuth(Basic("admin", "Pa55w0rd-BASIC-999"));
  EXPECT_EQ(mask.Apply(R"({"error":"bad token Basic YWRtaW46UGE1NXcwcmQtQkFTSUMtOTk5"})"),
            R"({"error":"bad token Basic ********"})");
  EXPECT_EQ(mask.Apply("user admin, password Pa55w0rd-BASIC-999"), "user admin, password ********");
}

TEST(CredentialMaskTest, BasicAuthBase64EscapedForJsonOrUrlIsMasked) {
  // base64("svc:s3cr?t>~") is "c3ZjOnMzY3I/dD5+": a '/' that PHP escapes and a '+' that URLs encode.
  const CredentialMask mask = CredentialMask::ForAuth(Basic("svc", "s3cr?t>~"));
  EXPECT_EQ(mask.Apply(R"({"error":"Basic c3ZjOnMzY3I\/dD5+ rejected"})"),
            R"({"error":"Basic ******** rejected"})");
  EXPECT_EQ(mask.Apply("see /login?auth=c3ZjOnMzY3I%2FdD5%2B"), "see /login?auth=********");
  EXPECT_EQ(mask.Apply("see /login?auth=c3ZjOnMzY3I%2fdD5%2b"), "see /login?auth=********");
}

TEST(CredentialMaskTest, BearerAuthAddsNoBase64) {
  // base64(":tok") would be "OnRvaw==": only a basic auth header carries one.
  EXPECT_EQ(CredentialMask::ForAuth(Bearer("tok")).Apply("OnRvaw== tok"), "OnRvaw== ********");
}

TEST(CredentialMaskTest, JsonEscapedSecretsAreMasked) {
  const CredentialMask slashy({"eyJhbGciOi/SLASHY+tok=="});
  EXPECT_EQ(slashy.Apply(R"({"error":"bad token eyJhbGciOi\/SLASHY+tok=="})"),
            R"({"error":"bad token ********"})");
  EXPECT_EQ(slashy.Apply(R"(eyJhbGciOi\u002fSLASHY\u002Btok\u003d=)"), "********");

  const CredentialMask quoted({R"(a"b\c)"});
  EXPECT_EQ(quoted.Apply(R"({"error":"token a\"b\\c is bad"})"), R"({"error":"token ******** is bad"})");
  EXPECT_EQ(quoted.Apply(R"(token a\u0022b\u005cc)"), "token ********");
  EXPECT_EQ(quoted.Apply(R"(token a"b\c)"), "token ********");

  // Go's encoding/json escapes <, > and & by default.
  EXPECT_EQ(CredentialMask({"p&ss<word>"}).Apply(R"("p\u0026ss\u003cword\u003e")"), R"("********")");
}

TEST(CredentialMaskTest, JsonEscapedControlCharactersAreMasked) {
  const CredentialMask mask({"tab\there\nnul\x01"});
  EXPECT_EQ(mask.Apply(R"([tab\there\nnul\u0001])"), "[********]");
  EXPECT_EQ(mask.Apply(R"([tab\u0009here\u000Anul\u0001])"), "[********]");
  EXPECT_EQ(mask.Apply("[tab\there\nnul\x01]"), "[********]");
}

TEST(CredentialMaskTest, NonAsciiEscapedAsUtf16IsMasked) {
  const CredentialMask mask({"p\xC3\xA4ssw\xC3\xB6rd-\xF0\x9F\x98\x80"});  // "pässwörd-😀"
  EXPECT_EQ(mask.Apply(R"({"e":"p\u00e4ssw\u00F6rd-\ud83d\ude00"})"), R"({"e":"********"})");
  EXPECT_EQ(mask.Apply("{\"e\":\"p\xC3\xA4ssw\\u00f6rd-\xF0\x9F\x98\x80\"}"), R"({"e":"********"})");
  // A lone high surrogate is not the character.
  EXPECT_EQ(mask.Apply(R"(p\u00e4ssw\u00f6rd-\ud83d)"), R"(p\u00e4ssw\u00f6rd-\ud83d)");
}

TEST(CredentialMaskTest, PercentEncodedSecretsAreMasked) {
  const CredentialMask mask({"a/b+c d&\xC3\xA9"});  // "a/b+c d&é"
  EXPECT_EQ(mask.Apply("token=a%2Fb%2Bc%20d%26%C3%A9&x=1"), "token=********&x=1");
  EXPECT_EQ(mask.Apply("token=a%2fb%2bc+d%26%c3%a9&x=1"), "token=********&x=1");
  // "%" itself: the secret as it is and "%25" both count.
  const CredentialMask percent({"100%25off"});
  EXPECT_EQ(percent.Apply("[100%25off] [100%2525off]"), "[********] [********]");
  // The longest reading counts: "%2525" is "%25" encoded, not "%25" followed by "25".
  EXPECT_EQ(CredentialMask({"%25"}).Apply("[%2525]"), "[********]");
}

TEST(CredentialMaskTest, HtmlEscapedSecretsAreMasked) {
  const CredentialMask mask({R"(a&b<"c'/)"});
  EXPECT_EQ(mask.Apply("<p>a&amp;b&lt;&quot;c&#39;&#x2F;</p>"), "<p>********</p>");
  EXPECT_EQ(mask.Apply("<p>a&#38;b&#x3c;&#34;c&apos;&#047;</p>"), "<p>********</p>");
}

TEST(CredentialMaskTest, AFormThatIsNotTheSecretStays) {
  const CredentialMask mask({"tok/en"});
  EXPECT_EQ(mask.Apply(R"(tok\/em tok%2Fem tok&#47;em tok\u002)"), R"(tok\/em tok%2Fem tok&#47;em tok\u002)");
}

TEST(CredentialMaskTest, OverlappingSecretsLeaveNoPartOfEither) {
  // The longer one at the same start wins.
  EXPECT_EQ(CredentialMask({"abc", "abcdef"}).Apply("xabcdefy"), "x********y");
  EXPECT_EQ(CredentialMask({"abcdef", "abc"}).Apply("xabcdefy"), "x********y");
  // A shorter one that starts earlier does not leave the rest of the longer one.
  EXPECT_EQ(CredentialMask({"xab", "abcdef"}).Apply("xabcdefy"), "********y");
  // Back to back: two masks.
  EXPECT_EQ(CredentialMask({"abc"}).Apply("abcabc"), "****************");
}

TEST(CredentialMaskTest, InvalidUtf8InASecretIsMaskedAsBytes) {
  const CredentialMask mask({"\xFF\xFEkey"});
  EXPECT_EQ(mask.Apply("[\xFF\xFEkey] [%FF%feKEY] [%FF%fekey]"), "[********] [%FF%feKEY] [********]");
}

}  // namespace
}  // namespace syncd::worker
