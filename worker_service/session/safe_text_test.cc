#include "worker_service/session/safe_text.h"

#include <string>

#include "gtest/gtest.h"

namespace syncd::worker {
namespace {

using namespace std::string_literals;

const std::string kFffd = "\xEF\xBF\xBD";

// Strict UTF-8 check written independently of the code under test.
bool IsValidUtf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = s[i];
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    unsigned cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (std::size_t k = 1; k < n; ++k) {
      const unsigned char d = s[i + k];
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    const unsigned min = n == 1 ? 0 : n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

TEST(SafeResultTextTest, KeepsValidTextUnchanged) {
  const std::string text = "Server said: \xC3\xA9t\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 done";
  EXPECT_EQ(SafeResultText(text), text);
}

TEST(SafeResultTextTest, ReplacesInvalidBytesAndNul) {
  EXPECT_EQ(SafeResultText("bad \xFC byte"), "bad " + kFffd + " byte");
  EXPECT_EQ(SafeResultText("a\0b"s), "a" + kFffd + "b");
  // Lone continuation byte, truncated sequence at the end, overlong '/', UTF-16 surrogate.
  EXPECT_EQ(SafeResultText("\x80"), kFffd);
  EXPECT_EQ(SafeResultText("x\xE2\x82"), "x" + kFffd + kFffd);
  EXPECT_EQ(SafeResultText("\xC0\xAF"), kFffd + kFffd);
  EXPECT_EQ(SafeResultText("\xED\xA0\x80"), kFffd + kFffd + kFffd);
  EXPECT_EQ(SafeResultText("\xF4\x90\x80\x80"), kFffd + kFffd + kFffd + kFffd);
}

TEST(SafeResultTextTest, EveryByteValueGivesValidUtf8) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  const std::string out = SafeResultText(all + all, 100'000);
  EXPECT_TRUE(IsValidUtf8(out));
  EXPECT_EQ(out.find('\0'), std::string::npos);
}

TEST(SafeResultTextTest, CapsLengthOnACharacterBoundary) {
  std::string euros;
  for (int i = 0; i < 2000; ++i) euros += "\xE2\x82\xAC";  // 3 bytes each
  const std::string out = SafeResultText(euros);
  EXPECT_LE(out.size(), kMaxResultTextBytes);
  EXPECT_GT(out.size(), kMaxResultTextBytes - 8);
  EXPECT_TRUE(IsValidUtf8(out));
  EXPECT_EQ(out.substr(out.size() - 3), "\xE2\x80\xA6");  // ends with an ellipsis
  EXPECT_EQ(out.substr(0, 30), euros.substr(0, 30));

  EXPECT_EQ(SafeResultText(std::string(10, 'a'), 10), std::string(10, 'a'));
  EXPECT_EQ(SafeResultText(std::string(11, 'a'), 10), std::string(7, 'a') + "\xE2\x80\xA6");
}

}  // namespace
}  // namespace syncd::worker
