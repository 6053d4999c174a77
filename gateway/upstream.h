// The gateway's side of gRPC: asynchronous calls to sync_service by method path with serialized messages
// (grpc::GenericStub's callback API over byte buffers), so the gateway needs no generated stub for the
// methods it serves and no thread waits for a reply. Completions run on gRPC's threads; the HTTP server
// hands them back to the event loop that owns the connection.
//
//   Upstream upstream("localhost:50051", /*channels=*/2);
//   UpstreamCall call{"/syncd.v1.SyncService/GetIntegration", request_bytes, metadata, deadline};
//   upstream.Unary(std::move(call), [](UpstreamResult result) { ... result.status, result.response ... });
#pragma once

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
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

// A server stream in progress, read one message at a time: after each on_message the owner calls exactly
// one of Next() (read the next message) or Cancel() (the HTTP client went away), and nothing else. The
// stream deletes itself after on_done.
class UpstreamStream {
 public:
  virtual ~UpstreamStream() = default;
  virtual void Next() = 0;
  virtual void Cancel() = 0;
};

struct StreamCallbacks {
  // Each serialized response message, on a gRPC thread.
  std::function<void(std::string)> on_message;
  // Once, at the end, on a gRPC thread (CANCELLED after Cancel() or CancelStreams()).
  std::function<void(grpc::Status)> on_done;
};

class Upstream {
 public:
  // `channels` separate HTTP/2 connections, used in turn: one connection serializes its frames on one
  // socket, which limits throughput under many concurrent requests.
  Upstream(const std::string& address, int channels);
  // Waits until the completions of the calls in flight have returned (they run on gRPC's threads and would
  // otherwise race with the process's exit).
  ~Upstream();

  // A unary call; `done` runs once, on a gRPC thread.
  void Unary(UpstreamCall call, std::function<void(UpstreamResult)> done);

  // A server-streaming call, read with flow control (see UpstreamStream). Streams started after
  // CancelStreams() end at once with CANCELLED.
  UpstreamStream* ServerStreaming(UpstreamCall call, StreamCallbacks callbacks);

  // Ends the server streams in progress (on shutdown).
  void CancelStreams();

  // grpc.health.v1.Health/Check of the whole server; `done(true)` when it answers SERVING (on a gRPC
  // thread).
  void Ready(absl::Duration timeout, std::function<void(bool)> done);

  const std::string& address() const { return address_; }

 private:
  class Stream;

  grpc::GenericStub& NextStub();
  // A stream is done: no longer cancelled on shutdown, but in flight until Ended().
  void Forget(Stream* stream);
  // A call's completion has returned (unary calls, and streams after Forget).
  void Ended();
  bool Idle() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return in_flight_ == 0 && streams_.empty(); }

  std::string address_;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs_;
  std::atomic<uint32_t> next_{0};
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::unordered_set<Stream*> streams_ ABSL_GUARDED_BY(mu_);
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;  // unary calls, and streams between Forget and Ended
};

}  // namespace syncd::gateway
