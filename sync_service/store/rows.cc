#include "sync_service/store/rows.h"

#include <algorithm>

namespace syncd::store {

std::optional<absl::Time> TimeOf(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return absl::FromUnixMicros(f.as<int64_t>());
}

std::optional<int64_t> MicrosOf(std::optional<absl::Time> t) {
  if (!t.has_value()) return std::nullopt;
  return absl::ToUnixMicros(*t);
}

domain::Integration IntegrationFromRow(const pqxx::row& row, Columns& c) {
  domain::Integration i;
  i.id = c(row, "id").as<std::string>();
  i.name = c(row, "name").as<std::string>();
  i.type =
      domain::ParseIntegrationType(c(row, "type").as<std::string>()).value_or(domain::IntegrationType::kDemo);
  i.config = nlohmann::json::parse(c(row, "config").as<std::string>());
  i.sync_interval_seconds = Opt<int32_t>(c(row, "sync_interval_seconds"));
  i.sync_enabled = c(row, "sync_enabled").as<bool>();
  i.next_sync_at = TimeOf(c(row, "next_sync_at"));
  i.last_sync_at = TimeOf(c(row, "last_sync_at"));
  if (auto s = Opt<std::string>(c(row, "last_sync_status"))) i.last_sync_status = domain::ParseRunStatus(*s);
  i.last_sync_error = Opt<std::string>(c(row, "last_sync_error"));
  i.retry_count = c(row, "retry_count").as<int32_t>();
  i.paused_reason = Opt<std::string>(c(row, "paused_reason"));
  i.created_at = *TimeOf(c(row, "created_at"));
  i.updated_at = *TimeOf(c(row, "updated_at"));
  i.has_active_run = c(row, "has_active_run").as<bool>();
  return i;
}

domain::SyncRun RunFromRow(const pqxx::row& row, Columns& c) {
  domain::SyncRun r;
  r.id = c(row, "id").as<std::string>();
  r.integration_id = c(row, "integration_id").as<std::string>();
  r.status = domain::ParseRunStatus(c(row, "status").as<std::string>()).value_or(domain::RunStatus::kPending);
  r.trigger =
      domain::ParseRunTrigger(c(row, "trigger").as<std::string>()).value_or(domain::RunTrigger::kManual);
  r.attempt = c(row, "attempt").as<int32_t>();
  r.scheduled_for = *TimeOf(c(row, "scheduled_for"));
  r.created_at = *TimeOf(c(row, "created_at"));
  r.started_at = TimeOf(c(row, "started_at"));
  r.completed_at = TimeOf(c(row, "completed_at"));
  r.duration_ms = Opt<int32_t>(c(row, "duration_ms"));
  r.records_count = c(row, "records_count").as<int32_t>();
  r.records_inserted = c(row, "records_inserted").as<int32_t>();
  r.records_updated = c(row, "records_updated").as<int32_t>();
  r.records_unchanged = c(row, "records_unchanged").as<int32_t>();
  r.error_code = Opt<std::string>(c(row, "error_code"));
  r.error_message = Opt<std::string>(c(row, "error_message"));
  r.suggestion = Opt<std::string>(c(row, "suggestion"));
  r.worker_id = Opt<std::string>(c(row, "worker_id"));
  return r;
}

domain::Integration IntegrationFromRow(const pqxx::row& row) {
  Columns c;
  return IntegrationFromRow(row, c);
}

domain::SyncRun RunFromRow(const pqxx::row& row) {
  Columns c;
  return RunFromRow(row, c);
}

namespace {

// Text from workers may hold bytes PostgreSQL refuses (NUL, broken UTF-8); one bad message must not make a
// whole batch fail, so such bytes become U+FFFD.
std::string ValidText(const std::string& in) {
  std::string out;
  out.reserve(in.size());
  size_t i = 0;
  while (i < in.size()) {
    const auto c = static_cast<unsigned char>(in[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = len > 0 && i + len <= in.size() && c != 0;
    for (size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(in[i + k]) >> 6) == 0x2;
    if (ok) {
      out.append(in, i, len);
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

void AppendQuoted(std::string& out, const std::string& raw) {
  out += '"';
  // Most elements (ids, statuses) are plain ASCII: copied as they are, without a checked copy.
  const bool plain = std::all_of(raw.begin(), raw.end(), [](char c) {
    return c != '\0' && static_cast<unsigned char>(c) < 0x80 && c != '"' && c != '\\';
  });
  if (plain) {
    out += raw;
  } else {
    for (char c : ValidText(raw)) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
  }
  out += '"';
}

// Room for `n` elements of about an id's length, so that a batch's array is built without regrowing.
std::string ArrayStart(size_t n) {
  std::string out;
  out.reserve(2 + n * 40);
  out += '{';
  return out;
}

}  // namespace

std::string TextArray(const std::vector<std::optional<std::string>>& values) {
  std::string out = ArrayStart(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    if (values[i].has_value()) {
      AppendQuoted(out, *values[i]);
    } else {
      out += "NULL";
    }
  }
  out += '}';
  return out;
}

std::string TextArray(const std::vector<std::string>& values) {
  std::string out = ArrayStart(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    AppendQuoted(out, values[i]);
  }
  out += '}';
  return out;
}

std::string BoolArray(const std::vector<bool>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += values[i] ? "t" : "f";
  }
  return out + "}";
}

}  // namespace syncd::store
