#include "sync_service/api/convert.h"

#include <google/protobuf/stubs/strutil.h>
#include <google/protobuf/util/time_util.h>

#include <cmath>

#include "absl/strings/str_cat.h"
#include "sync_service/domain/secrets.h"

namespace syncd::api {
namespace {

using google::protobuf::util::TimeUtil;

google::protobuf::Timestamp Ts(absl::Time t) { return TimestampOf(t); }

v1::SyncRun::Status RunStatusToProto(domain::RunStatus s) {
  switch (s) {
    case domain::RunStatus::kPending:
      return v1::SyncRun::PENDING;
    case domain::RunStatus::kRunning:
      return v1::SyncRun::RUNNING;
    case domain::RunStatus::kSuccess:
      return v1::SyncRun::SUCCESS;
    case domain::RunStatus::kFailed:
      return v1::SyncRun::FAILED;
    case domain::RunStatus::kCancelled:
      return v1::SyncRun::CANCELLED;
  }
  return v1::SyncRun::STATUS_UNSPECIFIED;
}

v1::Integration::Status IntegrationStatusToProto(domain::IntegrationStatus s) {
  switch (s) {
    case domain::IntegrationStatus::kActive:
      return v1::Integration::ACTIVE;
    case domain::IntegrationStatus::kSyncing:
      return v1::Integration::SYNCING;
    case domain::IntegrationStatus::kRetrying:
      return v1::Integration::RETRYING;
    case domain::IntegrationStatus::kPaused:
      return v1::Integration::PAUSED;
    case domain::IntegrationStatus::kManualOnly:
      return v1::Integration::MANUAL_ONLY;
  }
  return v1::Integration::STATUS_UNSPECIFIED;
}

v1::SyncRun::Trigger TriggerToProto(domain::RunTrigger t) {
  switch (t) {
    case domain::RunTrigger::kScheduled:
      return v1::SyncRun::SCHEDULED;
    case domain::RunTrigger::kManual:
      return v1::SyncRun::MANUAL;
    case domain::RunTrigger::kRetry:
      return v1::SyncRun::RETRY;
  }
  return v1::SyncRun::TRIGGER_UNSPECIFIED;
}

nlohmann::json JsonFromValue(const google::protobuf::Value& v, const std::string& path, FieldViolations& out);

nlohmann::json JsonFromStruct(const google::protobuf::Struct& s, const std::string& path,
                              FieldViolations& out) {
  nlohmann::json object = nlohmann::json::object();
  for (const auto& [key, value] : s.fields())
    object[key] = JsonFromValue(value, absl::StrCat(path, ".", key), out);
  return object;
}

// protobuf's JSON mapping of a Value, walked directly: printing it as text and parsing that again failed on
// configs nested deeper than protobuf's printer goes (and threw). A number keeps the form protobuf prints
// ("3", not "3.0"), so stored configs read as they did.
nlohmann::json JsonFromValue(const google::protobuf::Value& v, const std::string& path,
                             FieldViolations& out) {
  switch (v.kind_case()) {
    case google::protobuf::Value::kNumberValue:
      if (!std::isfinite(v.number_value())) {
        out.push_back({path, "must be a finite number (JSON has no NaN or Infinity)"});
        return nullptr;
      }
      return nlohmann::json::parse(google::protobuf::SimpleDtoa(v.number_value()));
    case google::protobuf::Value::kStringValue:
      return v.string_value();
    case google::protobuf::Value::kBoolValue:
      return v.bool_value();
    case google::protobuf::Value::kStructValue:
      return JsonFromStruct(v.struct_value(), path, out);
    case google::protobuf::Value::kListValue: {
      nlohmann::json list = nlohmann::json::array();
      for (int i = 0; i < v.list_value().values_size(); ++i) {
        list.push_back(JsonFromValue(v.list_value().values(i), absl::StrCat(path, "[", i, "]"), out));
      }
      return list;
    }
    default:  // null, or no kind at all
      return nullptr;
  }
}

}  // namespace

namespace {

void ToValue(const nlohmann::json& json, google::protobuf::Value& out);

void ToStruct(const nlohmann::json& object, google::protobuf::Struct& out) {
  auto& fields = *out.mutable_fields();
  for (const auto& [key, value] : object.items()) ToValue(value, fields[key]);
}

// JSON's data model onto google.protobuf.Value, as protobuf's JSON parser maps it (every number a double).
void ToValue(const nlohmann::json& json, google::protobuf::Value& out) {
  switch (json.type()) {
    case nlohmann::json::value_t::boolean:
      out.set_bool_value(json.get<bool>());
      break;
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float:
      out.set_number_value(json.get<double>());
      break;
    case nlohmann::json::value_t::string:
      out.set_string_value(json.get_ref<const std::string&>());
      break;
    case nlohmann::json::value_t::array: {
      google::protobuf::ListValue& list = *out.mutable_list_value();
      for (const auto& element : json) ToValue(element, *list.add_values());
      break;
    }
    case nlohmann::json::value_t::object:
      ToStruct(json, *out.mutable_struct_value());
      break;
    default:  // null (binary and discarded values do not come from parsed JSON)
      out.set_null_value(google::protobuf::NULL_VALUE);
      break;
  }
}

}  // namespace

// Built from the parsed JSON directly rather than printed and parsed again with JsonStringToMessage, which
// in protobuf 3.21 rebuilds type information on every call (a tenth of sync_service's CPU per
// GetIntegration). The same mapping: convert_test checks it against protobuf's parser.
google::protobuf::Struct StructFromJson(const nlohmann::json& json) {
  google::protobuf::Struct out;
  if (json.is_object()) ToStruct(json, out);
  return out;
}

google::protobuf::Timestamp TimestampOf(absl::Time t) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
}

