// Gateway overhead: GET /api/integrations/{id} through the gateway against the same GetIntegration called
// directly over gRPC, at the same concurrency, on the same machine. One command sets up PostgreSQL,
// sync_service and the gateway.
//
//   build/bench/gateway_bench [concurrency=64] [seconds=10] [gateway flags...]
//
// The load client is this program for both sides (closed loop: `concurrency` threads, each with its own
// keep-alive HTTP connection or its own in-flight gRPC call, latency measured per request), so that both
// numbers come from the same code. When wrk is installed it also runs wrk against the gateway for
// comparison.
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/bench_env.h"
#include "syncd/v1/sync_service.grpc.pb.h"
#include "tests/harness/gateway_process.h"

namespace {

struct Result {
  double seconds = 0;
  std::vector<double> latencies_ms;
  int64_t errors = 0;

  double throughput() const { return latencies_ms.size() / seconds; }
  double Percentile(double p) {
    if (latencies_ms.empty()) return 0;
    std::sort(latencies_ms.begin(), latencies_ms.end());
    return latencies_ms[std::min(latencies_ms.size() - 1, static_cast<size_t>(p * latencies_ms.size()))];
  }
};

// Runs `request` from `threads` threads for `warmup` + `duration`; `request(thread)` returns success.
template <typename MakeClient>
Result RunLoad(int threads, absl::Duration warmup, absl::Duration duration, MakeClient make_client) {
  std::vector<std::vector<double>> latencies(threads);
  std::atomic<int64_t> errors{0};
  const absl::Time start = absl::Now() + warmup;
  const absl::Time stop = start + duration;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      auto request = make_client();
      latencies[t].reserve(200000);
      while (true) {
        const absl::Time before = absl::Now();
        if (before >= stop) break;
        const bool ok = request();
        const absl::Time after = absl::Now();
        if (before < start) continue;
        if (!ok) {
          errors.fetch_add(1);
          continue;
        }
        latencies[t].push_back(absl::ToDoubleMilliseconds(after - before));
      }
    });
  }
  for (std::thread& w : workers) w.join();
  Result result;
  result.seconds = absl::ToDoubleSeconds(duration);
  for (auto& l : latencies) result.latencies_ms.insert(result.latencies_ms.end(), l.begin(), l.end());
  result.errors = errors.load();
  return result;
}

void Print(const std::string& name, Result& r) {
  std::cout << absl::StrFormat("%-34s %9.0f req/s  p50 %6.2f ms  p99 %6.2f ms  errors %d\n", name,
                               r.throughput(), r.Percentile(0.50), r.Percentile(0.99), r.errors);
}

}  // namespace

