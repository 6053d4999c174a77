#include "common/http_json_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace syncd {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

json Valid() {
  return json::parse(R"({"url": "https://api.example.com/items", "method": "GET",
      "headers": {"Accept": "application/json"}, "auth": {"kind": "bearer", "token": "t0k"},
      "recordsPath": "/data/items", "idField": "/id", "pagination": {"nextUrlPath": "/next"},
      "timeoutSeconds": 30, "maxPages": 100, "maxRecords": 100000, "maxRequestsPerMinute": 60})");
}

std::vector<std::string> Fields(const json& config) {
  FieldViolations v;
  ParseHttpJsonConfig(config, v);
  std::vector<std::string> out;
  for (const auto& x : v) out.push_back(x.field);
  return out;
}

TEST(HttpJsonConfigTest, ReadsTheExampleOfTheContract) {
  FieldViolations v;
  HttpJsonConfig c = ParseHttpJsonConfig(Valid(), v);
  ASSERT_THAT(v, IsEmpty());
  EXPECT_EQ(c.url, "https://api.example.com/items");
  EXPECT_EQ(c.method, "GET");
  EXPECT_EQ(c.headers.at("Accept"), "application/json");
  EXPECT_EQ(c.auth.kind, HttpJsonAuth::Kind::kBearer);
  EXPECT_EQ(c.auth.token, "t0k");
  EXPECT_EQ(c.records_path, "/data/items");
  EXPECT_EQ(c.id_field, "/id");
  EXPECT_EQ(c.next_url_path, "/next");
  EXPECT_EQ(c.cursor_path, "");
  EXPECT_EQ(c.timeout_seconds, 30);
  EXPECT_EQ(c.max_requests_per_minute, 60);
}

TEST(HttpJsonConfigTest, DefaultsForWhatIsLeftOut) {
  FieldViolations v;
  HttpJsonConfig c =
      ParseHttpJsonConfig({{"url", "http://h:8080/x"}, {"recordsPath", ""}, {"idField", "/id"}}, v);
  ASSERT_THAT(v, IsEmpty());
  EXPECT_EQ(c.method, "GET");
  EXPECT_EQ(c.auth.kind, HttpJsonAuth::Kind::kNone);
  EXPECT_EQ(c.records_path, "");  // the whole response is the array
  EXPECT_EQ(c.timeout_seconds, kDefaultHttpTimeoutSeconds);
  EXPECT_EQ(c.max_pages, kDefaultMaxPages);
  EXPECT_EQ(c.max_records, kDefaultMaxRecords);
  EXPECT_EQ(c.max_requests_per_minute, kDefaultMaxRequestsPerMinute);
}

TEST(HttpJsonConfigTest, Url) {
  for (const char* bad : {"ftp://x/y", "api.example.com/items", "https://", "https:///path", "http://a b/",
                          "https://h:0/", "https://h:99999/", "https://h:x/"}) {
    json c = Valid();
    c["url"] = bad;
    EXPECT_THAT(Fields(c), ElementsAre("config.url")) << bad;
  }
  json c = Valid();
  c["url"] = 5;
  EXPECT_THAT(Fields(c), ElementsAre("config.url"));
  c.erase("url");
  EXPECT_THAT(Fields(c), ElementsAre("config.url"));
  c["url"] = "HTTPS://user@[::1]:8443/v1?x=1";
  EXPECT_THAT(Fields(c), IsEmpty());
}

// A url that passes the checks above but that libcurl, which makes the worker's requests, cannot read would
// fail every sync: it is refused when saved, saying why.
TEST(HttpJsonConfigTest, UrlThatLibcurlCannotRead) {
  struct Case {
    const char* url;
    const char* why;
  };
  for (const Case& c :
       {Case{"http://x@h1@h2/", "has more than one \"@\" before the host"},
        Case{"https://user:p@ss@api.example.com/items", "write an \"@\" in the user name or password as %40"},
        Case{"http://h1%2Fevil/", "libcurl cannot read it as a URL (Bad hostname)"},
        Case{"http://h:80:80/", "libcurl cannot read it as a URL (Port number"}}) {
    json config = Valid();
    config["url"] = c.url;
    FieldViolations v;
    ParseHttpJsonConfig(config, v);
    ASSERT_EQ(v.size(), 1u) << c.url;
    EXPECT_EQ(v[0].field, "config.url") << c.url;
    EXPECT_THAT(v[0].description, HasSubstr(c.why)) << c.url;
  }
  // What libcurl reads is still admitted: a percent-encoded "@" in the password, an "@" in the path.
  for (const char* good : {"https://user:p%40ss@api.example.com/items", "https://api.example.com/a@b?c=@"}) {
    json config = Valid();
    config["url"] = good;
    EXPECT_THAT(Fields(config), IsEmpty()) << good;
  }
}

TEST(HttpJsonConfigTest, UrlHost) {
  EXPECT_EQ(UrlHost("https://api.example.com/items"), "api.example.com");
  EXPECT_EQ(UrlHost("http://user:pw@h:8080?x"), "h");
  EXPECT_EQ(UrlHost("https://[::1]:443/"), "[::1]");
  EXPECT_EQ(UrlHost("mailto:x"), "");
}

TEST(HttpJsonConfigTest, MethodAndBody) {
  json c = Valid();
  c["method"] = "DELETE";
  EXPECT_THAT(Fields(c), ElementsAre("config.method"));
  c["method"] = "post";
  c["body"] = {{"filter", "active"}};
  FieldViolations v;
  HttpJsonConfig parsed = ParseHttpJsonConfig(c, v);
  EXPECT_THAT(v, IsEmpty());
  EXPECT_EQ(parsed.method, "POST");
  EXPECT_EQ(parsed.body->at("filter"), "active");
  c["method"] = "GET";
  EXPECT_THAT(Fields(c), ElementsAre("config.body"));
}

