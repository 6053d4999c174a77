// Gateway overhead: GET /api/integrations/{id} through the gateway against the same GetIntegration called
// directly over gRPC, at the same concurrency, on the same machine. One command sets up PostgreSQL,
// sync_service and the gateway.
//
//   build/bench/gateway_bench [concurrency=64] [seconds=10] [gateway flags...]
//
// The load client is this program for both sides, with the same structure so that the comparison is fair:
// a closed loop of `concurrency` requests in flight, each on its own TCP connection (issue 5: "same
// concurrency (64 connections)"), driven by two event-loop threads (gRPC's async CompletionQueue API, one
// channel per connection; epoll over keep-alive HTTP/1.1 connections), latency measured per request. It
// also measures direct gRPC with all requests multiplexed as HTTP/2 streams on one connection (one shared
// channel), the way one gRPC client process usually calls a server. Event loops rather than a thread per
// request keep the client's own CPU small: it shares the cores with the servers it measures. When wrk is
// installed it also runs wrk against the gateway.
//
// SYNCD_BENCH_SYNC_SERVICE_BINARY and SYNCD_BENCH_GATEWAY_BINARY run other builds of the servers (A/B);
// SYNCD_BENCH_PHASES picks the runs, comma-separated, default all: "direct" (a connection per request),
// "shared" (one connection), "gateway", "wrk"; e.g. SYNCD_BENCH_PHASES=gateway for A/B runs of the gateway.
// SYNCD_BENCH_DIRECT_METADATA=1 sends with each direct call what the gateway forwards (an x-request-id and
// a 30 s deadline), to tell that cost apart from the gateway's.
#include <arpa/inet.h>
#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "bench/bench_env.h"
#include "syncd/v1/sync_service.grpc.pb.h"
#include "tests/harness/gateway_process.h"

namespace {

// Event-loop threads of the load client, for each side.
constexpr int kClientThreads = 2;

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

// The measurement window and one thread's record of it. Requests started before `start` are warm-up;
// no request starts at or after `stop`.
class Window {
 public:
  Window(absl::Duration warmup, absl::Duration duration)
      : start_(absl::Now() + warmup), stop_(start_ + duration), duration_(duration) {}
  bool Over(absl::Time now) const { return now >= stop_; }
  // Records a request that started at `began` and ended at `ended`.
  void Record(std::vector<double>& latencies, absl::Time began, absl::Time ended) const {
    if (began >= start_) latencies.push_back(absl::ToDoubleMilliseconds(ended - began));
  }
  bool Counts(absl::Time began) const { return began >= start_; }
  absl::Duration duration() const { return duration_; }

