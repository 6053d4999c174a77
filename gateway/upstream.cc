#include "gateway/upstream.h"

#include <grpcpp/support/client_callback.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace syncd::gateway {
namespace {

grpc::ByteBuffer ToByteBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

std::string FromByteBuffer(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  out.reserve(buffer.Length());
  for (const grpc::Slice& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

// Reads a server stream (sent as a bidi call with one request) into a queue that the HTTP thread drains.
class StreamReader final : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  StreamReader(grpc::GenericStub& stub, grpc::ClientContext& context, const std::string& method,
               const std::string& request)
      : request_(ToByteBuffer(request)) {
    stub.PrepareBidiStreamingCall(&context, method, grpc::StubOptions(), this);
    StartWrite(&request_);
    StartRead(&incoming_);
    StartCall();
  }

  void OnWriteDone(bool ok) override {
    if (ok) StartWritesDone();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      messages_.push_back(FromByteBuffer(incoming_));
    }
    cv_.notify_one();
    StartRead(&incoming_);
  }
  void OnDone(const grpc::Status& status) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      status_ = status;
      done_ = true;
      // Notified under the lock: Wait() may return and destroy this reactor as soon as the lock is free.
      cv_.notify_one();
    }
  }

  enum class Next { kMessage, kDone, kWaiting };
  // Waits up to `timeout` for the next message; kDone once the call is over (Wait() then says how).
  Next Take(absl::Duration timeout, std::string* message) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, absl::ToChronoMicroseconds(timeout), [&] { return !messages_.empty() || done_; });
    if (!messages_.empty()) {
      *message = std::move(messages_.front());
      messages_.pop_front();
      return Next::kMessage;
    }
    return done_ ? Next::kDone : Next::kWaiting;
  }
  // Blocks until OnDone, which must come before the reactor is destroyed.
  grpc::Status Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return done_; });
    return status_;
  }

 private:
  grpc::ByteBuffer request_;
  grpc::ByteBuffer incoming_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> messages_;
  bool done_ = false;
  grpc::Status status_;
};

}  // namespace

Upstream::Upstream(const std::string& address, int channels) : address_(address) {
  for (int i = 0; i < std::max(1, channels); ++i) {
    grpc::ChannelArguments args;
    // Without this, channels with equal arguments share one subchannel, i.e. one connection.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("syncd.gateway.channel", i);
    // gRPC backs off reconnecting up to 120 s by default: after sync_service comes back (a restart, a
    // deploy) the gateway would answer 503 for up to two minutes. Retry at least every 2 s instead.
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 500);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
    channels_.push_back(grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
    stubs_.push_back(std::make_unique<grpc::GenericStub>(channels_.back()));
  }
}

std::shared_ptr<grpc::Channel> Upstream::NextChannel() {
  return channels_[next_.fetch_add(1, std::memory_order_relaxed) % channels_.size()];
}

void Upstream::Prepare(const UpstreamCall& call, grpc::ClientContext& context) {
  for (const auto& [key, value] : call.metadata) context.AddMetadata(key, value);
  context.set_deadline(absl::ToChronoTime(call.deadline));
}

UpstreamResult Upstream::Unary(const UpstreamCall& call) {
  grpc::ClientContext context;
  Prepare(call, context);
  const grpc::ByteBuffer request = ToByteBuffer(call.request);
  grpc::ByteBuffer response;
  UpstreamResult result;
  absl::Notification done;
  grpc::GenericStub& stub = *stubs_[next_.fetch_add(1, std::memory_order_relaxed) % stubs_.size()];
  stub.UnaryCall(&context, call.method, grpc::StubOptions(), &request, &response, [&](grpc::Status status) {
    result.status = std::move(status);
    done.Notify();
  });
  done.WaitForNotification();
  if (result.status.ok()) result.response = FromByteBuffer(response);
  return result;
}

grpc::Status Upstream::ServerStreaming(const UpstreamCall& call,
                                       const std::function<bool(std::string)>& on_message) {
  grpc::ClientContext context;
  Prepare(call, context);
  grpc::GenericStub& stub = *stubs_[next_.fetch_add(1, std::memory_order_relaxed) % stubs_.size()];
  StreamReader reader(stub, context, call.method, call.request);
  std::string message;
  while (true) {
    const StreamReader::Next next = reader.Take(absl::Milliseconds(200), &message);
    if (next == StreamReader::Next::kDone) break;
    // Between messages, notice a gateway shutdown (the stream's deadline bounds it otherwise).
    if (next == StreamReader::Next::kWaiting && !stopping_.load()) continue;
    if (stopping_.load() || !on_message(std::move(message))) {
      context.TryCancel();
      break;
    }
  }
  return reader.Wait();
}

bool Upstream::Ready(absl::Duration timeout) {
  auto stub = grpc::health::v1::Health::NewStub(NextChannel());
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, {}, &response);
  return status.ok() && response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
}

}  // namespace syncd::gateway
