#include "worker_service/connectors/http_page.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace syncd::worker {
namespace {

using ::testing::HasSubstr;

HttpJsonConfig Config(std::string records_path = "/data", std::string id_field = "/id") {
  HttpJsonConfig c;
  c.url = "https://api.example.com/items";
  c.records_path = std::move(records_path);
  c.id_field = std::move(id_field);
  return c;
}

const PageSource kSource{"api.example.com", "/items", 2, "application/json"};

TEST(ReadPageTest, RecordsWithTheirIds) {
  PageRead p = ReadPage(R"({"data": [{"id": 1, "n": "a"}, {"id": "b-2", "n": "b"}]})", Config(), kSource);
  ASSERT_FALSE(p.failure.has_value()) << p.failure->message;
  ASSERT_EQ(p.records.size(), 2u);
  EXPECT_EQ(p.records[0].external_id, "1");
  EXPECT_EQ(p.records[0].json, R"({"id":1,"n":"a"})");
  EXPECT_EQ(p.records[1].external_id, "b-2");
  EXPECT_EQ(p.next_url, std::nullopt);
  EXPECT_EQ(p.next_cursor, std::nullopt);
}

// PostgreSQL cannot store U+0000: it is removed from strings, keys and ids; a literal "\\u0000" text stays.
TEST(ReadPageTest, NulCharactersAreRemoved) {
  PageRead p = ReadPage(
      R"({"data": [{"id": "a\u0000b", "n": "bad\u0000nul", "k\u0000": [1, "x\u0000"], "t": "\\u0000"},)"
      R"( {"id": 2, "n": "ok"}]})",
      Config(), kSource);
  ASSERT_FALSE(p.failure.has_value()) << p.failure->message;
  ASSERT_EQ(p.records.size(), 2u);
  EXPECT_EQ(p.records[0].external_id, "ab");
  EXPECT_EQ(p.records[0].json, R"({"id":"ab","k":[1,"x"],"n":"badnul","t":"\\u0000"})");
  EXPECT_EQ(p.records[1].json, R"({"id":2,"n":"ok"})");
  // An id of NULs only is an empty id.
  PageRead empty = ReadPage(R"({"data": [{"id": "\u0000"}]})", Config(), kSource);
  ASSERT_TRUE(empty.failure.has_value());
  EXPECT_THAT(empty.failure->message, HasSubstr("empty"));
}

TEST(ReadPageTest, WholeResponseAsArrayAndNestedIds) {
  PageRead p = ReadPage(R"([{"key": {"id": 7}}])", Config("", "/key/id"), kSource);
  ASSERT_FALSE(p.failure.has_value());
  EXPECT_EQ(p.records.at(0).external_id, "7");
}

TEST(ReadPageTest, RepeatedIdOnAPageKeepsTheLast) {
  PageRead p = ReadPage(R"({"data": [{"id": 1, "v": 1}, {"id": 2}, {"id": 1, "v": 2}]})", Config(), kSource);
  ASSERT_EQ(p.records.size(), 2u);
  EXPECT_EQ(p.records[0].json, R"({"id":1,"v":2})");
  EXPECT_EQ(p.records_on_page, 3u);
}

TEST(ReadPageTest, NotJsonSaysWhere) {
  PageRead p = ReadPage(R"({"data": [1,)", Config(), kSource);
  ASSERT_TRUE(p.failure.has_value());
  EXPECT_EQ(p.failure->code, "BAD_RESPONSE");
  EXPECT_THAT(p.failure->message, HasSubstr("at byte offset 12"));
  EXPECT_THAT(p.failure->message, HasSubstr("api.example.com"));
  PageRead html = ReadPage("<html>", Config(), kSource);
  EXPECT_THAT(html.failure->message, HasSubstr("at byte offset 0"));
}

TEST(ReadPageTest, TooDeepNestingIsABadResponseNotACrash) {
  PageRead p = ReadPage(std::string(100'000, '['), Config(""), kSource);
  ASSERT_TRUE(p.failure.has_value());
  EXPECT_EQ(p.failure->code, "BAD_RESPONSE");
  EXPECT_THAT(p.failure->message, HasSubstr("nests arrays and objects too deep"));
  EXPECT_THAT(p.failure->message, HasSubstr("at byte offset 256"));
  EXPECT_TRUE(p.records.empty());

  // Well-formed too: a record whose value nests deeper than the limit.
  const std::string deep = std::string(300, '[') + std::string(300, ']');
  PageRead record = ReadPage(R"({"data": [{"id": 1, "v": )" + deep + "}]}", Config(), kSource);
  ASSERT_TRUE(record.failure.has_value());
  EXPECT_THAT(record.failure->message, HasSubstr("too deep"));
}

TEST(ReadPageTest, NestingUpToTheLimitIsRead) {
  // The document is one level; "meta" fills the rest (records have a limit of their own, below). Brackets
  // inside strings don't count.
  const std::string deep = std::string(kMaxJsonDepth - 1, '[') + std::string(kMaxJsonDepth - 1, ']');
  PageRead p = ReadPage(R"({"meta": )" + deep + R"(, "data": [{"id": "[[{{\"["}]})", Config(), kSource);
  ASSERT_FALSE(p.failure.has_value()) << p.failure->message;
  ASSERT_EQ(p.records.size(), 1u);
  EXPECT_EQ(p.records[0].external_id, "[[{{\"[");
}

TEST(ReadPageTest, MissingOrWrongRecordsPath) {
  PageRead missing = ReadPage(R"({"results": [], "next": null})", Config("/data/items"), kSource);
  ASSERT_TRUE(missing.failure.has_value());
  EXPECT_EQ(missing.failure->code, "BAD_RESPONSE");
  EXPECT_THAT(missing.failure->message, HasSubstr("nothing at recordsPath \"/data/items\""));
  EXPECT_THAT(missing.failure->message, HasSubstr("keys are: \"next\", \"results\""));
  PageRead object = ReadPage(R"({"data": {"id": 1}})", Config(), kSource);
  EXPECT_THAT(object.failure->message, HasSubstr("is an object, not an array"));
  // A pointer into an array with a non-number token is "nothing there", not an exception.
  PageRead index = ReadPage(R"({"data": [[]]})", Config("/data/x"), kSource);
  EXPECT_TRUE(index.failure.has_value());
}

TEST(ReadPageTest, RecordsWithoutUsableIds) {
  for (const char* body :
       {R"({"data": [{"id": 1}, {"name": "no id"}]})", R"({"data": [{"id": 1}, {"id": ""}]})",
        R"({"data": [{"id": 1}, {"id": null}]})", R"({"data": [{"id": 1}, {"id": [1]}]})"}) {
    PageRead p = ReadPage(body, Config(), kSource);
    ASSERT_TRUE(p.failure.has_value()) << body;
    EXPECT_EQ(p.failure->code, "BAD_RESPONSE");
    // The second record, counted from 1 like the pages.
    EXPECT_THAT(p.failure->message, HasSubstr("Record 2 at recordsPath \"/data\" on page 2")) << body;
    EXPECT_THAT(p.failure->message, HasSubstr("idField \"/id\"")) << body;
    EXPECT_TRUE(p.records.empty());
  }
  PageRead scalar = ReadPage(R"({"data": [3]})", Config(), kSource);
  EXPECT_THAT(scalar.failure->message,
              HasSubstr("Record 1 at recordsPath \"/data\" on page 2 is a number, not a JSON object"));
}

TEST(ReadPageTest, RecordsNestedDeeperThanTheApiCarriesFailTheSync) {
  // A record of kMaxRecordDepth levels (its own object and 29 more) is read; one more level is not.
  std::string inner = "1";
  for (int i = 1; i < kMaxRecordDepth; ++i) inner = absl::StrCat(R"({"a":)", inner, "}");
  const std::string fits = absl::StrCat(R"({"data": [{"id": 1, "n": )", inner, "}]}");
  PageRead ok = ReadPage(fits, Config(), kSource);
  EXPECT_FALSE(ok.failure.has_value()) << ok.failure->message;
  EXPECT_EQ(ok.records.size(), 1u);

  const std::string too_deep = absl::StrCat(R"({"data": [{"id": 1}, {"id": 2, "n": [)", inner, "]}]}");
  PageRead p = ReadPage(too_deep, Config(), kSource);
  ASSERT_TRUE(p.failure.has_value());
  EXPECT_EQ(p.failure->code, "BAD_RESPONSE");
  EXPECT_THAT(p.failure->message, HasSubstr("Record 2 at recordsPath \"/data\" on page 2 nests objects and "
                                            "arrays more than 30 levels deep"));
  EXPECT_TRUE(p.records.empty());
}

TEST(ReadPageTest, NextUrl) {
  HttpJsonConfig c = Config();
  c.next_url_path = "/links/next";
  EXPECT_EQ(ReadPage(R"({"data": [], "links": {"next": "/items?page=2"}})", c, kSource).next_url,
            "/items?page=2");
  for (const char* last : {R"({"data": []})", R"({"data": [], "links": {"next": null}})",
                           R"({"data": [], "links": {"next": ""}})"}) {
    PageRead p = ReadPage(last, c, kSource);
    EXPECT_FALSE(p.failure.has_value()) << last;
    EXPECT_EQ(p.next_url, std::nullopt) << last;
  }
  EXPECT_EQ(ReadPage(R"({"data": [], "links": {"next": {"href": "x"}}})", c, kSource).failure->code,
            "BAD_RESPONSE");
}

TEST(ReadPageTest, Cursor) {
  HttpJsonConfig c = Config();
  c.cursor_path = "/meta/next_cursor";
  c.cursor_param = "cursor";
  EXPECT_EQ(ReadPage(R"({"data": [], "meta": {"next_cursor": "abc"}})", c, kSource).next_cursor, "abc");
  EXPECT_EQ(ReadPage(R"({"data": [], "meta": {"next_cursor": 3}})", c, kSource).next_cursor, "3");
  EXPECT_EQ(ReadPage(R"({"data": [], "meta": {"next_cursor": false}})", c, kSource).next_cursor,
            std::nullopt);
  EXPECT_EQ(ReadPage(R"({"data": [], "meta": {"next_cursor": 1.5}})", c, kSource).failure->code,
            "BAD_RESPONSE");
}

TEST(WithQueryParamTest, SetsOrReplaces) {
  EXPECT_EQ(WithQueryParam("https://h/items", "cursor", "a b/c"), "https://h/items?cursor=a%20b%2Fc");
  EXPECT_EQ(WithQueryParam("https://h/items?limit=5&cursor=old", "cursor", "new"),
            "https://h/items?limit=5&cursor=new");
  EXPECT_EQ(WithQueryParam("https://h/items?limit=5#top", "page", "2"), "https://h/items?limit=5&page=2#top");
}

TEST(UrlPathTest, WithoutQuery) {
  EXPECT_EQ(UrlPath("https://h/v1/items?api_key=secret"), "/v1/items");
  EXPECT_EQ(UrlPath("https://h"), "/");
  EXPECT_EQ(UrlPath("https://h?x=/y"), "/");
}

}  // namespace
}  // namespace syncd::worker
