#include "worker_service/connectors/http_page.h"

#include <algorithm>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "worker_service/connectors/http_failures.h"

namespace syncd::worker {
namespace {

using nlohmann::json;

const char* TypeName(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::string:
      return "a string";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return "a number";
    default:
      return "an unknown value";
  }
}

// The value at `pointer`, or nullptr. (json::at throws for a missing key and for a malformed array index;
// both mean "nothing there" here.)
const json* At(const json& document, const std::string& pointer) {
  try {
    return &document.at(json::json_pointer(pointer));
  } catch (const json::exception&) {
    return nullptr;
  }
}

std::string TopLevelKeys(const json& document) {
  if (!document.is_object()) return "";
  std::vector<std::string> keys;
  for (const auto& [key, _] : document.items()) {
    if (keys.size() == 10) {
      keys.push_back("...");
      break;
    }
    keys.push_back(absl::StrCat("\"", key, "\""));
  }
  return absl::StrJoin(keys, ", ");
}

// PostgreSQL stores the character U+0000 neither in text nor in jsonb. A source that sends it (a C string
// padded with NULs, say) gets it removed from every string and key of the record, and from its id; nothing
// else changes.
void EraseNul(std::string& s) { s.erase(std::remove(s.begin(), s.end(), '\0'), s.end()); }

void StripNul(json& value) {
  if (value.is_string()) {
    EraseNul(value.get_ref<std::string&>());
  } else if (value.is_array()) {
    for (json& element : value) StripNul(element);
  } else if (value.is_object()) {
    json stripped = json::object();
    for (auto& [key, member] : value.items()) {
      std::string k = key;
      EraseNul(k);
      StripNul(member);
      stripped[k] = std::move(member);
    }
    value = std::move(stripped);
  }
}

// The record's JSON text, without U+0000 (see StripNul).
std::string RecordText(const json& record) {
  std::string text = record.dump();
  // dump() writes U+0000 as \u0000; the rare record that has it is copied and cleaned.
  if (text.find("\\u0000") == std::string::npos) return text;
  json copy = record;
  StripNul(copy);
  return copy.dump();
}

// The text of a pagination value, or nullopt when it says "no more pages"; `bad` is set for a value that
// cannot be a URL or cursor.
std::optional<std::string> PageLink(const json* value, bool& bad) {
  bad = false;
  if (value == nullptr || value->is_null() || (value->is_boolean() && !value->get<bool>()))
    return std::nullopt;
  if (value->is_string()) {
    const std::string& s = value->get_ref<const std::string&>();
    return s.empty() ? std::nullopt : std::optional<std::string>(s);
  }
  if (value->is_number_integer() || value->is_number_unsigned()) return value->dump();
  bad = true;
  return std::nullopt;
}

bool Unreserved(unsigned char c) {
  return absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

std::string PercentEncode(const std::string& s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (Unreserved(c)) {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

// The byte offset of the first '[' or '{' (outside strings) that opens level max_depth + 1, if any.
std::optional<size_t> TooDeepAt(const std::string& body, int max_depth) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return i;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return std::nullopt;
}

// Whether `value` nests objects and arrays more than `levels` deep (an object or array is one level). The
// page passed TooDeepAt, so the recursion is bounded.
bool NestsDeeperThan(const json& value, int levels) {
  if (!value.is_object() && !value.is_array()) return false;
  if (levels <= 0) return true;
  for (const json& member : value) {
    if (NestsDeeperThan(member, levels - 1)) return true;
  }
  return false;
}

}  // namespace

PageRead ReadPage(const std::string& body, const HttpJsonConfig& config, const PageSource& source) {
  PageRead out;
  if (const std::optional<size_t> at = TooDeepAt(body, kMaxJsonDepth)) {
    out.failure =
        SyncFailure{"BAD_RESPONSE",
                    absl::StrCat("The answer from ", source.host, " on ", source.path, " (page ", source.page,
                                 ") nests arrays and objects too deep: more than ", kMaxJsonDepth,
                                 " levels, at byte offset ", *at, "."),
                    absl::StrCat("syncd reads JSON nested at most ", kMaxJsonDepth,
                                 " levels deep. Check that the url points at the JSON API of ", source.host,
                                 "; if its records really nest this deep, this API cannot be synced as is."),
                    std::nullopt};
    return out;
  }
  json document;
  try {
    document = json::parse(body);
  } catch (const json::parse_error& e) {
    std::string message = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 2: syntax error ...": keep what follows
    // the position (the byte offset is reported separately).
    if (const size_t colon = message.find(": "); colon != std::string::npos)
      message = message.substr(colon + 2);
    // e.byte counts from 1 (the character the parser stopped at); messages give 0-based offsets.
    out.failure =
        NotJsonFailure(source.host, source.path, e.byte > 0 ? e.byte - 1 : 0, message, source.content_type);
    return out;
  }
  const json* records = At(document, config.records_path);
  if (records == nullptr || !records->is_array()) {
    out.failure = RecordsPathFailure(source.host, config.records_path, records == nullptr,
                                     records == nullptr ? "" : TypeName(*records), TopLevelKeys(document));
    return out;
  }
  out.records_on_page = records->size();
  std::map<std::string, size_t> position;
  for (size_t i = 0; i < records->size(); ++i) {
    const json& record = (*records)[i];
    if (!record.is_object()) {
      out.failure = RecordNotObjectFailure(config.records_path, source.page, i, TypeName(record));
      out.records.clear();
      return out;
    }
    if (NestsDeeperThan(record, kMaxRecordDepth)) {
      out.failure = RecordTooDeepFailure(config.records_path, source.page, i, kMaxRecordDepth);
      out.records.clear();
      return out;
    }
    const json* id = At(record, config.id_field);
    std::string external_id;
    if (id == nullptr) {
      out.failure =
          RecordIdFailure(config.records_path, config.id_field, source.page, i, "the field is missing");
    } else if (id->is_string()) {
      external_id = id->get<std::string>();
      EraseNul(external_id);
      if (external_id.empty()) {
        out.failure = RecordIdFailure(config.records_path, config.id_field, source.page, i, "it is empty");
      }
    } else if (id->is_number()) {
      external_id = id->dump();
    } else {
      out.failure = RecordIdFailure(config.records_path, config.id_field, source.page, i,
                                    absl::StrCat("it is ", TypeName(*id), ", not a string or number"));
    }
    if (out.failure.has_value()) {
      out.records.clear();
      return out;
    }
    SourceRecord r{external_id, RecordText(record)};
    if (auto [it, inserted] = position.emplace(external_id, out.records.size()); !inserted) {
      out.records[it->second] = std::move(r);
    } else {
      out.records.push_back(std::move(r));
    }
  }
  bool bad = false;
  if (!config.next_url_path.empty()) {
    out.next_url = PageLink(At(document, config.next_url_path), bad);
    if (bad) {
      out.failure = SyncFailure{
          "BAD_RESPONSE",
          absl::StrCat("The value at nextUrlPath \"", config.next_url_path, "\" on page ", source.page,
                       " is not a URL (a string)."),
          "Set pagination.nextUrlPath to the JSON pointer of the next page's URL in the API's response.",
          std::nullopt};
    }
  } else if (!config.cursor_path.empty()) {
    out.next_cursor = PageLink(At(document, config.cursor_path), bad);
    if (bad) {
      out.failure = SyncFailure{
          "BAD_RESPONSE",
          absl::StrCat("The value at cursorPath \"", config.cursor_path, "\" on page ", source.page,
                       " is not a cursor (a string or whole number)."),
          "Set pagination.cursorPath to the JSON pointer of the next page's cursor in the API's response.",
          std::nullopt};
    }
  }
  if (out.failure.has_value()) out.records.clear();
  return out;
}

std::string WithQueryParam(const std::string& url, const std::string& name, const std::string& value) {
  const size_t hash = url.find('#');
  const std::string fragment = hash == std::string::npos ? "" : url.substr(hash);
  const std::string without_fragment = url.substr(0, hash);
  const size_t question = without_fragment.find('?');
  const std::string base = without_fragment.substr(0, question);
  std::vector<std::string> params;
  if (question != std::string::npos) {
    for (absl::string_view p :
         absl::StrSplit(without_fragment.substr(question + 1), '&', absl::SkipEmpty())) {
      const absl::string_view key = p.substr(0, p.find('='));
      if (key != name && key != PercentEncode(name)) params.emplace_back(p);
    }
  }
  params.push_back(absl::StrCat(PercentEncode(name), "=", PercentEncode(value)));
  return absl::StrCat(base, "?", absl::StrJoin(params, "&"), fragment);
}

std::string UrlPath(const std::string& url) {
  const size_t scheme = url.find("://");
  const size_t start = url.find_first_of("/?#", scheme == std::string::npos ? 0 : scheme + 3);
  if (start == std::string::npos || url[start] != '/') return "/";
  const size_t end = url.find_first_of("?#", start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

}  // namespace syncd::worker
