#include "gateway/serving/static_files.h"

#include <gtest/gtest.h>

namespace syncd::gateway::serving {
namespace {

TEST(ResolveStaticPathTest, MapsPathsToFilesUnderTheRoot) {
  EXPECT_EQ(ResolveStaticPath("/").relative_path, "index.html");
  EXPECT_EQ(ResolveStaticPath("/assets/index-3f2a.js").relative_path, "assets/index-3f2a.js");
  EXPECT_EQ(ResolveStaticPath("/docs/").relative_path, "docs/index.html");
  EXPECT_EQ(ResolveStaticPath("/my%20file.txt").relative_path, "my file.txt");
  EXPECT_TRUE(ResolveStaticPath("/integrations/42").spa_route);
  EXPECT_FALSE(ResolveStaticPath("/assets/missing.js").spa_route);
}

TEST(ResolveStaticPathTest, RefusesTraversalInEveryEncoding) {
  for (const char* bad : {"/../etc/passwd", "/assets/../../etc/passwd", "/%2e%2e/etc/passwd", "/%2E%2E/x",
                          "/.%2e/x", "/assets/%2e/x", "/..%2fetc%2fpasswd", "/assets%2F..%2F..%2Fetc",
                          "/..\\etc", "/%5c..%5cetc", "/a//b", "/a%00b", "/a%zz", "/./index.html"}) {
    EXPECT_EQ(ResolveStaticPath(bad).kind, StaticTarget::kRefused) << bad;
  }
}

TEST(StaticFilesTest, ContentTypesAndCaching) {
  EXPECT_EQ(ContentTypeFor("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("assets/app-1a2b.JS"), "text/javascript; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("assets/app.css"), "text/css; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("favicon.svg"), "image/svg+xml");
  EXPECT_EQ(ContentTypeFor("data.bin"), "application/octet-stream");
  EXPECT_EQ(CacheControlFor("assets/app-1a2b.js"), "public, max-age=31536000, immutable");
  EXPECT_EQ(CacheControlFor("index.html"), "no-cache");
}

}  // namespace
}  // namespace syncd::gateway::serving
