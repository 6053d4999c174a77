#include "gateway/upstream.h"

#include <grpcpp/support/client_callback.h>

#include "absl/time/clock.h"
#include "grpc/health/v1/health.pb.h"
#include "spdlog/spdlog.h"

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

void Prepare(const UpstreamCall& call, grpc::ClientContext& context) {
  for (const auto& [key, value] : call.metadata) context.AddMetadata(key, value);
  context.set_deadline(absl::ToChronoTime(call.deadline));
}

// The state of one unary call, alive until its completion has run.
struct UnaryState {
  grpc::ClientContext context;
  grpc::ByteBuffer request;
  grpc::ByteBuffer response;
  std::function<void(UpstreamResult)> done;
};

}  // namespace

// A server stream, sent as a bidi call with one request. A hold keeps OnDone back until the owner has
// taken the last message (or cancelled), so that the owner never calls Next() on a finished stream.
class Upstream::Stream final : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>,
                               public UpstreamStream {
 public:
  Stream(Upstream& upstream, UpstreamCall call, StreamCallbacks callbacks)
      : upstream_(upstream), request_(ToByteBuffer(call.request)), callbacks_(std::move(callbacks)) {
    Prepare(call, context_);
    upstream_.NextStub().PrepareBidiStreamingCall(&context_, call.method, grpc::StubOptions(), this);
  }

  void Start(bool cancelled) {
    AddHold();
    StartWrite(&request_);
    StartRead(&incoming_);
    StartCall();
    if (cancelled) context_.TryCancel();
  }
  void TryCancel() { context_.TryCancel(); }

  void Next() override { StartRead(&incoming_); }
  void Cancel() override {
    context_.TryCancel();
    RemoveHold();
  }

  void OnWriteDone(bool ok) override {
    if (ok) StartWritesDone();
  }
  void OnReadDone(bool ok) override {
    if (!ok) {
      RemoveHold();
      return;
    }
    callbacks_.on_message(FromByteBuffer(incoming_));
  }
  void OnDone(const grpc::Status& status) override {
    Upstream& upstream = upstream_;
    upstream.Forget(this);
    callbacks_.on_done(status);
    delete this;
    upstream.Ended();  // last: the Upstream may be destroyed once every call has ended
  }

 private:
  Upstream& upstream_;
  grpc::ClientContext context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer incoming_;
  StreamCallbacks callbacks_;
};

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
    // gRPC's default 4 MiB receive limit would turn a large page (1,000 integrations with big configs) into
    // RESOURCE_EXHAUSTED, i.e. an HTTP 429 that no retry fixes.
    args.SetMaxReceiveMessageSize(64 << 20);
    channels_.push_back(grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
    stubs_.push_back(std::make_unique<grpc::GenericStub>(channels_.back()));
  }
}

Upstream::~Upstream() {
  absl::MutexLock lock(&mu_);
  if (!mu_.AwaitWithTimeout(absl::Condition(this, &Upstream::Idle), absl::Seconds(30))) {
    spdlog::warn("gateway stopping with {} upstream calls still in flight", in_flight_ + streams_.size());
  }
}

grpc::GenericStub& Upstream::NextStub() {
  return *stubs_[next_.fetch_add(1, std::memory_order_relaxed) % stubs_.size()];
}

void Upstream::Unary(UpstreamCall call, std::function<void(UpstreamResult)> done) {
  {
    absl::MutexLock lock(&mu_);
    ++in_flight_;
  }
  auto* state = new UnaryState;
  Prepare(call, state->context);
  state->request = ToByteBuffer(call.request);
  state->done = std::move(done);
  NextStub().UnaryCall(&state->context, call.method, grpc::StubOptions(), &state->request, &state->response,
                       [this, state](grpc::Status status) {
                         {
                           std::unique_ptr<UnaryState> owned(state);
                           UpstreamResult result;
                           if (status.ok()) result.response = FromByteBuffer(state->response);
                           result.status = std::move(status);
                           owned->done(std::move(result));
                         }
                         Ended();
                       });
}

UpstreamStream* Upstream::ServerStreaming(UpstreamCall call, StreamCallbacks callbacks) {
  auto* stream = new Stream(*this, std::move(call), std::move(callbacks));
  bool cancelled;
  {
    absl::MutexLock lock(&mu_);
    cancelled = stopping_;
    streams_.insert(stream);
  }
  stream->Start(cancelled);
  return stream;
}

void Upstream::Forget(Stream* stream) {
  absl::MutexLock lock(&mu_);
  streams_.erase(stream);
  ++in_flight_;  // until Ended(), after its last callback
}

void Upstream::Ended() {
  absl::MutexLock lock(&mu_);
  --in_flight_;
}

void Upstream::CancelStreams() {
  absl::MutexLock lock(&mu_);
  stopping_ = true;
  for (Stream* stream : streams_) stream->TryCancel();
}

void Upstream::Ready(absl::Duration timeout, std::function<void(bool)> done) {
  UpstreamCall call;
  call.method = "/grpc.health.v1.Health/Check";
  call.request = grpc::health::v1::HealthCheckRequest().SerializeAsString();
  call.deadline = absl::Now() + timeout;
  Unary(std::move(call), [done = std::move(done)](UpstreamResult result) {
    grpc::health::v1::HealthCheckResponse response;
    done(result.status.ok() && response.ParseFromString(result.response) &&
         response.status() == grpc::health::v1::HealthCheckResponse::SERVING);
  });
}

}  // namespace syncd::gateway
