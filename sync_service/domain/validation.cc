#include "sync_service/domain/validation.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/http_json_config.h"
#include "sync_service/domain/secrets.h"
#include "sync_service/schedule/sync_time.h"

namespace syncd::domain {
namespace {

// Characters, not bytes: a name in Japanese gets the same 200 as one in English.
size_t Utf8Length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

// PostgreSQL stores the character U+0000 neither in text nor in jsonb strings.
constexpr char kNoNul[] = "must not contain the character U+0000 (PostgreSQL cannot store it)";

// How deep a config may nest objects and arrays. Far more than any connector reads, and far less than
// protobuf's limit on the API's side: a google.protobuf.Struct costs two or three nested messages per level
// and protobuf stops at 64 (printing) or 100 (parsing), so a config nested ~30 levels deep could be stored
// but never shown again.
constexpr int kMaxConfigDepth = 16;

// Strings and keys with U+0000 anywhere in `value` (at `path`, e.g. config.body.q, config.items[2]), and
// nesting deeper than kMaxConfigDepth.
void CheckStorable(const nlohmann::json& value, const std::string& path, FieldViolations& out,
                   int depth = 0) {
  if ((value.is_object() || value.is_array()) && depth >= kMaxConfigDepth) {
    out.push_back(
        {path, absl::StrCat("nests objects and arrays more than ", kMaxConfigDepth, " levels deep")});
    return;
  }
  if (value.is_string()) {
    if (value.get_ref<const std::string&>().find('\0') != std::string::npos) out.push_back({path, kNoNul});
  } else if (value.is_object()) {
    for (const auto& [key, member] : value.items()) {
      if (key.find('\0') != std::string::npos) {
        // The key itself is not repeated: it could not be shown as it is.
        out.push_back({path, "must not have keys that contain the character U+0000"});
        continue;
      }
      CheckStorable(member, absl::StrCat(path, ".", key), out, depth + 1);
    }
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) {
      CheckStorable(value[i], absl::StrCat(path, "[", i, "]"), out, depth + 1);
    }
  }
}

void ValidateName(const std::optional<std::string>& name, bool required, FieldViolations& out) {
  if (!name.has_value()) {
    if (required) out.push_back({"name", "is required"});
    return;
  }
  const std::string trimmed = NormalizeName(*name);
  if (trimmed.empty()) {
    out.push_back({"name", "must not be empty"});
  } else if (trimmed.find('\0') != std::string::npos) {
    out.push_back({"name", kNoNul});
  } else if (Utf8Length(trimmed) > kMaxNameLength) {
    out.push_back({"name", absl::StrCat("must be at most ", kMaxNameLength, " characters")});
  }
}

void ValidateHttpJsonConfig(const nlohmann::json& config, FieldViolations& out) {
  // The worker reads the config with the same rules: what is accepted here is what it can use.
  const size_t before = out.size();
  const HttpJsonConfig parsed = ParseHttpJsonConfig(config, out);
  const bool url_ok = std::none_of(out.begin() + before, out.end(),
                                   [](const FieldViolation& v) { return v.field == "config.url"; });
  // The url is shown to everyone who can read the integration; a password has its place in config.auth,
  // which is write-only. (Only refused when saved: stored urls with one still sync.)
  if (url_ok && UrlHasPassword(parsed.url)) {
    out.push_back(
        {"config.url",
         "must not carry a password (user:password@host): it would be shown with the url; put the "
         "credentials in config.auth as {\"kind\": \"basic\", \"username\": ..., \"password\": ...}, "
         "which is kept secret"});
  }
}

void ValidateDemoConfig(const nlohmann::json& config, FieldViolations& out) {
  auto check_number = [&](const char* key, double min, double max, bool whole) {
    auto it = config.find(key);
    if (it == config.end() || it->is_null()) return;
    if (!it->is_number() || it->get<double>() < min || it->get<double>() > max ||
        (whole && std::floor(it->get<double>()) != it->get<double>())) {
      // Bounds as written in the docs: 1000000, not 1e+06.
      auto bound = [](double v) { return absl::StrFormat(std::floor(v) == v ? "%.0f" : "%g", v); };
      out.push_back(
          {absl::StrCat("config.", key), absl::StrCat("must be a ", whole ? "whole " : "", "number between ",
                                                      bound(min), " and ", bound(max))});
    }
  };
  check_number("records", 0, 1'000'000, true);
  check_number("failureRate", 0, 1, false);
  check_number("latencyMs", 0, 600'000, true);
  check_number("version", 0, 1'000'000'000, true);
  auto ignore_deadline = config.find("ignoreDeadline");
  if (ignore_deadline != config.end() && !ignore_deadline->is_null() && !ignore_deadline->is_boolean()) {
    out.push_back({"config.ignoreDeadline", "must be true or false"});
  }
  // It is stored in the history and logged as a token (error_code=...): a code, not free text.
  auto error_code = config.find("errorCode");
  auto is_code = [](const std::string& code) {
    return !code.empty() && code.size() <= 64 && code[0] >= 'A' && code[0] <= 'Z' &&
           std::all_of(code.begin(), code.end(),
                       [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; });
  };
  if (error_code != config.end() && !error_code->is_null() &&
      (!error_code->is_string() || !is_code(error_code->get_ref<const std::string&>()))) {
    out.push_back({"config.errorCode",
                   "must be an error code such as SERVER_ERROR (capital letters, digits and _, at most 64)"});
  }
}

}  // namespace

std::string NormalizeName(const std::string& name) { return std::string(absl::StripAsciiWhitespace(name)); }

bool IsUuid(const std::string& id) {
  if (id.size() != 36) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? id[i] != '-' : !absl::ascii_isxdigit(static_cast<unsigned char>(id[i]))) return false;
  }
  return true;
}

