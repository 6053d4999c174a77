// Precision: N integrations (default 10,000) with 60 s intervals spread evenly over the minute, run for
// M minutes (default 3). Lag = startedAt - scheduledFor of every run: prints p50, p99 and max.
//
//   build/bench/precision_bench [integrations] [minutes]
#include <cstdlib>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/bench_env.h"

int main(int argc, char** argv) {
  const int integrations = argc > 1 ? std::atoi(argv[1]) : 10'000;
  const int minutes = argc > 2 ? std::atoi(argv[2]) : 3;

  syncd::bench::BenchEnv env;
  env.StartPostgres();
  env.StartSyncService({});
  env.StartWorkers(2, {"--capacity=32"});
  env.WaitForWorkers(2);

  {
    pqxx::work tx(env.db());
    // Spread the first syncs over one minute, starting 5 s from now.
    tx.exec_params(
        "INSERT INTO integrations (name, type, config, sync_interval_seconds, next_sync_at) "
        "SELECT 'precision-' || g, 'DEMO', '{\"records\": 10}', 60, "
        "  now() + interval '5 seconds' + (g * 60000.0 / $1) * interval '1 millisecond' "
        "FROM generate_series(0, $1 - 1) g",
        integrations);
    tx.exec("SELECT pg_notify('syncd_dispatch', '')");
    tx.commit();
  }
  std::cout << "inserted " << integrations
            << " integrations (60 s interval, spread over a minute); running for " << minutes << " min"
            << std::endl;
  absl::SleepFor(absl::Seconds(5) + absl::Minutes(minutes));

  pqxx::work tx(env.db());
  pqxx::row r = tx.exec1(
      "SELECT count(*), "
      "  percentile_cont(0.5) WITHIN GROUP (ORDER BY lag), percentile_cont(0.99) WITHIN GROUP (ORDER BY "
      "lag), "
      "  max(lag), count(*) FILTER (WHERE status = 'SUCCESS') "
      "FROM (SELECT extract(epoch FROM started_at - scheduled_for) * 1000 AS lag, status FROM sync_runs "
      "      WHERE started_at IS NOT NULL) l");
  std::cout << absl::StrFormat(
                   "precision: %d runs (%d SUCCESS) of %d integrations over %d min\n"
                   "  lag startedAt - scheduledFor: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n"
                   "  sync_service RSS %.0f MiB\n",
                   r[0].as<int>(), r[4].as<int>(), integrations, minutes, r[1].as<double>(),
                   r[2].as<double>(), r[3].as<double>(),
                   syncd::bench::BenchEnv::RssMiB(env.sync_service().pid()))
            << std::flush;
  return 0;
}
