#include "sync_service/api/rpc_metrics_interceptor.h"

#include "absl/time/clock.h"
#include "common/metrics.h"

namespace syncd::api {
namespace {

using grpc::experimental::InterceptionHookPoints;

class RpcMetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  RpcMetricsInterceptor(RpcMetrics& metrics, grpc::experimental::ServerRpcInfo* info)
      : metrics_(metrics), info_(info), start_(absl::Now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      metrics_.Observe(info_->method(), methods->GetSendStatus().error_code(), absl::Now() - start_);
    }
    methods->Proceed();
  }

 private:
  RpcMetrics& metrics_;
  grpc::experimental::ServerRpcInfo* info_;
  const absl::Time start_;
};

}  // namespace

const char* StatusCodeName(grpc::StatusCode code) {
  static const char* const kNames[] = {
      "OK",        "CANCELLED",      "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
      "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
      "ABORTED",   "OUT_OF_RANGE",   "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
      "DATA_LOSS", "UNAUTHENTICATED"};
  const int i = static_cast<int>(code);
  return i >= 0 && i < 17 ? kNames[i] : "UNKNOWN";
}

RpcMetrics::RpcMetrics(prometheus::Registry& registry)
    : requests_(prometheus::BuildCounter()
                    .Name("syncd_grpc_server_requests_total")
                    .Help("gRPC requests served, by method and status code")
                    .Register(registry)),
      latency_(prometheus::BuildHistogram()
                   .Name("syncd_grpc_server_request_duration_seconds")
                   .Help("gRPC request latency (for streams: how long the stream lasted), by method and "
                         "status code")
                   .Register(registry)) {}

void RpcMetrics::Observe(absl::string_view method, grpc::StatusCode code, absl::Duration latency) {
  const int c = static_cast<int>(code);
  const int slot = c >= 0 && c < kCodes ? c : kCodes;  // codes out of range count as UNKNOWN's label
  Children children;
  {
    absl::ReaderMutexLock lock(&mu_);
    if (auto it = children_.find(method); it != children_.end()) children = it->second[slot];
  }
  if (children.requests == nullptr) {
    absl::MutexLock lock(&mu_);
    Children& added = children_[method][slot];
    if (added.requests == nullptr) {
      const prometheus::Labels labels = {{"method", std::string(method)}, {"code", StatusCodeName(code)}};
      added = Children{&requests_.Add(labels), &latency_.Add(labels, metrics::LatencyBuckets())};
    }
    children = added;
  }
  children.requests->Increment();
  children.latency->Observe(absl::ToDoubleSeconds(latency));
}

grpc::experimental::Interceptor* RpcMetricsInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new RpcMetricsInterceptor(metrics_, info);
}

}  // namespace syncd::api