 private:
  const absl::Time start_;
  const absl::Time stop_;
  const absl::Duration duration_;
};

// Runs `drive(first, in_flight, window, latencies, errors)` on kClientThreads threads, `concurrency`
// requests in flight in all (a thread drives requests first .. first + in_flight - 1), and gathers what
// they measured.
template <typename Drive>
Result RunLoad(int concurrency, absl::Duration warmup, absl::Duration duration, Drive drive) {
  const Window window(warmup, duration);
  const int threads = std::min(kClientThreads, concurrency);
  std::vector<std::vector<double>> latencies(threads);
  std::atomic<int64_t> errors{0};
  std::vector<std::thread> workers;
  for (int t = 0, first = 0; t < threads; ++t) {
    const int in_flight = concurrency / threads + (t < concurrency % threads ? 1 : 0);
    workers.emplace_back([&, t, first, in_flight] {
      latencies[t].reserve(1 << 20);
      drive(first, in_flight, window, latencies[t], errors);
    });
    first += in_flight;
  }
  for (std::thread& w : workers) w.join();
  Result result;
  result.seconds = absl::ToDoubleSeconds(duration);
  for (auto& l : latencies) result.latencies_ms.insert(result.latencies_ms.end(), l.begin(), l.end());
  result.errors = errors.load();
  return result;
}

// Direct gRPC: `in_flight` GetIntegration calls kept going on one completion queue; call i goes through
// stubs[(first + i) % stubs.size()].
void DriveGrpc(const std::vector<std::unique_ptr<syncd::v1::SyncService::Stub>>& stubs, const std::string& id,
               int first, int in_flight, const Window& window, std::vector<double>& latencies,
               std::atomic<int64_t>& errors) {
  struct Call {
    std::unique_ptr<grpc::ClientContext> context;
    std::unique_ptr<grpc::ClientAsyncResponseReader<syncd::v1::Integration>> reader;
    syncd::v1::Integration response;
    grpc::Status status;
    absl::Time began;
    syncd::v1::SyncService::Stub* stub = nullptr;
  };
  grpc::CompletionQueue cq;
  syncd::v1::GetIntegrationRequest request;
  request.set_id(id);
  std::vector<Call> calls(in_flight);
  for (int i = 0; i < in_flight; ++i) calls[i].stub = stubs[(first + i) % stubs.size()].get();
  static const bool with_metadata = std::getenv("SYNCD_BENCH_DIRECT_METADATA") != nullptr;
  auto start = [&](Call& call) {
    call.context = std::make_unique<grpc::ClientContext>();
    if (with_metadata) {
      call.context->AddMetadata("x-request-id", "0123456789abcdef0123456789abcdef");
      call.context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    }
    call.began = absl::Now();
    call.reader = call.stub->AsyncGetIntegration(call.context.get(), request, &cq);
    call.reader->Finish(&call.response, &call.status, &call);
  };
  for (Call& call : calls) start(call);
  int pending = in_flight;
  void* tag = nullptr;
  bool ok = false;
  while (pending > 0 && cq.Next(&tag, &ok)) {
    Call& call = *static_cast<Call*>(tag);
    const absl::Time now = absl::Now();
    if (ok && call.status.ok()) {
      window.Record(latencies, call.began, now);
    } else if (window.Counts(call.began)) {
      errors.fetch_add(1);
    }
    if (window.Over(now)) {
      --pending;
    } else {
      start(call);
    }
  }
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
}

// Through the gateway: `in_flight` keep-alive HTTP/1.1 connections on one epoll loop, each with one GET in
// flight. Responses are read by Content-Length (the gateway's JSON answers carry one).
class HttpDriver {
 public:
  HttpDriver(std::string host, int port, std::string path)
      : host_(std::move(host)),
        port_(port),
        request_(absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: ", host_, ":", port, "\r\n\r\n")) {}

  void operator()(int in_flight, const Window& window, std::vector<double>& latencies,
                  std::atomic<int64_t>& errors) const {
    const int epoll = epoll_create1(0);
    std::vector<Connection> conns(in_flight);
    for (Connection& c : conns) Open(epoll, c);
    for (Connection& c : conns) Send(c);
    int open = in_flight;
    std::vector<epoll_event> events(in_flight);
    char buffer[16384];
    while (open > 0) {
      const int n = epoll_wait(epoll, events.data(), in_flight, 1000);
      for (int e = 0; e < n; ++e) {
        Connection& c = *static_cast<Connection*>(events[e].data.ptr);
        const ssize_t got = recv(c.fd, buffer, sizeof(buffer), 0);
        if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (got <= 0) {  // closed by the server (or broken): count the request, reconnect
          if (window.Counts(c.began)) errors.fetch_add(1);
          close(c.fd);
          Open(epoll, c);
          Next(c, window, open);
          continue;
        }
        c.in.append(buffer, got);
        int status = 0;
        if (!Complete(c, status)) continue;
        if (status == 200) {
          window.Record(latencies, c.began, absl::Now());
        } else if (window.Counts(c.began)) {
          errors.fetch_add(1);
        }
        Next(c, window, open);
      }
    }
    for (Connection& c : conns) {
      if (c.fd >= 0) close(c.fd);
    }
    close(epoll);
  }

 private:
  struct Connection {
    int fd = -1;
    std::string in;
    absl::Time began;
  };

  void Open(int epoll, Connection& c) const {
    c.fd = socket(AF_INET, SOCK_STREAM, 0);
    const int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port_);
    inet_pton(AF_INET, host_.c_str(), &addr.sin_addr);
    if (connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      syncd::bench::Fail(absl::StrCat("connect to ", host_, ":", port_, ": ", std::strerror(errno)));
    }
    fcntl(c.fd, F_SETFL, fcntl(c.fd, F_GETFL) | O_NONBLOCK);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = &c;
    epoll_ctl(epoll, EPOLL_CTL_ADD, c.fd, &ev);
    c.in.clear();
  }

