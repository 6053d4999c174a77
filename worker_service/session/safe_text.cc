#include "worker_service/session/safe_text.h"

#include <algorithm>

namespace syncd::worker {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";     // U+2026

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is invalid (RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF).
std::size_t ValidSequenceLength(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (b(1) < lo || b(1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k) {
    if (b(k) < 0x80 || b(k) > 0xBF) return 0;
  }
  return n;
}

}  // namespace

std::string SafeResultText(std::string_view text, std::size_t max_bytes) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes));
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = ValidSequenceLength(text, i);
    const bool nul = n == 1 && text[i] == '\0';
    const std::string_view piece = (n == 0 || nul) ? kReplacement : text.substr(i, n);
    if (out.size() + piece.size() > max_bytes) {
      // Cut on a character boundary, leaving room for the ellipsis.
      while (!out.empty() && out.size() + kEllipsis.size() > max_bytes) {
        std::size_t cut = out.size() - 1;
        while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
        out.resize(cut);
      }
      if (out.size() + kEllipsis.size() <= max_bytes) out.append(kEllipsis);
      return out;
    }
    out.append(piece);
    i += n == 0 ? 1 : n;
  }
  return out;
}

}  // namespace syncd::worker
