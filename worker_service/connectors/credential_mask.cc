#include "worker_service/connectors/credential_mask.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace syncd::worker {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The value of the `digits` hex digits at text[p], or nullopt.
std::optional<uint32_t> HexAt(std::string_view text, size_t p, size_t digits) {
  if (p + digits > text.size()) return std::nullopt;
  uint32_t value = 0;
  for (size_t k = 0; k < digits; ++k) {
    const int d = HexDigit(text[p + k]);
    if (d < 0) return std::nullopt;
    value = value * 16 + static_cast<uint32_t>(d);
  }
  return value;
}

// A character of a secret: its code point and how many bytes its UTF-8 takes (0: s[j] starts no valid
// UTF-8 sequence, so the byte has no escape of its own but %XX).
struct Character {
  uint32_t code_point = 0;
  size_t length = 0;
};

Character CharacterAt(std::string_view s, size_t j) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[j + k]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return {lead, 1};
  size_t n = 0;
  uint32_t cp = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    n = 2;
    cp = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    n = 3;
    cp = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    n = 4;
    cp = lead & 0x07;
  } else {
    return {};
  }
  if (j + n > s.size()) return {};
  for (size_t k = 1; k < n; ++k) {
    if ((byte(k) & 0xC0) != 0x80) return {};
    cp = (cp << 6) | (byte(k) & 0x3F);
  }
  const bool overlong = (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
  if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {};
  return {cp, n};
}

// Calls on_end(end) for each way text[p, end) writes the byte b: as itself, as %XX, a space as '+'.
template <typename OnEnd>
void ByteForms(std::string_view text, size_t p, char b, OnEnd on_end) {
  if (p >= text.size()) return;
  if (text[p] == b) on_end(p + 1);
  if (text[p] == '%' && HexAt(text, p + 1, 2) == uint32_t{static_cast<unsigned char>(b)}) on_end(p + 3);
  if (text[p] == '+' && b == ' ') on_end(p + 1);
}

// Calls on_end(end) for each way text[p, end) escapes the code point cp in JSON or HTML.
template <typename OnEnd>
void EscapedForms(std::string_view text, size_t p, uint32_t cp, OnEnd on_end) {
  if (p + 1 >= text.size()) return;
  if (text[p] == '\\') {
    constexpr std::pair<char, uint32_t> kShort[] = {{'"', '"'},  {'\\', '\\'}, {'/', '/'},  {'b', '\b'},
                                                    {'f', '\f'}, {'n', '\n'},  {'r', '\r'}, {'t', '\t'}};
    for (const auto& [letter, escaped] : kShort) {
      if (text[p + 1] == letter && cp == escaped) on_end(p + 2);
    }
    if (text[p + 1] != 'u') return;
    const std::optional<uint32_t> unit = HexAt(text, p + 2, 4);
    if (!unit.has_value()) return;
    if (cp <= 0xFFFF) {
      if (*unit == cp) on_end(p + 6);
      return;
    }
    // Above the BMP JSON has only UTF-16 surrogate pairs.
    const uint32_t high = 0xD800 + ((cp - 0x10000) >> 10);
    const uint32_t low = 0xDC00 + ((cp - 0x10000) & 0x3FF);
    if (*unit == high && text.substr(p + 6, 2) == "\\u" && HexAt(text, p + 8, 4) == low) on_end(p + 12);
    return;
  }
  if (text[p] == '&') {
    constexpr std::pair<std::string_view, uint32_t> kNamed[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    for (const auto& [name, named] : kNamed) {
      if (cp == named && text.substr(p, name.size()) == name) on_end(p + name.size());
    }
    if (text[p + 1] != '#') return;
    // &#47; or &#x2F; (leading zeros allowed); 8 digits is more than any code point needs.
    const bool hex = p + 2 < text.size() && (text[p + 2] == 'x' || text[p + 2] == 'X');
    uint32_t value = 0;
    size_t q = p + (hex ? 3 : 2);
    const size_t first = q;
    for (; q < text.size() && q - first < 8; ++q) {
      const int d = HexDigit(text[q]);
      if (d < 0 || (!hex && d > 9)) break;
      value = value * (hex ? 16 : 10) + static_cast<uint32_t>(d);
    }
    if (q > first && q < text.size() && text[q] == ';' && value == cp) on_end(q + 1);
  }
}

// The end of the longest occurrence of `secret` that starts at text[start], or nullopt.
std::optional<size_t> OccurrenceEnd(std::string_view text, size_t start, std::string_view secret) {
  // ends_at[j]: where in `text` the first j bytes of the secret can end. Every form moves forward in both
  // the secret and the text, so one pass over j sees every way to read it (a '%' in a secret may be
  // itself or the start of "%25": both are followed).
  std::vector<std::vector<size_t>> ends_at(secret.size() + 1);
  ends_at[0].push_back(start);
  for (size_t j = 0; j < secret.size(); ++j) {
    std::vector<size_t>& ends = ends_at[j];
    std::sort(ends.begin(), ends.end());
    ends.erase(std::unique(ends.begin(), ends.end()), ends.end());
    const Character c = CharacterAt(secret, j);
    for (const size_t p : ends) {
      ByteForms(text, p, secret[j], [&](size_t end) { ends_at[j + 1].push_back(end); });
      if (c.length > 0) {
        EscapedForms(text, p, c.code_point, [&](size_t end) { ends_at[j + c.length].push_back(end); });
      }
    }
  }
  const std::vector<size_t>& whole = ends_at.back();
  if (whole.empty()) return std::nullopt;
  return *std::max_element(whole.begin(), whole.end());
}

// True when an occurrence of `secret` may start at text[p]: the secret's first byte or an escape.
bool MayStartAt(std::string_view text, size_t p, std::string_view secret) {
  const char c = text[p];
  return c == secret[0] || c == '%' || c == '\\' || c == '&' || c == '+';
}

}  // namespace

CredentialMask CredentialMask::ForAuth(const HttpJsonAuth& auth) {
  std::vector<std::string> secrets = {auth.token, auth.password, auth.key};
  if (auth.kind == HttpJsonAuth::Kind::kBasic) {
    secrets.push_back(absl::Base64Escape(absl::StrCat(auth.username, ":", auth.password)));
  }
  return CredentialMask(std::move(secrets));
}

CredentialMask::CredentialMask(std::vector<std::string> secrets) {
  for (std::string& s : secrets) {
    if (!s.empty()) secrets_.push_back(std::move(s));
  }
}

std::string CredentialMask::Apply(std::string_view text) const {
  std::string out;
  size_t copied = 0;     // text[0, copied) is in `out`, masked or not
  size_t masked_to = 0;  // the end of the last mask written
  for (size_t p = 0; p < text.size(); ++p) {
    size_t end = p;
    for (const std::string& secret : secrets_) {
      if (!MayStartAt(text, p, secret)) continue;
      end = std::max(end, OccurrenceEnd(text, p, secret).value_or(p));
    }
    if (end == p) continue;
    if (p >= masked_to) {
      out.append(text.substr(copied, p - copied));
      out.append(kMask);
    }  // else it overlaps the last mask, which grows to cover it
    masked_to = std::max(masked_to, end);
    copied = masked_to;
  }
  out.append(text.substr(copied));
  return out;
}

}  // namespace syncd::worker
