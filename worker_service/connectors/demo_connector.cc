#include "worker_service/connectors/demo_connector.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace syncd::worker {
namespace {

double Number(const nlohmann::json& config, const char* key, double fallback) {
  auto it = config.find(key);
  return it != config.end() && it->is_number() ? it->get<double>() : fallback;
}

class DemoConnector final : public Connector {
 public:
  explicit DemoConnector(std::function<double()> uniform01) : uniform01_(std::move(uniform01)) {}

  SyncOutcome Run(const SyncJob& job, SyncContext& context) override {
    const int records = static_cast<int>(Number(job.config, "records", 10));
    const double latency_ms = Number(job.config, "latencyMs", 0);
    const double failure_rate = Number(job.config, "failureRate", 0);
    // ignoreDeadline plays a connector stuck in a call that does not watch for cancellation, so that
    // sync_service's own enforcement of the deadline can be seen.
    auto ignore = job.config.find("ignoreDeadline");
    if (ignore != job.config.end() && ignore->is_boolean() && ignore->get<bool>()) {
      absl::SleepFor(absl::Milliseconds(latency_ms));
    } else if (latency_ms > 0 && !context.Sleep(absl::Milliseconds(latency_ms))) {
      return Stopped(context);
    }
    if (failure_rate > 0 && uniform01_() < failure_rate) {
      auto code = job.config.find("errorCode");
      const std::string error_code =
          code != job.config.end() && code->is_string() ? code->get<std::string>() : "SERVER_ERROR";
      return SyncOutcome::Failure({error_code,
                                   absl::StrCat("The demo source failed this sync on purpose (failureRate ",
                                                failure_rate, ", errorCode ", error_code, ")."),
                                   SuggestionFor(error_code), std::nullopt});
    }
    const int version = static_cast<int>(Number(job.config, "version", 1));
    constexpr int kBatchSize = 500;
    for (int first = 1; first <= records; first += kBatchSize) {
      std::vector<SourceRecord> batch;
      for (int i = first; i < first + kBatchSize && i <= records; ++i) {
        nlohmann::json record = {{"id", i},
                                 {"name", absl::StrCat("Demo record ", i)},
                                 {"version", version},
                                 {"value", i * version}};
        batch.push_back({std::to_string(i), record.dump()});
      }
      absl::StatusOr<BatchCounts> stored = context.EmitRecords(std::move(batch));
      if (!stored.ok()) {
        if (context.Stopped()) return Stopped(context);
        return SyncOutcome::Failure(RecordsNotStoredFailure(stored.status(), ""));
      }
      context.Progress(std::min(records, first + kBatchSize - 1), 1);
    }
    return SyncOutcome::Success(records);
  }

 private:
  static SyncOutcome Stopped(const SyncContext& context) {
    if (absl::Now() >= context.Deadline()) {
      return SyncOutcome::Failure({"TIMEOUT", "The sync did not finish before its deadline.",
                                   SuggestionFor("TIMEOUT"), std::nullopt});
    }
    return SyncOutcome::Failure(
        {"CANCELLED", "The sync was cancelled.", SuggestionFor("CANCELLED"), std::nullopt});
  }

  std::function<double()> uniform01_;
};

}  // namespace

std::unique_ptr<Connector> MakeDemoConnector(std::function<double()> uniform01) {
  return std::make_unique<DemoConnector>(std::move(uniform01));
}

std::string SuggestionFor(const std::string& error_code) {
  if (error_code == "TIMEOUT") {
    return "The source is slow or the sync reads too much: raise syncTimeoutSeconds in the integration's "
           "config, "
           "or lower maxPages/maxRecords.";
  }
  if (error_code == "CANCELLED")
    return "Nothing to fix: the sync was stopped on purpose. Trigger it again if needed.";
  if (error_code == "AUTH_FAILED") {
    return "The source rejected the credentials: create a new token or key and update the integration's auth "
           "settings, then resume the schedule.";
  }
  if (error_code == "NOT_FOUND") {
    return "The source has no such resource: check the URL in the integration's config, then resume the "
           "schedule.";
  }
  if (error_code == "CONFIG_INVALID") {
    return "Fix the integration's config (the message names the setting), then resume the schedule.";
  }
  if (error_code == "RATE_LIMITED") {
    return "The source is limiting requests. Lower maxRequestsPerMinute in the integration's config or sync "
           "it "
           "less often.";
  }
  if (error_code == "SERVER_ERROR") {
    return "The source had an internal error. Check its status page or contact its operator; syncs succeed "
           "again "
           "once it is healthy.";
  }
  if (error_code == "WORKER_LOST") {
    return "Nothing to change in the integration: the sync is retried on another worker.";
  }
  return "Check the worker log lines of this run for details.";
}

}  // namespace syncd::worker
