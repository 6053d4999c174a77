#include "worker_service/connectors/http_failures.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace syncd::worker {
namespace {

using ::testing::HasSubstr;

TEST(TransportFailureTest, CodesAdminsCanActOn) {
  struct Case {
    CURLcode code;
    const char* expected;
  };
  for (const Case& c :
       {Case{CURLE_COULDNT_RESOLVE_HOST, "DNS"}, Case{CURLE_COULDNT_CONNECT, "CONNECTION_REFUSED"},
        Case{CURLE_OPERATION_TIMEDOUT, "TIMEOUT"}, Case{CURLE_SSL_CONNECT_ERROR, "TLS"},
        Case{CURLE_PEER_FAILED_VERIFICATION, "TLS"}, Case{CURLE_RECV_ERROR, "SERVER_ERROR"},
        Case{CURLE_GOT_NOTHING, "SERVER_ERROR"}, Case{CURLE_OUT_OF_MEMORY, "INTERNAL"}}) {
    SyncFailure f = TransportFailure(c.code, "api.example.com", "detail from curl", 30);
    EXPECT_EQ(f.code, c.expected) << curl_easy_strerror(c.code);
    EXPECT_THAT(f.message, HasSubstr("api.example.com")) << c.expected;
    EXPECT_THAT(f.message, HasSubstr("detail from curl")) << c.expected;
    EXPECT_FALSE(f.suggestion.empty()) << c.expected;
    EXPECT_EQ(f.retry_after, std::nullopt);
  }
}

TEST(TransportFailureTest, TimeoutNamesTheSetting) {
  SyncFailure f = TransportFailure(CURLE_OPERATION_TIMEDOUT, "slow.example.com", "", 7);
  EXPECT_THAT(f.message, HasSubstr("within 7 s (timeoutSeconds)"));
  EXPECT_THAT(f.suggestion, HasSubstr("raise timeoutSeconds"));
}

// A url libcurl cannot read is the config's fault (the worker resolves next links and redirects with libcurl
// before requesting them): retrying cannot fix it.
TEST(TransportFailureTest, UrlThatLibcurlCannotReadIsABadConfig) {
  SyncFailure f = TransportFailure(CURLE_URL_MALFORMAT, "h2", "Bad hostname", 30);
  EXPECT_EQ(f.code, "CONFIG_INVALID");
  EXPECT_THAT(f.message, HasSubstr("libcurl cannot read the url"));
  EXPECT_THAT(f.message, HasSubstr("Bad hostname"));
  EXPECT_THAT(f.suggestion, HasSubstr("Fix config.url"));
}

TEST(HttpStatusFailureTest, StatusToCode) {
  struct Case {
    int status;
    const char* expected;
  };
  for (const Case& c : {Case{401, "AUTH_FAILED"}, Case{403, "AUTH_FAILED"}, Case{404, "NOT_FOUND"},
                        Case{410, "NOT_FOUND"}, Case{429, "RATE_LIMITED"}, Case{500, "SERVER_ERROR"},
                        Case{503, "SERVER_ERROR"}, Case{400, "BAD_RESPONSE"}, Case{302, "BAD_RESPONSE"}}) {
    SyncFailure f = HttpStatusFailure(c.status, "api.example.com", "/v1/items", "", std::nullopt);
    EXPECT_EQ(f.code, c.expected) << c.status;
    EXPECT_THAT(f.message, HasSubstr("api.example.com")) << c.status;
    EXPECT_THAT(f.message, HasSubstr(std::to_string(c.status))) << c.status;
    EXPECT_FALSE(f.suggestion.empty()) << c.status;
  }
}

TEST(HttpStatusFailureTest, UnauthorizedSaysWhereToGetANewToken) {
  SyncFailure f =
      HttpStatusFailure(401, "api.example.com", "/v1/items", "{\"error\":\"invalid token\"}", std::nullopt);
  EXPECT_EQ(
      f.suggestion,
      "The API rejected the credentials (HTTP 401). Create a new token or key in api.example.com and update "
      "this integration's auth settings, then resume the schedule.");
  EXPECT_THAT(f.message, HasSubstr("invalid token"));
}

TEST(HttpStatusFailureTest, RateLimitedCarriesRetryAfter) {
  const absl::Time at = absl::FromUnixSeconds(1'800'000'000);
  SyncFailure f = HttpStatusFailure(429, "api.example.com", "/v1/items", "", at);
  EXPECT_EQ(f.retry_after, at);
  EXPECT_THAT(f.message, HasSubstr("2027-01-15 08:00:00 UTC"));
  EXPECT_EQ(HttpStatusFailure(429, "h", "/", "", std::nullopt).retry_after, std::nullopt);
}

TEST(HttpStatusFailureTest, LongBodiesAreShortenedToOneLine) {
  SyncFailure f =
      HttpStatusFailure(500, "h", "/", "line one\nline two" + std::string(1000, 'x'), std::nullopt);
  EXPECT_THAT(f.message, HasSubstr("line one line two"));
  EXPECT_THAT(f.message, HasSubstr("..."));
  EXPECT_LT(f.message.size(), 400u);
}

TEST(BadResponseTest, SpecificsInTheMessage) {
  SyncFailure json = NotJsonFailure("h", "/items", 17, "syntax error", "text/html");
  EXPECT_EQ(json.code, "BAD_RESPONSE");
  EXPECT_THAT(json.message, HasSubstr("byte offset 17"));
  EXPECT_THAT(json.message, HasSubstr("text/html"));
  SyncFailure path = RecordsPathFailure("h", "/data/items", true, "", "\"results\", \"next\"");
  EXPECT_THAT(path.message, HasSubstr("\"/data/items\""));
  EXPECT_THAT(path.message, HasSubstr("\"results\""));
  EXPECT_THAT(path.suggestion, HasSubstr("recordsPath"));
  SyncFailure id = RecordIdFailure("/data", "/id", 2, 4, "the field is missing");
  EXPECT_THAT(id.message, HasSubstr("Record 4"));
  EXPECT_THAT(id.message, HasSubstr("page 2"));
  EXPECT_THAT(id.suggestion, HasSubstr("idField"));
}

TEST(StoppedFailureTest, DeadlineOrCancel) {
  EXPECT_EQ(StoppedFailure(true, 3, 30).code, "TIMEOUT");
  EXPECT_THAT(StoppedFailure(true, 3, 30).message, HasSubstr("3 pages and 30 records"));
  EXPECT_EQ(StoppedFailure(false, 0, 0).code, "CANCELLED");
  EXPECT_EQ(ConfigFailure("config.url", "is required").code, "CONFIG_INVALID");
}

}  // namespace
}  // namespace syncd::worker
