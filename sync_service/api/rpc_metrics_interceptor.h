// gRPC server metrics: requests and their latency by method and status code. For a stream (the workers'
// Connect) the latency is how long the stream lasted.
//
//   RpcMetrics rpc_metrics(metrics.registry());
//   creators.push_back(std::make_unique<RpcMetricsInterceptorFactory>(rpc_metrics));
#pragma once

#include <grpcpp/support/server_interceptor.h>

#include <array>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace syncd::api {

class RpcMetrics {
 public:
  explicit RpcMetrics(prometheus::Registry& registry);
  void Observe(absl::string_view method, grpc::StatusCode code, absl::Duration latency);

 private:
  struct Children {
    prometheus::Counter* requests = nullptr;
    prometheus::Histogram* latency = nullptr;
  };
  static constexpr int kCodes = 17;  // OK .. UNAUTHENTICATED
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& latency_;
  // Looked up on every RPC: by the method's name without copying it, under a shared lock once the
  // method's children exist.
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::array<Children, kCodes + 1>> children_ ABSL_GUARDED_BY(mu_);
};

class RpcMetricsInterceptorFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit RpcMetricsInterceptorFactory(RpcMetrics& metrics) : metrics_(metrics) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(grpc::experimental::ServerRpcInfo* info) override;

 private:
  RpcMetrics& metrics_;
};

// The canonical name of a status code ("NOT_FOUND").
const char* StatusCodeName(grpc::StatusCode code);

}  // namespace syncd::api