int main(int argc, char** argv) {
  const int concurrency = argc > 1 ? std::atoi(argv[1]) : 64;
  const int seconds = argc > 2 ? std::atoi(argv[2]) : 10;
  if (concurrency < 1 || seconds < 1) {
    std::fprintf(stderr,
                 "usage: %s [CONCURRENCY=64] [SECONDS=10] [gateway flags...]\n"
                 "GET /api/integrations/{id} through the gateway against GetIntegration over gRPC.\n",
                 argv[0]);
    return 2;
  }
  std::vector<std::string> gateway_flags;
  for (int i = 3; i < argc; ++i) gateway_flags.emplace_back(argv[i]);
  const absl::Duration warmup = absl::Seconds(2);
  const absl::Duration duration = absl::Seconds(seconds);

  syncd::bench::BenchEnv env;
  env.StartPostgres();
  env.StartSyncService({"--db_pool_size=16"});
  syncd::v1::Integration created;
  {
    syncd::v1::CreateIntegrationRequest request;
    request.mutable_integration()->set_name("bench");
    request.mutable_integration()->set_type(syncd::v1::Integration::DEMO);
    request.mutable_integration()->mutable_sync_interval()->set_null_value(google::protobuf::NULL_VALUE);
    grpc::ClientContext context;
    grpc::Status status = env.sync_service().stub().CreateIntegration(&context, request, &created);
    if (!status.ok()) syncd::bench::Fail("CreateIntegration: " + status.error_message());
  }
  const std::string id = created.id();
  const std::string sync_address = env.sync_service().address();

  syncd::testing::GatewayProcessOptions options;
  options.sync_service_address = sync_address;
  options.extra_args = gateway_flags;
  absl::StatusOr<std::unique_ptr<syncd::testing::GatewayProcess>> gateway =
      syncd::testing::GatewayProcess::Start(options);
  if (!gateway.ok()) syncd::bench::Fail(std::string(gateway.status().message()));
  const std::string gateway_address = (*gateway)->address();
  const std::string path = "/api/integrations/" + id;

  std::cout << absl::StrFormat(
      "GET %s vs GetIntegration, %d concurrent, %d s each (after %s warm-up), %u CPUs\n", path, concurrency,
      seconds, absl::FormatDuration(warmup), std::thread::hardware_concurrency());

  // Direct gRPC: one channel, `concurrency` calls in flight (one per thread), as a gRPC client would.
  auto channel = grpc::CreateChannel(sync_address, grpc::InsecureChannelCredentials());
  const double sync_cpu_0 = syncd::bench::BenchEnv::CpuSeconds(env.sync_service().pid());
  Result direct = RunLoad(concurrency, warmup, duration, [&] {
    auto stub = syncd::v1::SyncService::NewStub(channel);
    return [stub = std::shared_ptr<syncd::v1::SyncService::Stub>(std::move(stub)), &id] {
      grpc::ClientContext context;
      syncd::v1::GetIntegrationRequest request;
      request.set_id(id);
      syncd::v1::Integration response;
      return stub->GetIntegration(&context, request, &response).ok();
    };
  });
  const double sync_cpu_direct = syncd::bench::BenchEnv::CpuSeconds(env.sync_service().pid()) - sync_cpu_0;

  // Through the gateway: one keep-alive HTTP/1.1 connection per thread.
  const size_t colon = gateway_address.rfind(':');
  const std::string host = gateway_address.substr(0, colon);
  const int port = std::atoi(gateway_address.substr(colon + 1).c_str());
  const double gw_cpu_0 = syncd::bench::BenchEnv::CpuSeconds((*gateway)->pid());
  const double sync_cpu_1 = syncd::bench::BenchEnv::CpuSeconds(env.sync_service().pid());
  Result http = RunLoad(concurrency, warmup, duration, [&] {
    auto client = std::make_shared<httplib::Client>(host, port);
    client->set_keep_alive(true);
    return [client, &path] {
      httplib::Result r = client->Get(path);
      return r && r->status == 200;
    };
  });
  const double gw_cpu = syncd::bench::BenchEnv::CpuSeconds((*gateway)->pid()) - gw_cpu_0;
  const double sync_cpu_gateway = syncd::bench::BenchEnv::CpuSeconds(env.sync_service().pid()) - sync_cpu_1;

  Print("direct gRPC GetIntegration", direct);
  Print("gateway GET /api/integrations/{id}", http);
  std::cout << absl::StrFormat("gateway/direct throughput: %.0f%%\n",
                               100.0 * http.throughput() / direct.throughput());
  const double total = seconds + absl::ToDoubleSeconds(warmup);
  std::cout << absl::StrFormat(
      "CPU (cores busy): direct: sync_service %.2f | gateway run: gateway %.2f, sync_service %.2f\n",
      sync_cpu_direct / total, gw_cpu / total, sync_cpu_gateway / total);

  if (std::system("command -v wrk >/dev/null 2>&1") == 0) {
    const std::string cmd =
        absl::StrCat("wrk -t2 -c", concurrency, " -d", seconds, "s --latency http://", gateway_address, path);
    std::cout << "\n$ " << cmd << "\n" << std::flush;
    if (std::system(cmd.c_str()) != 0) std::cerr << "wrk failed\n";
  }
  return 0;
}
