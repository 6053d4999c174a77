// The gateway's HTTP/1.1 server: /healthz, /readyz, /metrics, the API routes of the route table
// transcoded to gRPC calls, and the web UI's static files. One log line per request.
//
// Event-driven (Boost.Beast on Asio): `http_threads` event loops own the connections, any number each;
// an API request starts an asynchronous gRPC call and its completion is handed back to the loop that owns
// the connection, so no thread waits for sync_service and an idle keep-alive connection costs a socket,
// not a thread.
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
  // Event-loop threads serving the HTTP connections (each serves any number of connections).
  int http_threads = 2;
  // Idle keep-alive connections are closed after this long.
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
  // Stops accepting, ends the NDJSON streams, lets the calls in flight finish and their responses go out,
  // then closes the connections; Serve() returns.
  void Stop();

  // The server's state (http_server.cc), shared with its connections.
  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace syncd::gateway
