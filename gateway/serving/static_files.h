// Which file of the web UI folder a request path names, refusing anything that could leave the folder,
// and the Content-Type and Cache-Control it is served with.
//
//   StaticTarget t = ResolveStaticPath("/assets/index-3f2a.js");  // t.kind == kFile, t.relative_path
//   ContentTypeFor("assets/index-3f2a.js");                       // "text/javascript; charset=utf-8"
//
// Refused (kRefused): ".." or "." segments, also percent-encoded ("%2e%2e"), encoded slashes ("%2F"),
// backslashes (raw or "%5C"), NUL bytes and malformed escapes. The server also checks that the resolved
// file, with symlinks followed, lies inside the folder.
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace syncd::gateway::serving {

struct StaticTarget {
  enum Kind { kFile, kRefused } kind = kRefused;
  // Relative to the web root, no leading '/'; "index.html" for "/" and for paths ending in '/'.
  std::string relative_path;
  // Why a path was refused, for the error message.
  std::string reason;
  // A path that looks like a UI route rather than a file (no '.' in its last segment): when no such file
  // exists, index.html is served so that the single-page app can route it.
  bool spa_route = false;
};

// `raw_path` is the request path as sent (percent-encoded, no query string).
StaticTarget ResolveStaticPath(absl::string_view raw_path);

// By file extension; "application/octet-stream" when unknown.
std::string ContentTypeFor(absl::string_view relative_path);

// Hashed build output under assets/ never changes under its name: cache it for a year. Everything else
// (index.html above all, which names the current assets) is revalidated on every use.
std::string CacheControlFor(absl::string_view relative_path);

}  // namespace syncd::gateway::serving
