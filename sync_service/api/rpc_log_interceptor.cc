#include "sync_service/api/rpc_log_interceptor.h"

#include <grpcpp/server_context.h>

#include <string>
#include <string_view>

#include "absl/time/clock.h"
#include "spdlog/spdlog.h"
#include "sync_service/api/rpc_metrics_interceptor.h"

namespace syncd::api {
namespace {

using grpc::experimental::InterceptionHookPoints;

class RpcLogInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit RpcLogInterceptor(grpc::experimental::ServerRpcInfo* info) : info_(info), start_(absl::Now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      const double ms = absl::ToDoubleMilliseconds(absl::Now() - start_);
      std::string_view request_id = "-";  // views into the call's metadata, alive until it ends
      std::string peer = "-";
      if (grpc::ServerContextBase* ctx = info_->server_context(); ctx != nullptr) {
        peer = ctx->peer();
        auto it = ctx->client_metadata().find("x-request-id");
        if (it != ctx->client_metadata().end())
          request_id = std::string_view(it->second.data(), it->second.size());
      }
      // Client mistakes are not server errors: log them at info, server-side failures at warn.
      const bool server_fault = status.error_code() == grpc::StatusCode::INTERNAL ||
                                status.error_code() == grpc::StatusCode::UNAVAILABLE ||
                                status.error_code() == grpc::StatusCode::UNKNOWN ||
                                status.error_code() == grpc::StatusCode::DATA_LOSS;
      spdlog::log(server_fault ? spdlog::level::warn : spdlog::level::info,
                  "rpc method={} code={} latency_ms={:.1f} peer={} request_id={}{}{}", info_->method(),
                  StatusCodeName(status.error_code()), ms, peer, request_id,
                  status.ok() ? "" : " error=", status.error_message());
    }
    methods->Proceed();
  }

 private:
  grpc::experimental::ServerRpcInfo* info_;
  const absl::Time start_;
};

}  // namespace

grpc::experimental::Interceptor* RpcLogInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new RpcLogInterceptor(info);
}

}  // namespace syncd::api
