#include "gateway/transcode/path_template.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace syncd::gateway::transcode {
namespace {

bool IsFieldPath(absl::string_view path) {
  if (path.empty()) return false;
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    if (part.empty() || absl::ascii_isdigit(part[0])) return false;
    for (char c : part) {
      if (!absl::ascii_isalnum(c) && c != '_') return false;
    }
  }
  return true;
}

// A literal may hold any URL path character but the template's own syntax.
bool IsLiteral(absl::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c == '{' || c == '}' || c == '*' || c == '=' || c == '/' || c == ':' || c == '?' || c == '#' ||
        static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
      return false;
  }
  return true;
}

absl::Status Invalid(absl::string_view text, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("path template \"", text, "\": ", why));
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> PercentDecode(absl::string_view text, bool keep_slash) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int hi = HexValue(text[i + 1]);
    const int lo = HexValue(text[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    const char c = static_cast<char>(hi * 16 + lo);
    if (c == '\0') return std::nullopt;
    if (keep_slash && c == '/') {
      out.append(text.substr(i, 3).data(), 3);
    } else {
      out.push_back(c);
    }
    i += 2;
  }
  return out;
}

absl::StatusOr<PathTemplate> PathTemplate::Parse(absl::string_view text) {
  PathTemplate t;
  t.text_ = std::string(text);
  if (!absl::StartsWith(text, "/")) return Invalid(text, "must start with '/'");
  absl::string_view rest = text.substr(1);
  // The verb is a ':' after the last '/' that is not inside a variable.
  size_t brace_depth = 0;
  size_t verb_at = absl::string_view::npos;
  for (size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '{') ++brace_depth;
    if (rest[i] == '}' && brace_depth > 0) --brace_depth;
    if (rest[i] == '/' && brace_depth == 0) verb_at = absl::string_view::npos;
    if (rest[i] == ':' && brace_depth == 0) verb_at = i;
  }
  if (verb_at != absl::string_view::npos) {
    t.verb_ = std::string(rest.substr(verb_at + 1));
    if (!IsLiteral(t.verb_)) return Invalid(text, "the verb after ':' must be a literal");
    rest = rest.substr(0, verb_at);
  }

  // Split on '/' outside braces.
  std::vector<absl::string_view> parts;
  size_t start = 0;
  brace_depth = 0;
  for (size_t i = 0; i <= rest.size(); ++i) {
    if (i == rest.size() || (rest[i] == '/' && brace_depth == 0)) {
      parts.push_back(rest.substr(start, i - start));
      start = i + 1;
      continue;
    }
    if (rest[i] == '{') {
      if (++brace_depth > 1) return Invalid(text, "variables cannot nest");
    }
    if (rest[i] == '}') {
      if (brace_depth == 0) return Invalid(text, "'}' without '{'");
      --brace_depth;
    }
  }
  if (brace_depth != 0) return Invalid(text, "'{' without '}'");

  auto add_segment = [&](absl::string_view s) -> absl::Status {
    Segment segment;
    if (s == "*") {
      segment.kind = SegmentKind::kAny;
    } else if (s == "**") {
      segment.kind = SegmentKind::kAnyMany;
    } else if (IsLiteral(s)) {
      segment.literal = std::string(s);
    } else {
      return Invalid(text, absl::StrCat("bad segment \"", s, "\""));
    }
    t.segments_.push_back(std::move(segment));
    return absl::OkStatus();
  };

  for (absl::string_view part : parts) {
    if (absl::StartsWith(part, "{")) {
      if (!absl::EndsWith(part, "}")) return Invalid(text, absl::StrCat("bad segment \"", part, "\""));
      absl::string_view inner = part.substr(1, part.size() - 2);
      Variable variable;
      absl::string_view pattern = "*";
      if (size_t eq = inner.find('='); eq != absl::string_view::npos) {
        pattern = inner.substr(eq + 1);
        inner = inner.substr(0, eq);
      }
      if (!IsFieldPath(inner)) return Invalid(text, absl::StrCat("bad field path \"", inner, "\""));
      for (const Variable& v : t.variables_) {
        if (v.field_path == inner) return Invalid(text, absl::StrCat("\"", inner, "\" is bound twice"));
      }
      variable.field_path = std::string(inner);
      variable.first = static_cast<int>(t.segments_.size());
      for (absl::string_view s : absl::StrSplit(pattern, '/')) {
        if (absl::Status st = add_segment(s); !st.ok()) return st;
      }
      variable.last = static_cast<int>(t.segments_.size());
      t.variables_.push_back(std::move(variable));
    } else if (absl::Status st = add_segment(part); !st.ok()) {
      return st;
    }
  }
  for (size_t i = 0; i < t.segments_.size(); ++i) {
    if (t.segments_[i].kind == SegmentKind::kAnyMany && i + 1 != t.segments_.size())
      return Invalid(text, "\"**\" must be the last segment");
  }
  return t;
}

std::optional<PathBindings> PathTemplate::Match(absl::string_view raw_path) const {
  if (!absl::StartsWith(raw_path, "/")) return std::nullopt;
  absl::string_view rest = raw_path.substr(1);
  if (!verb_.empty()) {
    const std::string suffix = absl::StrCat(":", verb_);
    if (!absl::EndsWith(rest, suffix)) return std::nullopt;
    rest.remove_suffix(suffix.size());
  }
  std::vector<absl::string_view> parts = absl::StrSplit(rest, '/');
  // Which template segment each request segment matched: [begin, end) of `parts` per template segment.
  std::vector<std::pair<size_t, size_t>> spans(segments_.size());
  size_t p = 0;
  for (size_t s = 0; s < segments_.size(); ++s) {
    const Segment& segment = segments_[s];
    if (segment.kind == SegmentKind::kAnyMany) {
      // Matches the rest, which must not hold empty segments ("a//b", a trailing '/').
      for (size_t i = p; i < parts.size(); ++i) {
        if (parts[i].empty()) return std::nullopt;
      }
      spans[s] = {p, parts.size()};
      p = parts.size();
      continue;
    }
    if (p >= parts.size() || parts[p].empty()) return std::nullopt;
    if (segment.kind == SegmentKind::kLiteral && parts[p] != segment.literal) return std::nullopt;
    spans[s] = {p, p + 1};
    ++p;
  }
  if (p != parts.size()) return std::nullopt;

  PathBindings bindings;
  for (const Variable& v : variables_) {
    const size_t begin = spans[v.first].first;
    const size_t end = spans[v.last - 1].second;
    const bool single = v.last - v.first == 1 && segments_[v.first].kind == SegmentKind::kAny;
    std::vector<absl::string_view> captured(parts.begin() + begin, parts.begin() + end);
    std::optional<std::string> value = PercentDecode(absl::StrJoin(captured, "/"), /*keep_slash=*/!single);
    if (!value.has_value()) return std::nullopt;
    bindings.emplace_back(v.field_path, *std::move(value));
  }
  return bindings;
}

bool PathTemplate::MoreSpecificThan(const PathTemplate& other) const {
  auto rank = [](SegmentKind k) { return k == SegmentKind::kLiteral ? 0 : k == SegmentKind::kAny ? 1 : 2; };
  const size_t n = std::min(segments_.size(), other.segments_.size());
  for (size_t i = 0; i < n; ++i) {
    const int a = rank(segments_[i].kind);
    const int b = rank(other.segments_[i].kind);
    if (a != b) return a < b;
  }
  if (verb_.empty() != other.verb_.empty()) return !verb_.empty();
  return segments_.size() > other.segments_.size();
}

}  // namespace syncd::gateway::transcode
