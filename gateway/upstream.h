// The gateway's side of gRPC: calls to sync_service by method path with serialized messages
// (grpc::GenericStub over byte buffers), so the gateway needs no generated stub for the methods it serves.
//
//   Upstream upstream("localhost:50051", /*channels=*/4);
//   UpstreamCall call{"/syncd.v1.SyncService/GetIntegration", request_bytes, metadata, deadline};
//   UpstreamResult result = upstream.Unary(call);  // result.status, result.response
#pragma once

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace syncd::gateway {

struct UpstreamCall {
  // "/package.Service/Method".
  std::string method;
  // The serialized request message.
  std::string request;
  // Lower-case keys: "authorization", "x-request-id".
  std::vector<std::pair<std::string, std::string>> metadata;
  absl::Time deadline;
};

struct UpstreamResult {
  grpc::Status status;
  // The serialized response message (when status is OK).
  std::string response;
};

class Upstream {
 public:
  // `channels` separate HTTP/2 connections, used in turn: one connection serializes its frames on one
  // socket, which limits throughput under many concurrent requests.
  Upstream(const std::string& address, int channels);

  UpstreamResult Unary(const UpstreamCall& call);

  // A server-streaming call: `on_message` gets each serialized response as it arrives and returns false to
  // cancel the call (the HTTP client went away). Returns the final status.
  grpc::Status ServerStreaming(const UpstreamCall& call, const std::function<bool(std::string)>& on_message);

  // Ends the server streams in progress (on shutdown).
  void CancelStreams() { stopping_.store(true); }

  // grpc.health.v1.Health/Check of the whole server: true when it answers SERVING.
  bool Ready(absl::Duration timeout);

  const std::string& address() const { return address_; }

 private:
  std::shared_ptr<grpc::Channel> NextChannel();
  void Prepare(const UpstreamCall& call, grpc::ClientContext& context);

  std::string address_;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs_;
  std::atomic<uint32_t> next_{0};
  std::atomic<bool> stopping_{false};
};

}  // namespace syncd::gateway