void ValidateInterval(const IntervalInput& interval, const std::string& field, FieldViolations& out,
                      const IntervalRules& rules) {
  switch (interval.kind) {
    case IntervalInput::Kind::kAbsent:
    case IntervalInput::Kind::kNull:
      return;
    case IntervalInput::Kind::kNotANumber:
      out.push_back({field, "must be a number of seconds, or null for manual only"});
      return;
    case IntervalInput::Kind::kNumber:
      break;
  }
  const double s = interval.seconds;
  if (!std::isfinite(s) || std::floor(s) != s) {
    out.push_back({field, "must be a whole number of seconds"});
  } else if (s < rules.min_seconds || s > rules.max_seconds) {
    out.push_back({field, absl::StrCat("must be between ", rules.min_seconds, " and ", rules.max_seconds,
                                       " seconds, or null for manual only")});
  }
}

void ValidateConfig(IntegrationType type, const nlohmann::json& config, FieldViolations& out) {
  if (!config.is_object()) {
    out.push_back({"config", "must be a JSON object"});
    return;
  }
  CheckStorable(config, "config", out);
  // Every connector honours a per-sync deadline.
  auto timeout = config.find("syncTimeoutSeconds");
  if (timeout != config.end() && !timeout->is_null() &&
      (!timeout->is_number() || timeout->get<double>() < 1 || timeout->get<double>() > 86'400)) {
    out.push_back({"config.syncTimeoutSeconds", "must be a number of seconds between 1 and 86400"});
  }
  switch (type) {
    case IntegrationType::kHttpJson:
      ValidateHttpJsonConfig(config, out);
      break;
    case IntegrationType::kDemo:
      ValidateDemoConfig(config, out);
      break;
  }
}

namespace {

// The interval a valid IntervalInput asks for; `unchanged` when it was left out.
std::optional<int32_t> IntervalOf(const IntervalInput& input, std::optional<int32_t> unchanged) {
  switch (input.kind) {
    case IntervalInput::Kind::kNumber:
      return static_cast<int32_t>(input.seconds);
    case IntervalInput::Kind::kNull:
      return std::nullopt;
    default:
      return unchanged;
  }
}

}  // namespace

FieldViolations NewIntegration(const IntegrationChanges& changes, absl::Time now, Integration& out,
                               const IntervalRules& rules) {
  FieldViolations violations = changes.input_violations;
  ValidateName(changes.name, /*required=*/true, violations);
  if (changes.type_unknown) {
    violations.push_back({"type", "must be HTTP_JSON or DEMO"});
  } else if (!changes.type.has_value()) {
    violations.push_back({"type", "is required: HTTP_JSON or DEMO"});
  }
  // What would be stored is what is checked: a masked secret with nothing behind it is dropped first.
  nlohmann::json config = KeepUnchangedSecrets(nlohmann::json::object(),
                                               changes.config.value_or(nlohmann::json::object()), violations);
  if (changes.type.has_value() && !changes.type_unknown) ValidateConfig(*changes.type, config, violations);
  ValidateInterval(changes.sync_interval, "syncInterval", violations, rules);
  if (!violations.empty()) return violations;

  Integration created;
  created.name = NormalizeName(*changes.name);
  created.type = *changes.type;
  created.config = std::move(config);
  created.sync_interval_seconds = IntervalOf(changes.sync_interval, kDefaultSyncIntervalSeconds);
  created.sync_enabled = changes.sync_enabled.value_or(true);
  created.next_sync_at =
      schedule::NextSyncTime(created.sync_interval_seconds, created.sync_enabled, std::nullopt, now);
  created.created_at = now;
  created.updated_at = now;
  out = std::move(created);
  return violations;
}

FieldViolations ApplyChanges(const Integration& current, const IntegrationChanges& changes, absl::Time now,
                             Integration& out, const IntervalRules& rules) {
  FieldViolations violations = changes.input_violations;
  ValidateName(changes.name, /*required=*/false, violations);
  if (changes.type_unknown) violations.push_back({"type", "must be HTTP_JSON or DEMO"});
  ValidateInterval(changes.sync_interval, "syncInterval", violations, rules);

  Integration next = current;
  if (changes.name.has_value()) next.name = NormalizeName(*changes.name);
  if (changes.type.has_value()) next.type = *changes.type;
  if (changes.config.has_value())
    next.config = KeepUnchangedSecrets(current.config, *changes.config, violations);
  if (!changes.type_unknown && (changes.type.has_value() || changes.config.has_value())) {
    // A secret that must be sent again is also missing from the config: report that field once.
    FieldViolations config_violations;
    ValidateConfig(next.type, next.config, config_violations);
    for (FieldViolation& v : config_violations) {
      const bool reported = std::any_of(violations.begin(), violations.end(),
                                        [&](const FieldViolation& r) { return r.field == v.field; });
      if (!reported) violations.push_back(std::move(v));
    }
  }
  if (!violations.empty()) return violations;

  next.sync_interval_seconds = IntervalOf(changes.sync_interval, current.sync_interval_seconds);
  if (changes.sync_enabled.has_value()) next.sync_enabled = *changes.sync_enabled;
  const bool schedule_changed = next.sync_interval_seconds != current.sync_interval_seconds ||
                                next.sync_enabled != current.sync_enabled;
  // A retry that is due keeps its time when the interval changes: the failure streak and its backoff go on
  // (the status stays RETRYING, and says the truth).
  const bool retry_pending = current.retry_count > 0 && current.sync_enabled && next.sync_enabled &&
                             current.next_sync_at.has_value() && next.sync_interval_seconds.has_value();
  if (schedule_changed && !retry_pending) {
    next.next_sync_at =
        schedule::NextSyncTime(next.sync_interval_seconds, next.sync_enabled, current.last_sync_at, now);
  }
  // Resuming is the admin's answer to an automatic pause: the reason and the failure streak go with it.
  if (next.sync_enabled && !current.sync_enabled) {
    next.paused_reason.reset();
    next.retry_count = 0;
  }
  next.updated_at = now;
  out = std::move(next);
  return violations;
}

FieldViolations ValidatePage(int32_t page, int32_t page_size, PageRequest& out, int32_t default_page_size,
                             int32_t max_page_size) {
  FieldViolations violations;
  if (page < 0) violations.push_back({"page", "must be at least 1"});
  if (page_size < 0 || page_size > max_page_size) {
    violations.push_back({"pageSize", absl::StrCat("must be between 1 and ", max_page_size)});
  }
  out.page = page == 0 ? 1 : page;
  out.page_size = page_size == 0 ? default_page_size : page_size;
  return violations;
}

}  // namespace syncd::domain