absl::Time TimeOf(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(ts));
}

void ToProto(const domain::Integration& in, v1::Integration& out) {
  out.set_id(in.id);
  out.set_name(in.name);
  out.set_type(in.type == domain::IntegrationType::kHttpJson ? v1::Integration::HTTP_JSON
                                                             : v1::Integration::DEMO);
  // Secrets are write-only: responses show that they are set, never their value.
  *out.mutable_config() = StructFromJson(domain::RedactSecrets(in.config));
  out.set_status(IntegrationStatusToProto(domain::StatusOf(in)));
  if (in.sync_interval_seconds.has_value()) {
    out.mutable_sync_interval()->set_number_value(*in.sync_interval_seconds);
  } else {
    out.mutable_sync_interval()->set_null_value(google::protobuf::NULL_VALUE);
  }
  out.set_sync_enabled(in.sync_enabled);
  if (in.next_sync_at) *out.mutable_next_sync_at() = Ts(*in.next_sync_at);
  if (in.last_sync_at) *out.mutable_last_sync() = Ts(*in.last_sync_at);
  if (in.last_sync_status) out.set_last_sync_status(RunStatusToProto(*in.last_sync_status));
  if (in.last_sync_error) out.set_last_sync_error(*in.last_sync_error);
  out.set_retry_count(in.retry_count);
  if (in.paused_reason) out.set_paused_reason(*in.paused_reason);
  *out.mutable_created_at() = Ts(in.created_at);
  *out.mutable_updated_at() = Ts(in.updated_at);
}

void ToProto(const domain::SyncRun& in, v1::SyncRun& out) {
  out.set_id(in.id);
  out.set_integration_id(in.integration_id);
  out.set_status(RunStatusToProto(in.status));
  out.set_trigger(TriggerToProto(in.trigger));
  out.set_attempt(in.attempt);
  *out.mutable_scheduled_for() = Ts(in.scheduled_for);
  *out.mutable_created_at() = Ts(in.created_at);
  if (in.started_at) *out.mutable_started_at() = Ts(*in.started_at);
  if (in.completed_at) *out.mutable_completed_at() = Ts(*in.completed_at);
  if (in.duration_ms) out.set_duration(*in.duration_ms);
  out.set_records_count(in.records_count);
  out.set_records_inserted(in.records_inserted);
  out.set_records_updated(in.records_updated);
  out.set_records_unchanged(in.records_unchanged);
  if (in.error_code) out.set_error_code(*in.error_code);
  if (in.error_message) out.set_error_message(*in.error_message);
  if (in.suggestion) out.set_suggestion(*in.suggestion);
  if (in.worker_id) out.set_worker_id(*in.worker_id);
}

void ToProto(const domain::SyncedRecord& in, v1::SyncedRecord& out) {
  out.set_external_id(in.external_id);
  // Stored JSONB is always a JSON object.
  *out.mutable_data() =
      StructFromJson(nlohmann::json::parse(in.data_json, nullptr, /*allow_exceptions=*/false));
  *out.mutable_first_synced_at() = Ts(in.first_synced_at);
  *out.mutable_last_synced_at() = Ts(in.last_synced_at);
  out.set_last_run_id(in.last_run_id);
}

domain::IntervalInput IntervalFromProto(bool has_value, const google::protobuf::Value& value) {
  if (!has_value) return domain::IntervalInput::Absent();
  switch (value.kind_case()) {
    case google::protobuf::Value::kNullValue:
      return domain::IntervalInput::Null();
    case google::protobuf::Value::kNumberValue:
      return domain::IntervalInput::Number(value.number_value());
    case google::protobuf::Value::KIND_NOT_SET:
      // A Value message with nothing in it: treat like left out.
      return domain::IntervalInput::Absent();
    default:
      return domain::IntervalInput::NotANumber();
  }
}

domain::IntegrationChanges ChangesFromProto(const v1::Integration& in) {
  domain::IntegrationChanges c;
  if (in.has_name()) c.name = in.name();
  switch (in.type()) {
    case v1::Integration::HTTP_JSON:
      c.type = domain::IntegrationType::kHttpJson;
      break;
    case v1::Integration::DEMO:
      c.type = domain::IntegrationType::kDemo;
      break;
    case v1::Integration::TYPE_UNSPECIFIED:
      break;
    default:
      c.type_unknown = true;
  }
  if (in.has_config()) c.config = JsonFromStruct(in.config(), "config", c.input_violations);
  c.sync_interval = IntervalFromProto(in.has_sync_interval(), in.sync_interval());
  if (in.has_sync_enabled()) c.sync_enabled = in.sync_enabled();
  return c;
}

domain::IntegrationChanges ChangesFromProto(const v1::UpdateSyncSettingsRequest& in) {
  domain::IntegrationChanges c;
  c.sync_interval = IntervalFromProto(in.has_sync_interval(), in.sync_interval());
  if (in.has_sync_enabled()) c.sync_enabled = in.sync_enabled();
  return c;
}

}  // namespace syncd::api
