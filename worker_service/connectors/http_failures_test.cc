#include "worker_service/connectors/http_failures.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"

namespace syncd::worker {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

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

TEST(RateLimitedFailureTest, RetryAfterTheWorkerCanUse) {
  const absl::Time at = absl::FromUnixSeconds(1'800'000'000);
  SyncFailure f = RateLimitedFailure("api.example.com", "/v1/items", "Fri, 15 Jan 2027 08:00:00 GMT", at);
  EXPECT_EQ(f.code, "RATE_LIMITED");
  EXPECT_EQ(f.retry_after, at);
  EXPECT_EQ(f.message,
            "api.example.com is limiting requests (HTTP 429 on /v1/items). It asked to wait until 2027-01-15 "
            "08:00:00 UTC (Retry-After): the next attempt waits until then.");
  EXPECT_THAT(f.suggestion, HasSubstr("The next attempt waits as api.example.com asked."));
}

TEST(RateLimitedFailureTest, NoRetryAfterSaysSoAndTheNormalBackoffApplies) {
  SyncFailure f = RateLimitedFailure("api.example.com", "/v1/items", std::nullopt, std::nullopt);
  EXPECT_EQ(f.code, "RATE_LIMITED");
  EXPECT_EQ(f.retry_after, std::nullopt);
  EXPECT_EQ(f.message,
            "api.example.com is limiting requests (HTTP 429 on /v1/items). It sent no Retry-After header, so "
            "the next attempt follows the normal retry backoff.");
  // The host asked nothing: nothing may say it did.
  EXPECT_THAT(f.suggestion, Not(HasSubstr("asked")));
  EXPECT_THAT(f.suggestion, HasSubstr("The sync is retried with the normal backoff."));
  EXPECT_THAT(f.suggestion, HasSubstr("lower maxRequestsPerMinute"));
  // HttpStatusFailure's 429 without a time is the same failure.
  EXPECT_EQ(HttpStatusFailure(429, "api.example.com", "/v1/items", "", std::nullopt).message, f.message);
}

TEST(RateLimitedFailureTest, UnusableRetryAfterIsQuotedNotCalledAbsent) {
  for (const char* value : {"-5", "soon", "1.5", ""}) {
    SyncFailure f = RateLimitedFailure("h", "/", value, std::nullopt);
    EXPECT_EQ(f.code, "RATE_LIMITED") << value;
    EXPECT_EQ(f.retry_after, std::nullopt) << value;
    EXPECT_THAT(f.message, HasSubstr(absl::StrCat("Its Retry-After header \"", value,
                                                  "\" could not be used (neither a number of seconds nor an "
                                                  "HTTP date), so the next attempt follows the normal retry "
                                                  "backoff.")))
        << value;
    EXPECT_THAT(f.message, Not(HasSubstr("no Retry-After"))) << value;
    EXPECT_THAT(f.suggestion, Not(HasSubstr("asked"))) << value;
  }
}

TEST(RateLimitedFailureTest, QuotedRetryAfterIsShortOneLineAndUnambiguous) {
  const std::string value = "in a \"while\"\x01\x1b[31m" + std::string(500, 'x') + "END";
  SyncFailure f = RateLimitedFailure("h", "/", value, std::nullopt);
  EXPECT_THAT(f.message, HasSubstr(R"(Retry-After header "in a \"while\"??[31mxxx)"));
  EXPECT_THAT(f.message, HasSubstr("xxx...\" could not be used"));
  EXPECT_THAT(f.message, Not(HasSubstr("END")));
  for (char c : f.message) EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20 || c == 0x7f) << f.message;
  EXPECT_LT(f.message.size(), 300u);
  // Cut on a character boundary: no half of "ü" (0xC3 0xBC) at the end of the quote.
  SyncFailure utf8 = RateLimitedFailure("h", "/", std::string(63, 'x') + "\xC3\xBC", std::nullopt);
  EXPECT_THAT(utf8.message, HasSubstr(std::string(63, 'x') + "...\""));
  // Nothing is cut from a value that fits.
  EXPECT_THAT(RateLimitedFailure("h", "/", "bald \xC3\xBC", std::nullopt).message,
              HasSubstr("header \"bald \xC3\xBC\" could not be used"));
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
  EXPECT_THAT(id.message, HasSubstr("Record 5 at recordsPath \"/data\" on page 2"));
  EXPECT_THAT(id.suggestion, HasSubstr("idField"));
}

// Records are counted from 1, like pages: the first record of the first page is "Record 1 ... on page 1".
TEST(BadResponseTest, RecordsAreNumberedFromOneLikePages) {
  EXPECT_THAT(RecordIdFailure("/data", "/id", 1, 0, "it is empty").message,
              HasSubstr("Record 1 at recordsPath \"/data\" on page 1 has no usable id"));
  EXPECT_THAT(RecordNotObjectFailure("/data", 1, 0, "a number").message,
              HasSubstr("Record 1 at recordsPath \"/data\" on page 1 is a number, not a JSON object."));
  EXPECT_THAT(RecordNotObjectFailure("/data", 3, 9, "null").message, HasSubstr("Record 10 at"));
}

TEST(StoppedFailureTest, DeadlineOrCancel) {
  EXPECT_EQ(StoppedFailure(true, 3, 30).code, "TIMEOUT");
  EXPECT_THAT(StoppedFailure(true, 3, 30).message, HasSubstr("3 pages and 30 records"));
  EXPECT_EQ(StoppedFailure(false, 0, 0).code, "CANCELLED");
  EXPECT_EQ(ConfigFailure("config.url", "is required").code, "CONFIG_INVALID");
}

}  // namespace
}  // namespace syncd::worker
