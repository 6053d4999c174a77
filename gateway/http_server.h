// The gateway's HTTP/1.1 server (cpp-httplib): /healthz, /readyz, the API routes of the route table
// transcoded to gRPC calls, and the web UI's static files. One log line per request.
//
//   GatewayServer server(options, std::move(routes), upstream);
//   absl::StatusOr<std::string> bound = server.Bind();  // "127.0.0.1:8080"
//   std::thread serving([&] { server.Serve(); });
//   ...
//   server.Stop();
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gateway/serving/cors.h"
#include "gateway/transcode/route_table.h"
#include "gateway/upstream.h"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace syncd::metrics {
class Metrics;
}

namespace syncd::gateway {

class HttpMetrics;

struct GatewayOptions {
  // "host:port"; port 0 picks a free port.
  std::string listen = "0.0.0.0:8080";
  // Folder of the built web UI; empty serves none.
  std::string web_root;
  // Comma-separated allowed origins; empty turns CORS off.
  std::string cors_origins;
  size_t max_body_bytes = 1 << 20;
  // The gRPC deadline when the request sends no Grpc-Timeout.
  absl::Duration default_deadline = absl::Seconds(30);
  // Threads serving HTTP connections; each keep-alive connection holds one while it is open.
  int http_threads = 128;
  // Idle keep-alive connections are closed after this long. It also bounds shutdown: cpp-httplib waits for
  // an idle connection's timeout before its thread ends.
  absl::Duration keep_alive_timeout = absl::Seconds(5);
  // Reading a request (and writing a response) may stall no longer than this.
  absl::Duration io_timeout = absl::Seconds(10);
  // When set: served on GET /metrics, with the HTTP request metrics added (must outlive the server).
  metrics::Metrics* metrics = nullptr;
};

class GatewayServer {
 public:
  GatewayServer(GatewayOptions options, transcode::RouteTable routes, Upstream& upstream);
  ~GatewayServer();

  // Binds the listen address; returns the bound "host:port".
  absl::StatusOr<std::string> Bind();
  // Serves until Stop(). Bind() first.
  void Serve();
  void Stop();

 private:
  class Http;

  void Handle(const httplib::Request& req, httplib::Response& res);
  void HandleApi(const transcode::Route& route, const transcode::PathBindings& bindings,
                 absl::string_view raw_query, const httplib::Request& req, httplib::Response& res);
  void HandleStatic(absl::string_view raw_path, const httplib::Request& req, httplib::Response& res);
  void HandleReady(httplib::Response& res);

  GatewayOptions options_;
  transcode::RouteTable routes_;
  Upstream& upstream_;
  serving::CorsPolicy cors_;
  std::string web_root_;  // canonical, no trailing '/'
  std::unique_ptr<Http> http_;
  std::unique_ptr<HttpMetrics> http_metrics_;
};

}  // namespace syncd::gateway
