#include "gateway/serving/static_files.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gateway/transcode/path_template.h"

namespace syncd::gateway::serving {
namespace {

StaticTarget Refused(std::string reason) {
  StaticTarget t;
  t.kind = StaticTarget::kRefused;
  t.reason = std::move(reason);
  return t;
}

}  // namespace

StaticTarget ResolveStaticPath(absl::string_view raw_path) {
  if (!absl::StartsWith(raw_path, "/")) return Refused("the path must start with '/'");
  if (absl::StrContains(raw_path, '\\')) return Refused("the path holds a backslash");
  std::vector<std::string> segments;
  std::vector<absl::string_view> raw_segments = absl::StrSplit(raw_path.substr(1), '/');
  for (size_t i = 0; i < raw_segments.size(); ++i) {
    absl::string_view raw = raw_segments[i];
    if (raw.empty()) {
      if (i + 1 == raw_segments.size()) break;  // a trailing '/'
      return Refused("the path has an empty segment");
    }
    std::optional<std::string> decoded = transcode::PercentDecode(raw);
    if (!decoded.has_value()) return Refused("the path has a malformed percent-encoding or a NUL byte");
    if (absl::StrContains(*decoded, '/')) return Refused("the path holds an encoded slash");
    if (absl::StrContains(*decoded, '\\')) return Refused("the path holds a backslash");
    if (*decoded == "." || *decoded == "..") return Refused("the path has a '.' or '..' segment");
    segments.push_back(*std::move(decoded));
  }
  StaticTarget t;
  t.kind = StaticTarget::kFile;
  if (segments.empty() || absl::EndsWith(raw_path, "/")) segments.push_back("index.html");
  t.spa_route = !absl::StrContains(segments.back(), '.');
  t.relative_path = absl::StrJoin(segments, "/");
  return t;
}

std::string ContentTypeFor(absl::string_view relative_path) {
  const size_t dot = relative_path.rfind('.');
  const std::string ext =
      dot == absl::string_view::npos ? std::string() : absl::AsciiStrToLower(relative_path.substr(dot + 1));
  static const std::pair<const char*, const char*> kTypes[] = {
      {"html", "text/html; charset=utf-8"},
      {"htm", "text/html; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"json", "application/json"},
      {"map", "application/json"},
      {"webmanifest", "application/manifest+json"},
      {"txt", "text/plain; charset=utf-8"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"avif", "image/avif"},
      {"ico", "image/x-icon"},
      {"woff", "font/woff"},
      {"woff2", "font/woff2"},
      {"ttf", "font/ttf"},
      {"otf", "font/otf"},
      {"wasm", "application/wasm"},
      {"xml", "application/xml"},
      {"pdf", "application/pdf"},
  };
  for (const auto& [e, type] : kTypes) {
    if (ext == e) return type;
  }
  return "application/octet-stream";
}

std::string CacheControlFor(absl::string_view relative_path) {
  if (absl::StartsWith(relative_path, "assets/")) return "public, max-age=31536000, immutable";
  return "no-cache";
}

}  // namespace syncd::gateway::serving
