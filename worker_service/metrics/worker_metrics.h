// A worker's Prometheus families: the syncs it ran by type and outcome, how long they took and how many
// records they read. Children are cached per (type, outcome), so counting a sync is an atomic add.
//
//   WorkerMetrics worker_metrics(metrics.registry());
//   options.on_finished = [&](const SyncJob& job, const SyncOutcome& outcome, absl::Duration took) {
//     worker_metrics.Finished(job, outcome, took);
//   };
#pragma once

#include <map>
#include <string>
#include <tuple>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "worker_service/connectors/connector.h"

namespace syncd::worker {

class WorkerMetrics {
 public:
  explicit WorkerMetrics(prometheus::Registry& registry);
  void Finished(const SyncJob& job, const SyncOutcome& outcome, absl::Duration took);

 private:
  struct Children {
    prometheus::Counter* syncs;
    prometheus::Histogram* duration;
    prometheus::Counter* records;
  };
  prometheus::Family<prometheus::Counter>& syncs_;
  prometheus::Family<prometheus::Histogram>& duration_;
  prometheus::Family<prometheus::Counter>& records_;
  absl::Mutex mu_;
  // (type, status, error code)
  std::map<std::tuple<std::string, std::string, std::string>, Children> children_ ABSL_GUARDED_BY(mu_);
};

}  // namespace syncd::worker
