// google.api.http path templates: parsing and matching request paths against them.
//
// Grammar (google/api/http.proto):
//   Template = "/" Segments [ Verb ] ;  Segments = Segment { "/" Segment } ;
//   Segment  = "*" | "**" | LITERAL | Variable ;  Variable = "{" FieldPath [ "=" Segments ] "}" ;
//   Verb     = ":" LITERAL ;
//
//   absl::StatusOr<PathTemplate> t = PathTemplate::Parse("/api/integrations/{id}/sync");
//   std::optional<PathBindings> b = t->Match("/api/integrations/3f1c.../sync");  // {{"id", "3f1c..."}}
//
// Match() takes the raw (still percent-encoded) path, so an encoded slash ("%2F") never splits a segment.
// A single-segment variable's value is fully percent-decoded; a multi-segment one keeps "%2F" encoded (the
// "reserved expansion" of the spec), so a value never gains a slash the client did not send.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace syncd::gateway::transcode {

// (field path, value) pairs in the order the template names them: {"id", "3f1c..."}.
using PathBindings = std::vector<std::pair<std::string, std::string>>;

class PathTemplate {
 public:
  enum class SegmentKind { kLiteral, kAny /* "*" */, kAnyMany /* "**" */ };
  struct Segment {
    SegmentKind kind = SegmentKind::kLiteral;
    std::string literal;
  };
  struct Variable {
    std::string field_path;
    // Template segments [first, last) that the variable captures.
    int first = 0;
    int last = 0;
  };

  static absl::StatusOr<PathTemplate> Parse(absl::string_view text);

  // The bindings when `raw_path` (no query string) matches; nullopt otherwise (also for a malformed
  // percent-encoding).
  std::optional<PathBindings> Match(absl::string_view raw_path) const;

  // Orders templates so that the more specific is tried first: at the first segment where they differ,
  // a literal beats "*", which beats "**"; a template with a verb beats one without.
  bool MoreSpecificThan(const PathTemplate& other) const;

  const std::string& text() const { return text_; }
  const std::vector<Segment>& segments() const { return segments_; }
  const std::vector<Variable>& variables() const { return variables_; }
  const std::string& verb() const { return verb_; }

 private:
  std::string text_;
  std::vector<Segment> segments_;
  std::vector<Variable> variables_;
  std::string verb_;
};

// Decodes %XX escapes. `keep_slash` leaves "%2F" encoded. nullopt for a malformed escape or a decoded NUL.
std::optional<std::string> PercentDecode(absl::string_view text, bool keep_slash = false);

}  // namespace syncd::gateway::transcode