  // Sends the next request on `c`, or closes it when the window is over. False when closed.
  bool Next(Connection& c, const Window& window, int& open) const {
    c.in.clear();
    if (window.Over(absl::Now())) {
      shutdown(c.fd, SHUT_WR);
      --open;
      close(c.fd);
      c.fd = -1;
      return false;
    }
    Send(c);
    return true;
  }

  void Send(Connection& c) const {
    c.began = absl::Now();
    // A request this small fits the socket buffer at once.
    if (send(c.fd, request_.data(), request_.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request_.size())) {
      syncd::bench::Fail(absl::StrCat("send: ", std::strerror(errno)));
    }
  }

  // Whether c.in holds a whole response; then `status` is its status code.
  static bool Complete(const Connection& c, int& status) {
    const size_t head_end = c.in.find("\r\n\r\n");
    if (head_end == std::string::npos) return false;
    const absl::string_view head(c.in.data(), head_end);
    if (head.size() < 12 || !absl::SimpleAtoi(head.substr(9, 3), &status)) {
      syncd::bench::Fail(absl::StrCat("not an HTTP response: ", head));
    }
    size_t length = 0;
    bool has_length = false;
    bool chunked = false;
    for (size_t pos = head.find("\r\n"); pos != absl::string_view::npos;) {
      const size_t eol = head.find("\r\n", pos + 2);
      const absl::string_view line =
          head.substr(pos + 2, eol == absl::string_view::npos ? eol : eol - pos - 2);
      if (absl::StartsWithIgnoreCase(line, "content-length:")) {
        has_length = absl::SimpleAtoi(absl::StripAsciiWhitespace(line.substr(15)), &length);
      } else if (absl::StartsWithIgnoreCase(line, "transfer-encoding:")) {
        chunked = absl::StrContains(absl::AsciiStrToLower(line), "chunked");
      }
      pos = eol;
    }
    if (chunked) return ChunkedBodyComplete(absl::string_view(c.in).substr(head_end + 4));
    if (!has_length) syncd::bench::Fail(absl::StrCat("response without Content-Length: ", head));
    return c.in.size() >= head_end + 4 + length;
  }

  // Whether `body` holds a whole chunked body: chunks up to the empty one and the blank line after it
  // (no trailers).
  static bool ChunkedBodyComplete(absl::string_view body) {
    while (true) {
      const size_t eol = body.find("\r\n");
      if (eol == absl::string_view::npos) return false;
      size_t size = 0;
      const absl::string_view size_field = body.substr(0, std::min(eol, body.find(';')));
      if (!absl::SimpleHexAtoi(absl::StripAsciiWhitespace(size_field), &size)) {
        syncd::bench::Fail(absl::StrCat("bad chunk size: ", size_field));
      }
      if (size == 0) return body.size() >= eol + 4;  // "0\r\n\r\n"
      if (body.size() < eol + 2 + size + 2) return false;
      body.remove_prefix(eol + 2 + size + 2);
    }
  }

  const std::string host_;
  const int port_;
  const std::string request_;
};

// CPU time this process (the load client) has used so far, in seconds.
double OwnCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec +
         usage.ru_stime.tv_usec / 1e6;
}

// CPU seconds used by each process during a phase.
struct CpuUse {
  double client = 0;
  double sync_service = 0;
  double gateway = 0;
  double postgres = 0;
  // Every process on the machine (this benchmark's and anyone else's).
  double machine = 0;
};

