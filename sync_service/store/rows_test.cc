#include "sync_service/store/rows.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace syncd::store {
namespace {

TEST(ArrayLiteralTest, TextElementsAreQuotedAndEscaped) {
  EXPECT_EQ(TextArray(std::vector<std::string>{}), "{}");
  EXPECT_EQ(TextArray(std::vector<std::string>{"01a2100b-11da-7083-bd7f-a5cfacc91718", "SUCCESS"}),
            R"({"01a2100b-11da-7083-bd7f-a5cfacc91718","SUCCESS"})");
  // Quotes and backslashes are escaped; commas, braces, spaces and the word NULL stay text.
  EXPECT_EQ(TextArray(std::vector<std::string>{R"(say "hi")", R"(C:\tmp)", "a, {b}", "NULL", ""}),
            R"({"say \"hi\"","C:\\tmp","a, {b}","NULL",""})");
}

TEST(ArrayLiteralTest, MissingTextIsNull) {
  EXPECT_EQ(TextArray(std::vector<std::optional<std::string>>{"x", std::nullopt, ""}), R"({"x",NULL,""})");
}

TEST(ArrayLiteralTest, BytesPostgresRefusesBecomeReplacementCharacters) {
  const std::string nul("a\0b", 3);
  EXPECT_EQ(TextArray(std::vector<std::string>{nul}),
            "{\"a\xEF\xBF\xBD"
            "b\"}");
  // Valid UTF-8 is kept; a broken sequence is replaced, and a quote after it is still escaped.
  EXPECT_EQ(TextArray(std::vector<std::string>{"caf\xC3\xA9", "x\xC3\"y"}),
            "{\"caf\xC3\xA9\",\"x\xEF\xBF\xBD\\\"y\"}");
}

TEST(ArrayLiteralTest, IntsAndBools) {
  EXPECT_EQ(IntArray(std::vector<std::optional<int64_t>>{1, std::nullopt, -3}), "{1,NULL,-3}");
  EXPECT_EQ(BoolArray({true, false}), "{t,f}");
}

}  // namespace
}  // namespace syncd::store
