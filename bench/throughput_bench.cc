// Throughput: N integrations due at once (default 50,000), DEMO connector with 0 records and no latency,
// one sync_service and two workers, PostgreSQL on the same machine. Prints syncs completed per second, each
// leaving a SUCCESS history row and an advanced nextSyncAt.
//
//   build/bench/throughput_bench [integrations] [worker capacity]
#include <array>
#include <cstdlib>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/bench_env.h"

int main(int argc, char** argv) {
  using syncd::bench::Fail;
  const int integrations = argc > 1 ? std::atoi(argv[1]) : 50'000;
  const int capacity = argc > 2 ? std::atoi(argv[2]) : 512;

  syncd::bench::BenchEnv env;
  env.StartPostgres();
  env.StartSyncService({"--lease=120s"});
  env.StartWorkers(2, {absl::StrCat("--capacity=", capacity)});
  env.WaitForWorkers(2);

  auto cpu_of_services = [&env] {
    double workers = 0;
    for (auto& w : env.workers()) workers += syncd::bench::BenchEnv::CpuSeconds(w->pid());
    return std::array<double, 3>{syncd::bench::BenchEnv::CpuSeconds(env.sync_service().pid()), workers,
                                 env.PostgresCpuSeconds()};
  };
  const std::array<double, 3> cpu_before = cpu_of_services();
  {
    pqxx::work tx(env.db());
    tx.exec_params(
        "INSERT INTO integrations (name, type, config, sync_interval_seconds, next_sync_at) "
        "SELECT 'bench-' || g, 'DEMO', '{\"records\": 0}', 3600, now() + interval '2 seconds' "
        "FROM generate_series(1, $1) g",
        integrations);
    tx.exec("SELECT pg_notify('syncd_dispatch', '')");
    tx.commit();
  }
  std::cout << "inserted " << integrations << " integrations due in 2 s; waiting for their syncs"
            << std::endl;

  const absl::Time give_up = absl::Now() + absl::Minutes(10);
  int done = 0;
  while (absl::Now() < give_up) {
    pqxx::work tx(env.db());
    done = tx.exec1("SELECT count(*) FROM sync_runs WHERE status = 'SUCCESS'")[0].as<int>();
    if (done >= integrations) break;
    // Not more often: each count scans the runs, and the figure comes from the runs' own timestamps.
    absl::SleepFor(absl::Milliseconds(500));
  }
  const std::array<double, 3> cpu_after = cpu_of_services();
  if (done < integrations) Fail(absl::StrCat("only ", done, " of ", integrations, " syncs finished in time"));

  pqxx::work tx(env.db());
  pqxx::row r = tx.exec1(
      "SELECT extract(epoch FROM max(completed_at) - min(started_at)), count(*), "
      "  count(*) FILTER (WHERE status <> 'SUCCESS') FROM sync_runs");
  const double seconds = r[0].as<double>();
  pqxx::row s = tx.exec1(
      "SELECT count(*) FILTER (WHERE next_sync_at > created_at + interval '1 hour'), "
      "  count(*) FILTER (WHERE last_sync_status = 'SUCCESS') FROM integrations");
  std::cout << absl::StrFormat(
                   "throughput: %d syncs in %.2f s = %.0f syncs/s (first start to last completion)\n"
                   "  runs recorded: %d (not SUCCESS: %d); integrations with advanced nextSyncAt: %d, "
                   "lastSyncStatus SUCCESS: %d\n"
                   "  sync_service RSS %.0f MiB; worker capacity %d\n"
                   "  CPU per sync: sync_service %.1f us, workers %.1f us, PostgreSQL %.1f us\n",
                   integrations, seconds, integrations / seconds, r[1].as<int>(), r[2].as<int>(),
                   s[0].as<int>(), s[1].as<int>(), syncd::bench::BenchEnv::RssMiB(env.sync_service().pid()),
                   capacity, (cpu_after[0] - cpu_before[0]) * 1e6 / integrations,
                   (cpu_after[1] - cpu_before[1]) * 1e6 / integrations,
                   (cpu_after[2] - cpu_before[2]) * 1e6 / integrations)
            << std::flush;
  // With SYNCD_TEST_PG_SETTINGS="shared_preload_libraries=pg_stat_statements": where PostgreSQL's time went.
  if (tx.exec1("SELECT count(*) FROM pg_extension WHERE extname = 'pg_stat_statements'")[0].as<int>() > 0 ||
      tx.exec1("SELECT current_setting('shared_preload_libraries') LIKE '%pg_stat_statements%'")[0]
          .as<bool>()) {
    tx.exec("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    std::cout
        << "  PostgreSQL by statement, per sync: exec and plan time (us), calls x rows, buffer hits, WAL:\n";
    for (const auto& row : tx.exec_params(
             "SELECT total_exec_time * 1000 / $1, total_plan_time * 1000 / $1, calls, rows::float8 / calls, "
             "  left(regexp_replace(query, '\\s+', ' ', 'g'), 70), shared_blks_hit::float8 / $1, "
             "  wal_records::float8 / $1, wal_bytes::float8 / $1, jit_functions, "
             "  jit_generation_time + jit_inlining_time + jit_optimization_time + jit_emission_time "
             "FROM pg_stat_statements "
             "WHERE calls > 0 ORDER BY total_exec_time + total_plan_time DESC LIMIT 12",
             integrations)) {
      std::cout << absl::StrFormat(
          "    exec %5.1f plan %4.1f  %6d x %7.1f  blocks %5.1f  WAL %4.1f rec %5.0f B  %s\n",
          row[0].as<double>(), row[1].as<double>(), row[2].as<int>(), row[3].as<double>(),
          row[5].as<double>(), row[6].as<double>(), row[7].as<double>(), row[4].as<std::string>());
      if (row[8].as<int64_t>() > 0) {
        std::cout << absl::StrFormat("      JIT: %d functions compiled in %.1f ms\n", row[8].as<int64_t>(),
                                     row[9].as<double>());
      }
    }
  }
  return 0;
}
