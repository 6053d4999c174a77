// One log line per finished RPC: method, status code, latency, peer and request id.
//
//   std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
//   creators.push_back(std::make_unique<RpcLogInterceptorFactory>());
//   builder.experimental().SetInterceptorCreators(std::move(creators));
#pragma once

#include <grpcpp/support/server_interceptor.h>

namespace syncd::api {

class RpcLogInterceptorFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(grpc::experimental::ServerRpcInfo* info) override;
};

}  // namespace syncd::api
