// The sync loop's Prometheus families: syncs started, succeeded and failed (by trigger and error code),
// their duration, the schedule lag, retries, pauses and records. Counted where it happens: a start when a
// claim hands a run to a worker, an end when FinishRuns commits it (worker results and expired leases
// alike), so the counters are exact, not estimated. The labelled children are created up front or cached,
// so counting costs an atomic add, not a family lookup, per sync.
//
//   SyncMetrics sync_metrics(metrics.registry());
//   dispatch_store.SetFinishedObserver([&](const auto& runs) { sync_metrics.Finished(runs); });
//   options.metrics = &sync_metrics;  // DispatcherOptions: counts starts
#pragma once

#include <array>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "sync_service/domain/model.h"
#include "sync_service/store/dispatch_store.h"

namespace syncd::dispatch {

class SyncMetrics {
 public:
  explicit SyncMetrics(prometheus::Registry& registry);

  // A run was handed to a worker.
  void Started(const domain::SyncRun& run);
  // Runs ended, as committed.
  void Finished(const std::vector<store::FinishedRun>& runs);

 private:
  static constexpr int kTriggers = 3;  // SCHEDULED, MANUAL, RETRY
  static int Index(domain::RunTrigger trigger);
  prometheus::Counter& Failed(int trigger, const std::string& code);

  prometheus::Family<prometheus::Counter>& failed_family_;
  std::array<prometheus::Counter*, kTriggers> started_{};
  std::array<prometheus::Counter*, kTriggers> succeeded_{};
  std::array<prometheus::Histogram*, kTriggers> lag_{};
  prometheus::Histogram& duration_success_;
  prometheus::Histogram& duration_failed_;
  prometheus::Counter& retries_;
  prometheus::Counter& pauses_;
  prometheus::Counter& inserted_;
  prometheus::Counter& updated_;

  absl::Mutex mu_;
  std::map<std::pair<int, std::string>, prometheus::Counter*> failed_ ABSL_GUARDED_BY(mu_);
};

}  // namespace syncd::dispatch
