#include "sync_service/dispatch/sync_metrics.h"

#include <algorithm>

#include "common/metrics.h"

namespace syncd::dispatch {
namespace {

constexpr domain::RunTrigger kAllTriggers[] = {domain::RunTrigger::kScheduled, domain::RunTrigger::kManual,
                                               domain::RunTrigger::kRetry};

prometheus::Histogram& Duration(prometheus::Registry& registry, const char* status) {
  return prometheus::BuildHistogram()
      .Name("syncd_sync_duration_seconds")
      .Help("How long finished syncs ran, from start to completion, by outcome")
      .Register(registry)
      .Add({{"status", status}}, metrics::SyncBuckets());
}

prometheus::Counter& Plain(prometheus::Registry& registry, const char* name, const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add({});
}

}  // namespace

SyncMetrics::SyncMetrics(prometheus::Registry& registry)
    : failed_family_(prometheus::BuildCounter()
                         .Name("syncd_syncs_failed_total")
                         .Help("Syncs that ended in failure, by trigger and error code")
                         .Register(registry)),
      duration_success_(Duration(registry, "SUCCESS")),
      duration_failed_(Duration(registry, "FAILED")),
      retries_(Plain(registry, "syncd_sync_retries_scheduled_total",
                     "Failed syncs after which a retry was scheduled (with backoff)")),
      pauses_(Plain(registry, "syncd_integration_pauses_total",
                    "Failed syncs that paused their integration's schedule (retries exhausted or a failure "
                    "retrying cannot fix)")),
      inserted_(Plain(registry, "syncd_records_inserted_total", "Records that finished syncs stored as new")),
      updated_(Plain(registry, "syncd_records_updated_total", "Records that finished syncs changed")) {
  auto& started = prometheus::BuildCounter()
                      .Name("syncd_syncs_started_total")
                      .Help("Syncs handed to a worker, by trigger")
                      .Register(registry);
  auto& succeeded = prometheus::BuildCounter()
                        .Name("syncd_syncs_succeeded_total")
                        .Help("Syncs that ended successfully, by trigger")
                        .Register(registry);
  auto& lag = prometheus::BuildHistogram()
                  .Name("syncd_schedule_lag_seconds")
                  .Help("How late syncs started: start time minus the time they were due, by trigger")
                  .Register(registry);
  for (domain::RunTrigger t : kAllTriggers) {
    const prometheus::Labels labels = {{"trigger", std::string(domain::Name(t))}};
    started_[Index(t)] = &started.Add(labels);
    succeeded_[Index(t)] = &succeeded.Add(labels);
    lag_[Index(t)] = &lag.Add(labels, metrics::SyncBuckets());
  }
}

int SyncMetrics::Index(domain::RunTrigger trigger) {
  switch (trigger) {
    case domain::RunTrigger::kScheduled:
      return 0;
    case domain::RunTrigger::kManual:
      return 1;
    case domain::RunTrigger::kRetry:
      return 2;
  }
  return 0;
}

prometheus::Counter& SyncMetrics::Failed(int trigger, const std::string& code) {
  absl::MutexLock lock(&mu_);
  auto key = std::make_pair(trigger, metrics::BoundedCode(code));
  auto it = failed_.find(key);
  if (it == failed_.end()) {
    prometheus::Counter& c = failed_family_.Add(
        {{"trigger", std::string(domain::Name(kAllTriggers[trigger]))}, {"error_code", key.second}});
    it = failed_.emplace(std::move(key), &c).first;
  }
  return *it->second;
}

void SyncMetrics::Started(const domain::SyncRun& run) {
  const int t = Index(run.trigger);
  started_[t]->Increment();
  if (run.started_at) {
    lag_[t]->Observe(std::max(0.0, absl::ToDoubleSeconds(*run.started_at - run.scheduled_for)));
  }
}

void SyncMetrics::Finished(const std::vector<store::FinishedRun>& runs) {
  for (const store::FinishedRun& r : runs) {
    const int t = Index(r.trigger);
    const double seconds = absl::ToDoubleSeconds(r.duration);
    if (r.success) {
      succeeded_[t]->Increment();
      duration_success_.Observe(seconds);
    } else {
      Failed(t, r.error_code).Increment();
      duration_failed_.Observe(seconds);
    }
    if (r.retry_scheduled) retries_.Increment();
    if (r.paused) pauses_.Increment();
    if (r.records_inserted > 0) inserted_.Increment(r.records_inserted);
    if (r.records_updated > 0) updated_.Increment(r.records_updated);
  }
}

}  // namespace syncd::dispatch
