#include "worker_service/metrics/worker_metrics.h"

#include "common/metrics.h"

namespace syncd::worker {

WorkerMetrics::WorkerMetrics(prometheus::Registry& registry)
    : syncs_(prometheus::BuildCounter()
                 .Name("syncd_worker_syncs_total")
                 .Help("Syncs this worker ran to the end, by integration type, status and error code")
                 .Register(registry)),
      duration_(prometheus::BuildHistogram()
                    .Name("syncd_worker_sync_duration_seconds")
                    .Help("How long this worker's syncs ran, by integration type and status")
                    .Register(registry)),
      records_(
          prometheus::BuildCounter()
              .Name("syncd_worker_records_read_total")
              .Help("Records this worker's successful syncs read from their sources, by integration type")
              .Register(registry)) {}

void WorkerMetrics::Finished(const SyncJob& job, const SyncOutcome& outcome, absl::Duration took) {
  const std::string type = metrics::BoundedCode(job.type);
  const std::string status = outcome.success ? "SUCCESS" : "FAILED";
  const std::string code = outcome.success ? "" : metrics::BoundedCode(outcome.failure.code);
  Children children;
  {
    absl::MutexLock lock(&mu_);
    auto key = std::make_tuple(type, status, code);
    auto it = children_.find(key);
    if (it == children_.end()) {
      prometheus::Labels labels = {{"type", type}, {"status", status}};
      Children c;
      c.duration = &duration_.Add(labels, metrics::SyncBuckets());
      c.records = &records_.Add({{"type", type}});
      if (!code.empty()) labels["error_code"] = code;
      c.syncs = &syncs_.Add(labels);
      it = children_.emplace(std::move(key), c).first;
    }
    children = it->second;
  }
  children.syncs->Increment();
  children.duration->Observe(absl::ToDoubleSeconds(took));
  if (outcome.success && outcome.records_count > 0) children.records->Increment(outcome.records_count);
}

}  // namespace syncd::worker
