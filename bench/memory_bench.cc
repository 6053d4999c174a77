// Memory: sync_service's resident memory with 1,000 integrations in the table versus 1,000,000 (by
// default), each measured on a fresh sync_service after it has scheduled for a while and served the
// admin API (list, status) the way the web UI polls it. Integrations are hourly; a share of them is due so
// the dispatcher works during the measurement.
//
//   build/bench/memory_bench [small] [large]
#include <cstdlib>
#include <iostream>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/bench_env.h"
#include "syncd/v1/sync_service.grpc.pb.h"

namespace {

double MeasureRss(int integrations) {
  syncd::bench::BenchEnv env;
  env.StartPostgres();
  env.StartSyncService({});  // applies the migrations; the rows come after
  {
    pqxx::work tx(env.db());
    // 1% are due now; the rest spread over the next hour.
    tx.exec_params(
        "INSERT INTO integrations (name, type, config, sync_interval_seconds, next_sync_at) "
        "SELECT 'mem-' || g, 'DEMO', '{\"records\": 1}', 3600, "
        "  CASE WHEN g % 100 = 0 THEN now() ELSE now() + (g % 3600) * interval '1 second' END "
        "FROM generate_series(1, $1) g",
        integrations);
    tx.commit();
  }
  env.StartWorkers(2, {"--capacity=16"});
  env.WaitForWorkers(2);
  const absl::Time until = absl::Now() + absl::Seconds(20);
  double peak = 0;
  while (absl::Now() < until) {
    for (int i = 0; i < 5; ++i) {
      grpc::ClientContext c1, c2, c3;
      syncd::v1::ListIntegrationsResponse list;
      syncd::v1::GetSyncStatusResponse status;
      syncd::v1::GetWorkerStatusResponse workers;
      (void)env.sync_service().stub().ListIntegrations(&c1, {}, &list);
      (void)env.sync_service().stub().GetSyncStatus(&c2, {}, &status);
      (void)env.sync_service().stub().GetWorkerStatus(&c3, {}, &workers);
    }
    peak = std::max(peak, syncd::bench::BenchEnv::RssMiB(env.sync_service().pid()));
    absl::SleepFor(absl::Milliseconds(500));
  }
  return peak;
}

}  // namespace

int main(int argc, char** argv) {
  const int small = argc > 1 ? std::atoi(argv[1]) : 1'000;
  const int large = argc > 2 ? std::atoi(argv[2]) : 1'000'000;
  const double small_rss = MeasureRss(small);
  const double large_rss = MeasureRss(large);
  std::cout
      << absl::StrFormat(
             "memory: sync_service peak RSS %.1f MiB with %d integrations, %.1f MiB with %d (ratio %.2f)\n",
             small_rss, small, large_rss, large, large_rss / small_rss)
      << std::flush;
  return 0;
}
