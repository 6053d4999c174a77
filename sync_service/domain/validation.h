// The rules a request must meet before anything is stored. Each rule reports the JSON name of the field it
// rejects, so the UI can show the error next to that field.
//
//   IntegrationChanges changes = ...;  // from a CreateIntegration request
//   FieldViolations violations = ValidateCreate(changes);
//   if (!violations.empty()) return InvalidArgumentError(violations);
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/field_violation.h"
#include "sync_service/domain/model.h"

namespace syncd::domain {

inline constexpr int32_t kMinSyncIntervalSeconds = 60;
inline constexpr int32_t kMaxSyncIntervalSeconds = 7 * 24 * 3600;
inline constexpr int32_t kDefaultSyncIntervalSeconds = 3600;
inline constexpr int32_t kSyncIntervalPresets[] = {300, 900, 1800, 3600, 21600, 86400};
inline constexpr size_t kMaxNameLength = 200;
inline constexpr int32_t kDefaultPageSize = 20;
inline constexpr int32_t kMaxPageSize = 100;
inline constexpr int32_t kDefaultIntegrationPageSize = 100;
inline constexpr int32_t kMaxIntegrationPageSize = 1000;

// The interval range the service accepts. Operators may lower the minimum (--min_sync_interval) for demos
// and tests; the API documents the defaults.
struct IntervalRules {
  int32_t min_seconds = kMinSyncIntervalSeconds;
  int32_t max_seconds = kMaxSyncIntervalSeconds;
};

// A sync interval as a request gave it: left out, null (manual only), a number, or something else.
struct IntervalInput {
  enum class Kind { kAbsent, kNull, kNumber, kNotANumber };
  Kind kind = Kind::kAbsent;
  double seconds = 0;

  static IntervalInput Absent() { return {}; }
  static IntervalInput Null() { return {Kind::kNull, 0}; }
  static IntervalInput Number(double s) { return {Kind::kNumber, s}; }
  static IntervalInput NotANumber() { return {Kind::kNotANumber, 0}; }
};

// What a create or update request asks for; nullopt/kAbsent = left out.
struct IntegrationChanges {
  std::optional<std::string> name;
  std::optional<IntegrationType> type;
  // Set when the request named a type that syncd does not know.
  bool type_unknown = false;
  std::optional<nlohmann::json> config;
  // What reading the request found that no JSON can hold (a NaN number in the config), by field.
  FieldViolations input_violations;
  IntervalInput sync_interval;
  std::optional<bool> sync_enabled;
};

// Checks a sync interval and reports it under `field`.
void ValidateInterval(const IntervalInput& interval, const std::string& field, FieldViolations& out,
                      const IntervalRules& rules = {});

// A new integration from a create request: name and type required, defaults for what is left out, and
// due at once when enabled with an interval. Fills `out` only when there are no violations.
FieldViolations NewIntegration(const IntegrationChanges& changes, absl::Time now, Integration& out,
                               const IntervalRules& rules = {});

// `current` with the changes of an update request applied: what is left out stays, the next sync time
// follows the new settings. The merged result is validated (a new type is checked against the config the
// integration will have). Fills `out` only when there are no violations.
FieldViolations ApplyChanges(const Integration& current, const IntegrationChanges& changes, absl::Time now,
                             Integration& out, const IntervalRules& rules = {});

// Connector settings that cannot work are rejected when saved, not at the first sync.
void ValidateConfig(IntegrationType type, const nlohmann::json& config, FieldViolations& out);

// Normalises a 1-based page request: 0 means the default. Reports `page` and `pageSize`.
struct PageRequest {
  int32_t page = 1;
  int32_t page_size = kDefaultPageSize;
};
FieldViolations ValidatePage(int32_t page, int32_t page_size, PageRequest& out,
                             int32_t default_page_size = kDefaultPageSize,
                             int32_t max_page_size = kMaxPageSize);

// Trims surrounding whitespace: names are compared and shown trimmed.
std::string NormalizeName(const std::string& name);

// True for the canonical textual form of a UUID (8-4-4-4-12 hex digits).
bool IsUuid(const std::string& id);

}  // namespace syncd::domain