// CPU time the whole machine has spent busy so far (all CPUs; /proc/stat: everything but idle and iowait),
// in seconds.
double MachineBusySeconds() {
  std::ifstream stat("/proc/stat");
  std::string cpu;
  double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  stat >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
  return (user + nice + system + irq + softirq + steal) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// One measured phase: what the client saw and the CPU each process used meanwhile.
struct Phase {
  Result result;
  CpuUse cpu;
  double wall_seconds = 0;
};

void Print(const std::string& name, Phase& phase) {
  Result& r = phase.result;
  std::cout << absl::StrFormat("%-42s %9.0f req/s  p50 %6.2f ms  p99 %6.2f ms  errors %d\n", name,
                               r.throughput(), r.Percentile(0.50), r.Percentile(0.99), r.errors);
  // Per request over the whole phase (warm-up included): cores busy / throughput.
  const double requests = r.throughput() * phase.wall_seconds;
  const CpuUse& cpu = phase.cpu;
  std::cout << absl::StrFormat(
      "  cores busy: load client %.2f, gateway %.2f, sync_service %.2f, PostgreSQL %.2f; anything else on "
      "the "
      "machine %.2f\n"
      "  CPU µs per request: load client %.0f, gateway %.0f, sync_service %.0f, PostgreSQL %.0f\n",
      cpu.client / phase.wall_seconds, cpu.gateway / phase.wall_seconds,
      cpu.sync_service / phase.wall_seconds, cpu.postgres / phase.wall_seconds,
      std::max(0.0, cpu.machine - cpu.client - cpu.gateway - cpu.sync_service - cpu.postgres) /
          phase.wall_seconds,
      1e6 * cpu.client / requests, 1e6 * cpu.gateway / requests, 1e6 * cpu.sync_service / requests,
      1e6 * cpu.postgres / requests);
}

// The established TCP connections of this process to `port` on any host (from /proc/net/tcp, whose
// entries are matched to this process's socket file descriptors by inode).
int OwnConnectionsTo(int port) {
  std::set<std::string> inodes;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    const std::string target = std::filesystem::read_symlink(entry.path(), ec).string();
    if (!ec && absl::StartsWith(target, "socket:[")) inodes.insert(target.substr(8, target.size() - 9));
  }
  int count = 0;
  for (const char* table : {"/proc/self/net/tcp", "/proc/self/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const std::vector<std::string> f = absl::StrSplit(line, ' ', absl::SkipEmpty());
      if (f.size() < 10 || f[3] != "01") continue;  // 01: ESTABLISHED
      const size_t colon = f[2].rfind(':');
      int remote_port = 0;
      if (colon == std::string::npos || !absl::SimpleHexAtoi(f[2].substr(colon + 1), &remote_port)) continue;
      if (remote_port == port && inodes.count(f[9]) > 0) ++count;
    }
  }
  return count;
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
  if (const char* binary = std::getenv("SYNCD_BENCH_GATEWAY_BINARY"); binary != nullptr)
    options.binary = binary;
  absl::StatusOr<std::unique_ptr<syncd::testing::GatewayProcess>> gateway =
      syncd::testing::GatewayProcess::Start(options);
  if (!gateway.ok()) syncd::bench::Fail(std::string(gateway.status().message()));
  const std::string gateway_address = (*gateway)->address();
  const std::string path = "/api/integrations/" + id;

  const char* phases_env = std::getenv("SYNCD_BENCH_PHASES");
  const std::set<std::string> phases = absl::StrSplit(
      phases_env != nullptr ? phases_env : "direct,shared,gateway,wrk", ',', absl::SkipEmpty());
  auto runs = [&](const char* phase) { return phases.count(phase) > 0; };
  const int sync_port = std::atoi(sync_address.substr(sync_address.rfind(':') + 1).c_str());
  std::cout << absl::StrFormat(
      "GET %s vs GetIntegration, %d concurrent, %d s each (after %s warm-up), %u CPUs, load client: %d "
      "event-loop threads per side\n",
      path, concurrency, seconds, absl::FormatDuration(warmup), std::thread::hardware_concurrency(),
      std::min(kClientThreads, concurrency));

  const pid_t sync_pid = env.sync_service().pid();
  const pid_t gateway_pid = (*gateway)->pid();
  auto cpu_now = [&] {
    return CpuUse{OwnCpuSeconds(), syncd::bench::BenchEnv::CpuSeconds(sync_pid),
                  syncd::bench::BenchEnv::CpuSeconds(gateway_pid), env.PostgresCpuSeconds(),
                  MachineBusySeconds()};
  };
  auto cpu_since = [&](const CpuUse& before) {
    const CpuUse now = cpu_now();
    return CpuUse{now.client - before.client, now.sync_service - before.sync_service,
                  now.gateway - before.gateway, now.postgres - before.postgres, now.machine - before.machine};
  };

  // Direct gRPC as issue 5 defines the comparison: one TCP connection per request in flight, as on the
  // gateway side. Channels with equal arguments would share one subchannel (one connection), hence a local
  // subchannel pool and a distinct argument per channel.
  std::vector<std::unique_ptr<syncd::v1::SyncService::Stub>> connection_stubs;
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  const int connections_before = OwnConnectionsTo(sync_port);  // the harness's own channel
  for (int i = 0; runs("direct") && i < concurrency; ++i) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("syncd.bench.connection", i);
    channels.push_back(grpc::CreateCustomChannel(sync_address, grpc::InsecureChannelCredentials(), args));
    if (!channels.back()->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10))) {
      syncd::bench::Fail("cannot connect to sync_service");
    }
    connection_stubs.push_back(syncd::v1::SyncService::NewStub(channels.back()));
  }
  const int direct_connections = OwnConnectionsTo(sync_port) - connections_before;
  // The usual way one gRPC client calls a server: every call a stream on one shared channel (connection).
  std::vector<std::unique_ptr<syncd::v1::SyncService::Stub>> shared_stub;
  shared_stub.push_back(
      syncd::v1::SyncService::NewStub(grpc::CreateChannel(sync_address, grpc::InsecureChannelCredentials())));
  auto run_direct = [&](const std::vector<std::unique_ptr<syncd::v1::SyncService::Stub>>& stubs,
                        Phase& phase) {
    const CpuUse before = cpu_now();
    const absl::Time began = absl::Now();
    phase.result = RunLoad(concurrency, warmup, duration,
                           [&](int first, int in_flight, const Window& window, std::vector<double>& latencies,
                               std::atomic<int64_t>& errors) {
                             DriveGrpc(stubs, id, first, in_flight, window, latencies, errors);
                           });
    phase.cpu = cpu_since(before);
    phase.wall_seconds = absl::ToDoubleSeconds(absl::Now() - began);
  };
  Phase direct;
  Phase direct_shared;
  if (runs("direct")) run_direct(connection_stubs, direct);
  if (runs("shared")) run_direct(shared_stub, direct_shared);
  connection_stubs.clear();
  channels.clear();

  // Through the gateway: one keep-alive HTTP/1.1 connection per request in flight.
  const size_t colon = gateway_address.rfind(':');
  const HttpDriver http_driver(gateway_address.substr(0, colon),
                               std::atoi(gateway_address.substr(colon + 1).c_str()), path);
  Phase http;
  if (runs("gateway")) {
    const CpuUse before = cpu_now();
    const absl::Time began = absl::Now();
    http.result =
        RunLoad(concurrency, warmup, duration,
                [&](int, int in_flight, const Window& window, std::vector<double>& latencies,
                    std::atomic<int64_t>& errors) { http_driver(in_flight, window, latencies, errors); });
    http.cpu = cpu_since(before);
    http.wall_seconds = absl::ToDoubleSeconds(absl::Now() - began);
  }

  if (runs("direct")) Print(absl::StrFormat("direct gRPC, %d connections", direct_connections), direct);
  if (runs("shared")) {
    Print(absl::StrFormat("direct gRPC, %d streams on one connection", concurrency), direct_shared);
  }
  if (runs("gateway")) Print(absl::StrFormat("gateway, %d connections", concurrency), http);
  if (runs("direct") && runs("gateway")) {
    std::cout << absl::StrFormat(
        "gateway/direct throughput: %.0f%% (issue 5's definition: %d connections each side)\n",
        100.0 * http.result.throughput() / direct.result.throughput(), concurrency);
  }
  if (runs("shared") && runs("gateway")) {
    std::cout << absl::StrFormat(
        "gateway/direct throughput against one multiplexed gRPC connection: %.0f%%\n",
        100.0 * http.result.throughput() / direct_shared.result.throughput());
  }

  if (runs("wrk") && std::system("command -v wrk >/dev/null 2>&1") == 0) {
    const std::string cmd =
        absl::StrCat("wrk -t2 -c", concurrency, " -d", seconds, "s --latency http://", gateway_address, path);
    std::cout << "\n$ " << cmd << "\n" << std::flush;
    if (std::system(cmd.c_str()) != 0) std::cerr << "wrk failed\n";
  }
  return 0;
}
