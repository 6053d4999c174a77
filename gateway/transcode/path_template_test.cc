#include "gateway/transcode/path_template.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace syncd::gateway::transcode {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

PathTemplate MustParse(const std::string& text) {
  absl::StatusOr<PathTemplate> t = PathTemplate::Parse(text);
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? *t : PathTemplate();
}

TEST(PathTemplateTest, MatchesLiteralsAndBindsVariables) {
  PathTemplate t = MustParse("/api/integrations/{id}/sync");
  EXPECT_THAT(*t.Match("/api/integrations/abc/sync"), ElementsAre(Pair("id", "abc")));
  EXPECT_FALSE(t.Match("/api/integrations/abc").has_value());
  EXPECT_FALSE(t.Match("/api/integrations/abc/sync/").has_value());
  EXPECT_FALSE(t.Match("/api/integrations//sync").has_value());
  EXPECT_FALSE(t.Match("/api/integration/abc/sync").has_value());
}

TEST(PathTemplateTest, SingleSegmentVariableIsDecodedButNeverSplitsOnEncodedSlash) {
  PathTemplate t = MustParse("/api/integrations/{id}");
  EXPECT_THAT(*t.Match("/api/integrations/a%20b"), ElementsAre(Pair("id", "a b")));
  EXPECT_THAT(*t.Match("/api/integrations/a%2Fb"), ElementsAre(Pair("id", "a/b")));
  EXPECT_FALSE(t.Match("/api/integrations/a/b").has_value());
  EXPECT_FALSE(t.Match("/api/integrations/a%2").has_value());
  EXPECT_FALSE(t.Match("/api/integrations/a%00").has_value());
}

TEST(PathTemplateTest, MultiSegmentVariableKeepsEncodedSlashes) {
  PathTemplate t = MustParse("/v1/{name=projects/*/files/**}");
  EXPECT_THAT(*t.Match("/v1/projects/p1/files/a/b%2Fc"),
              ElementsAre(Pair("name", "projects/p1/files/a/b%2Fc")));
  EXPECT_THAT(*t.Match("/v1/projects/p1/files"), ElementsAre(Pair("name", "projects/p1/files")));
  EXPECT_FALSE(t.Match("/v1/projects/p1/other/a").has_value());
}

TEST(PathTemplateTest, NestedFieldPathsAndVerbs) {
  PathTemplate t = MustParse("/v1/{run.integration_id}/runs:cancel");
  EXPECT_EQ(t.verb(), "cancel");
  EXPECT_THAT(*t.Match("/v1/x/runs:cancel"), ElementsAre(Pair("run.integration_id", "x")));
  EXPECT_FALSE(t.Match("/v1/x/runs").has_value());
  EXPECT_FALSE(t.Match("/v1/x/runs:other").has_value());
}

TEST(PathTemplateTest, RejectsMalformedTemplates) {
  for (const char* bad : {"api/x", "/api/{id", "/api/id}", "/api/{a{b}}", "/api/{1x}", "/api/{id}/{id}",
                          "/api/**/x", "/api//x", "/api/{id=}", "/api/x:"}) {
    EXPECT_FALSE(PathTemplate::Parse(bad).ok()) << bad;
  }
}

TEST(PathTemplateTest, LiteralsAreMoreSpecificThanVariables) {
  PathTemplate literal = MustParse("/api/sync/status");
  PathTemplate variable = MustParse("/api/sync/{id}");
  PathTemplate rest = MustParse("/api/{path=**}");
  EXPECT_TRUE(literal.MoreSpecificThan(variable));
  EXPECT_FALSE(variable.MoreSpecificThan(literal));
  EXPECT_TRUE(variable.MoreSpecificThan(rest));
}

TEST(PercentDecodeTest, DecodesAndRejectsMalformedEscapes) {
  EXPECT_EQ(*PercentDecode("a%2Fb%41"), "a/bA");
  EXPECT_EQ(*PercentDecode("a%2Fb", /*keep_slash=*/true), "a%2Fb");
  EXPECT_FALSE(PercentDecode("%").has_value());
  EXPECT_FALSE(PercentDecode("%4").has_value());
  EXPECT_FALSE(PercentDecode("%zz").has_value());
  EXPECT_FALSE(PercentDecode("%00").has_value());
}

}  // namespace
}  // namespace syncd::gateway::transcode