TEST(HttpJsonConfigTest, Pointers) {
  json c = Valid();
  c["recordsPath"] = "data/items";
  c["idField"] = "/a~2b";
  EXPECT_THAT(Fields(c), ElementsAre("config.recordsPath", "config.idField"));
  c.erase("recordsPath");
  c.erase("idField");
  EXPECT_THAT(Fields(c), ElementsAre("config.recordsPath", "config.idField"));
  c["recordsPath"] = "/a~1b/0";
  c["idField"] = "";
  EXPECT_THAT(Fields(c), ElementsAre("config.idField"));
  EXPECT_TRUE(IsJsonPointer(""));
  EXPECT_TRUE(IsJsonPointer("/"));
  EXPECT_TRUE(IsJsonPointer("/a~0~1"));
  EXPECT_FALSE(IsJsonPointer("a"));
  EXPECT_FALSE(IsJsonPointer("/a~"));
}

TEST(HttpJsonConfigTest, AuthKindsAndTheirSecrets) {
  auto with_auth = [](json auth) {
    json c = Valid();
    c["auth"] = std::move(auth);
    return Fields(c);
  };
  EXPECT_THAT(with_auth({{"kind", "none"}}), IsEmpty());
  EXPECT_THAT(with_auth(nullptr), IsEmpty());
  EXPECT_THAT(with_auth({{"kind", "oauth"}}), ElementsAre("config.auth.kind"));
  EXPECT_THAT(with_auth({{"token", "x"}}), ElementsAre("config.auth.kind"));
  EXPECT_THAT(with_auth("bearer"), ElementsAre("config.auth"));
  EXPECT_THAT(with_auth({{"kind", "bearer"}}), ElementsAre("config.auth.token"));
  EXPECT_THAT(with_auth({{"kind", "bearer"}, {"token", ""}}), ElementsAre("config.auth.token"));
  EXPECT_THAT(with_auth({{"kind", "bearer"}, {"token", "a\nb"}}), ElementsAre("config.auth.token"));
  EXPECT_THAT(with_auth({{"kind", "basic"}}), ElementsAre("config.auth.username", "config.auth.password"));
  EXPECT_THAT(with_auth({{"kind", "basic"}, {"username", "a:b"}, {"password", "p"}}),
              ElementsAre("config.auth.username"));
  EXPECT_THAT(with_auth({{"kind", "basic"}, {"username", "u"}, {"password", "p"}}), IsEmpty());
  EXPECT_THAT(with_auth({{"kind", "apiKey"}}), ElementsAre("config.auth.header", "config.auth.key"));
  EXPECT_THAT(with_auth({{"kind", "apiKey"}, {"header", "X Key"}, {"key", "k"}}),
              ElementsAre("config.auth.header"));
  EXPECT_THAT(with_auth({{"kind", "apiKey"}, {"header", "X-Api-Key"}, {"key", "k"}}), IsEmpty());
}

TEST(HttpJsonConfigTest, Headers) {
  json c = Valid();
  c["headers"] = {{"X-Ok", "1"}, {"Bad Name", "x"}, {"X-Number", 5}, {"X-Split", "a\r\nInjected: 1"}};
  EXPECT_THAT(Fields(c),
              ElementsAre("config.headers.Bad Name", "config.headers.X-Number", "config.headers.X-Split"));
  c["headers"] = json::array();
  EXPECT_THAT(Fields(c), ElementsAre("config.headers"));
}

TEST(HttpJsonConfigTest, PaginationShapes) {
  auto with = [](json pagination) {
    json c = Valid();
    c["pagination"] = std::move(pagination);
    return Fields(c);
  };
  EXPECT_THAT(with(nullptr), IsEmpty());
  EXPECT_THAT(with({{"cursorPath", "/meta/next"}, {"cursorParam", "cursor"}}), IsEmpty());
  EXPECT_THAT(with({{"cursorPath", "/meta/next"}}), ElementsAre("config.pagination.cursorParam"));
  EXPECT_THAT(with({{"cursorParam", "cursor"}}), ElementsAre("config.pagination.cursorPath"));
  EXPECT_THAT(with({{"cursorPath", "/m"}, {"cursorParam", "a&b"}}),
              ElementsAre("config.pagination.cursorParam"));
  EXPECT_THAT(with({{"nextUrlPath", "/next"}, {"cursorPath", "/c"}, {"cursorParam", "c"}}),
              ElementsAre("config.pagination"));
  EXPECT_THAT(with({{"nextUrlPath", "next"}}), ElementsAre("config.pagination.nextUrlPath"));
  EXPECT_THAT(with({{"nextUrlPath", ""}}), ElementsAre("config.pagination.nextUrlPath"));
  EXPECT_THAT(with({{"nextUrlPath", "/next"}, {"pageSize", 5}}), ElementsAre("config.pagination.pageSize"));
  EXPECT_THAT(with("next"), ElementsAre("config.pagination"));
}

TEST(HttpJsonConfigTest, NumericRanges) {
  json c = Valid();
  c["timeoutSeconds"] = 0;
  c["maxPages"] = 1.5;
  c["maxRecords"] = "10";
  c["maxRequestsPerMinute"] = 60'001;
  EXPECT_THAT(Fields(c), ElementsAre("config.timeoutSeconds", "config.maxPages", "config.maxRecords",
                                     "config.maxRequestsPerMinute"));
  c["timeoutSeconds"] = 3600;
  c["maxPages"] = 1;
  c["maxRecords"] = 1;
  c["maxRequestsPerMinute"] = 1;
  EXPECT_THAT(Fields(c), IsEmpty());
}

}  // namespace
}  // namespace syncd
