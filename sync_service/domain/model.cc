#include "sync_service/domain/model.h"

#include <array>
#include <utility>

namespace syncd::domain {
namespace {

template <typename E, size_t N>
std::string_view NameIn(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
  for (const auto& [e, name] : table) {
    if (e == value) return name;
  }
  return "";
}

template <typename E, size_t N>
std::optional<E> ParseIn(const std::array<std::pair<E, std::string_view>, N>& table, std::string_view name) {
  for (const auto& [e, n] : table) {
    if (n == name) return e;
  }
  return std::nullopt;
}

constexpr std::array<std::pair<IntegrationType, std::string_view>, 2> kTypes = {{
    {IntegrationType::kHttpJson, "HTTP_JSON"},
    {IntegrationType::kDemo, "DEMO"},
}};
constexpr std::array<std::pair<RunStatus, std::string_view>, 5> kRunStatuses = {{
    {RunStatus::kPending, "PENDING"},
    {RunStatus::kRunning, "RUNNING"},
    {RunStatus::kSuccess, "SUCCESS"},
    {RunStatus::kFailed, "FAILED"},
    {RunStatus::kCancelled, "CANCELLED"},
}};
constexpr std::array<std::pair<RunTrigger, std::string_view>, 3> kTriggers = {{
    {RunTrigger::kScheduled, "SCHEDULED"},
    {RunTrigger::kManual, "MANUAL"},
    {RunTrigger::kRetry, "RETRY"},
}};

}  // namespace

std::string_view Name(IntegrationType type) { return NameIn(kTypes, type); }
std::string_view Name(RunStatus status) { return NameIn(kRunStatuses, status); }
std::string_view Name(RunTrigger trigger) { return NameIn(kTriggers, trigger); }
std::optional<IntegrationType> ParseIntegrationType(std::string_view name) { return ParseIn(kTypes, name); }
std::optional<RunStatus> ParseRunStatus(std::string_view name) { return ParseIn(kRunStatuses, name); }
std::optional<RunTrigger> ParseRunTrigger(std::string_view name) { return ParseIn(kTriggers, name); }

IntegrationStatus StatusOf(const Integration& integration) {
  if (integration.has_active_run) return IntegrationStatus::kSyncing;
  if (!integration.sync_enabled) return IntegrationStatus::kPaused;
  if (integration.retry_count > 0 && integration.next_sync_at.has_value())
    return IntegrationStatus::kRetrying;
  if (!integration.sync_interval_seconds.has_value()) return IntegrationStatus::kManualOnly;
  return IntegrationStatus::kActive;
}

}  // namespace syncd::domain
