// gRPC server metrics: requests and their latency by method and status code. For a stream (the workers'
// Connect) the latency is how long the stream lasted.
//
//   RpcMetrics rpc_metrics(metrics.registry());
//   creators.push_back(std::make_unique<RpcMetricsInterceptorFactory>(rpc_metrics));
#pragma once

#include <grpcpp/support/server_interceptor.h>

#include <map>
#include <string>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace syncd::api {

class RpcMetrics {
 public:
  explicit RpcMetrics(prometheus::Registry& registry);
  void Observe(const std::string& method, grpc::StatusCode code, absl::Duration latency);

 private:
  struct Children {
    prometheus::Counter* requests;
    prometheus::Histogram* latency;
  };
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& latency_;
  absl::Mutex mu_;
  std::map<std::pair<std::string, int>, Children> children_ ABSL_GUARDED_BY(mu_);
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
