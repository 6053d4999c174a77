#include "gateway/http_server.h"

#include <sys/socket.h>
#include <zlib.h>

#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/metrics.h"
#include "gateway/http_metrics.h"
#include "gateway/serving/request_headers.h"
#include "gateway/serving/static_files.h"
#include "gateway/transcode/transcoder.h"
#include "spdlog/spdlog.h"

namespace syncd::gateway {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using transcode::ErrorJson;
using transcode::HttpError;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

constexpr char kJson[] = "application/json";
// Request line plus headers; larger gets 431.
constexpr uint32_t kMaxHeaderBytes = 64 * 1024;
// Smaller bodies go out uncompressed even when the client accepts gzip: they fit a packet either way, and
// compressing them would cost more CPU than it saves on the wire.
constexpr size_t kMinCompressBytes = 1024;

absl::string_view View(beast::string_view s) { return absl::string_view(s.data(), s.size()); }
std::string_view Std(absl::string_view s) { return std::string_view(s.data(), s.size()); }

absl::string_view Header(const Request& req, absl::string_view name) {
  auto it = req.find(beast::string_view(name.data(), name.size()));
  return it == req.end() ? absl::string_view() : View(it->value());
}

bool HasHeader(const Request& req, absl::string_view name) {
  return req.find(beast::string_view(name.data(), name.size())) != req.end();
}

void SetHeader(Response& res, absl::string_view name, absl::string_view value) {
  res.set(beast::string_view(name.data(), name.size()), beast::string_view(value.data(), value.size()));
}

// For headers that may repeat (CORS adds "Vary: Origin" to "Vary: Accept-Encoding").
void AddHeaders(Response& res, const serving::Headers& headers) {
  for (const auto& [name, value] : headers) {
    res.insert(beast::string_view(name.data(), name.size()), beast::string_view(value.data(), value.size()));
  }
}

void SetContent(Response& res, int status, std::string body, absl::string_view content_type) {
  res.result(static_cast<unsigned>(status));
  res.set(http::field::content_type, beast::string_view(content_type.data(), content_type.size()));
  res.body() = std::move(body);
}

HttpError Error(int http_status, int grpc_code, std::string message) {
  return HttpError{http_status, grpc_code, std::move(message), {}};
}

void SendError(Response& res, const HttpError& error) {
  SetContent(res, error.http_status, ErrorJson(error), kJson);
}

// The raw path and query of the request target ("/a/b?x=1" -> "/a/b", "x=1").
std::pair<absl::string_view, absl::string_view> SplitTarget(absl::string_view target) {
  const size_t q = target.find('?');
  if (q == absl::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

const char* DefaultReason(int status) {
  switch (status) {
    case 400:
      return "bad request";
    case 413:
      return "request body too large";
    case 431:
      return "request header fields too large";
    default:
      return "request failed";
  }
}

// Whether the Accept-Encoding header accepts gzip (a "gzip;q=0" refuses it).
bool AcceptsGzip(absl::string_view accept_encoding) {
  for (absl::string_view part : absl::StrSplit(accept_encoding, ',')) {
    part = absl::StripAsciiWhitespace(part);
    const size_t semi = part.find(';');
    const absl::string_view coding = absl::StripAsciiWhitespace(part.substr(0, semi));
    if (!absl::EqualsIgnoreCase(coding, "gzip") && coding != "*") continue;
    if (semi == absl::string_view::npos) return true;
    const absl::string_view params = absl::StripAsciiWhitespace(part.substr(semi + 1));
    double q = 1;
    if (absl::StartsWithIgnoreCase(params, "q=") && absl::SimpleAtod(params.substr(2), &q)) return q > 0;
    return true;
  }
  return false;
}

bool Compressible(absl::string_view content_type) {
  return absl::StartsWith(content_type, "text/") || absl::StartsWith(content_type, "application/json") ||
         absl::StartsWith(content_type, "application/javascript") ||
         absl::StartsWith(content_type, "image/svg+xml");
}

std::optional<std::string> Gzip(const std::string& in) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return std::nullopt;
  }
  std::string out(deflateBound(&zs, in.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return std::nullopt;
  return out;
}

std::string Chunk(absl::string_view data) {
  char size[32];
  const int n = std::snprintf(size, sizeof(size), "%zx\r\n", data.size());
  return absl::StrCat(absl::string_view(size, n), data, "\r\n");
}

// What a request's log line and metrics need.
struct RequestLog {
  absl::Time start;
  std::string request_id;
  std::string grpc_method;
  int grpc_code = -1;
  // The route for metrics (a template, not the raw path).
  std::string route;
};

class Session;

}  // namespace

class GatewayServer::Impl {
 public:
  Impl(GatewayOptions options, transcode::RouteTable routes, Upstream& upstream);
  ~Impl();

  absl::StatusOr<std::string> Bind();
  void Serve();
  void Stop();

  // Calls whose completion will run on a loop: Stop() lets them finish before the loops end.
  void CallStarted() {
    absl::MutexLock lock(&calls_mu_);
    ++calls_;
  }
  void CallFinished() {
    absl::MutexLock lock(&calls_mu_);
    --calls_;
  }

  // Set by Stop(): connections end after the request they are serving.
  bool stopping() const { return stopping_.load(std::memory_order_relaxed); }

  const GatewayOptions& options() const { return options_; }
  const transcode::RouteTable& routes() const { return routes_; }
  Upstream& upstream() { return upstream_; }
  const serving::CorsPolicy& cors() const { return cors_; }
  const std::string& web_root() const { return web_root_; }
  HttpMetrics* http_metrics() { return http_metrics_.get(); }

 private:
  struct Loop {
    asio::io_context io{1};
    asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
  };

  void Accept();

  GatewayOptions options_;
  transcode::RouteTable routes_;
  Upstream& upstream_;
  serving::CorsPolicy cors_;
  std::string web_root_;  // canonical, no trailing '/'
  std::unique_ptr<HttpMetrics> http_metrics_;
  std::vector<std::unique_ptr<Loop>> loops_;
  tcp::acceptor acceptor_;
  asio::steady_timer accept_retry_;
  size_t next_loop_ = 0;
  std::atomic<bool> stopping_{false};
  absl::Mutex calls_mu_;
  int calls_ ABSL_GUARDED_BY(calls_mu_) = 0;
};

namespace {

// One HTTP/1.1 connection, owned by one event loop. A session is touched by one thread at a time, so it
// needs no lock: its loop's thread runs its handlers, and while a unary gRPC call is in flight (no operation
// of the session pending on the loop) the call's completion sends the response and starts the next read.
// Stream messages and readiness answers are posted to the loop.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(GatewayServer::Impl& server, tcp::socket socket) : server_(server), stream_(std::move(socket)) {}

  void Start() { ReadHeader(); }
  tcp::socket::executor_type executor() { return stream_.get_executor(); }

 private:
  const GatewayOptions& options() const { return server_.options(); }

  void ReadHeader() {
    parser_.emplace();
    parser_->header_limit(kMaxHeaderBytes);
    parser_->body_limit(options().max_body_bytes);
    stream_.expires_after(
        absl::ToChronoMicroseconds(first_ ? options().io_timeout : options().keep_alive_timeout));
    first_ = false;
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return ReadFailed(ec);
    const Request& req = parser_->get();
    if (absl::EqualsIgnoreCase(Header(req, "Expect"), "100-continue") && !parser_->is_done()) {
      static constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
      stream_.expires_after(absl::ToChronoMicroseconds(options().io_timeout));
      asio::async_write(stream_, asio::buffer(kContinue, sizeof(kContinue) - 1),
                        [self = shared_from_this()](beast::error_code ec, size_t) {
                          if (ec) return self->Close();
                          self->ReadBody();
                        });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    if (parser_->is_done()) return Dispatch();
    stream_.expires_after(absl::ToChronoMicroseconds(options().io_timeout));
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->ReadFailed(ec);
      self->Dispatch();
    });
  }

  // The request could not be read: answer what the client should know (then close), or just close.
  void ReadFailed(beast::error_code ec) {
    int status = 0;
    if (ec == http::error::body_limit) {
      status = 413;
    } else if (ec == http::error::header_limit) {
      status = 431;
    } else if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
               ec != http::error::end_of_stream && ec != http::error::partial_message &&
               ec != http::error::need_more && ec != http::error::short_read) {
      status = 400;  // a malformed request
    }
    if (status == 0) return Close();
    keep_alive_ = false;
    BeginRequest();
    const Request& req = parser_->get();
    // Without CORS headers a browser would hide this status (e.g. 413) behind a CORS error.
    const absl::string_view origin = Header(req, "Origin");
    if (server_.cors().Allows(origin)) {
      AddHeaders(res_, server_.cors().ResponseHeaders(origin));
    }
    const int code = status == 413 ? transcode::kResourceExhausted : transcode::kInvalidArgument;
    SendError(res_, Error(status, code, DefaultReason(status)));
    Finish();
  }

  void BeginRequest() {
    thread_local absl::BitGen gen;
    log_ = RequestLog{};
    log_.start = absl::Now();
    const absl::string_view given = Header(parser_->get(), "X-Request-Id");
    log_.request_id = serving::AcceptableRequestId(given) ? std::string(given) : serving::NewRequestId(gen);
    res_ = Response();
    res_.version(11);
    SetHeader(res_, "X-Request-Id", log_.request_id);
    // Responses are gzipped when the client accepts it: caches must know.
    res_.set(http::field::vary, "Accept-Encoding");
  }

  void Dispatch() {
    const Request& req = parser_->get();
    keep_alive_ = req.keep_alive() && !server_.stopping();
    BeginRequest();
    try {
      Handle(req);
    } catch (const std::exception& e) {
      spdlog::error("request_id={} failed: {}", log_.request_id, e.what());
      res_ = Response();
      res_.version(11);
      SetHeader(res_, "X-Request-Id", log_.request_id);
      SendError(res_, Error(500, transcode::kInternal, "internal error in the gateway"));
      Finish();
    }
  }

  void Handle(const Request& req) {
    const auto [path, query] = SplitTarget(View(req.target()));
    const absl::string_view method = View(req.method_string());
    const absl::string_view origin = Header(req, "Origin");
    const serving::CorsPolicy& cors = server_.cors();
    const bool cors_allowed = cors.Allows(origin);

    // With CORS on, every response depends on the Origin header (allowed or not): shared caches must know.
    if (cors.enabled() && !cors_allowed) AddHeaders(res_, {{"Vary", "Origin"}});
    if (method == "OPTIONS" && HasHeader(req, "Access-Control-Request-Method")) {
      if (!cors_allowed) {
        SendError(res_,
                  Error(403, 7, absl::StrCat("origin \"", origin, "\" is not allowed (--cors_origins)")));
        return Finish();
      }
      AddHeaders(res_, cors.PreflightHeaders(origin));
      res_.result(http::status::no_content);
      return Finish();
    }
    if (cors_allowed) {
      AddHeaders(res_, cors.ResponseHeaders(origin));
    }

    if (path == "/metrics" && options().metrics != nullptr && method == "GET") {
      log_.route = "/metrics";
      SetContent(res_, 200, options().metrics->Render(), metrics::kContentType);
      return Finish();
    }
    if (path == "/healthz" || path == "/readyz") {
      log_.route = std::string(path);
      if (method != "GET") {
        res_.set(http::field::allow, "GET");
        SendError(res_, Error(405, transcode::kUnimplemented, "method not allowed; allowed: GET"));
        return Finish();
      }
      if (path == "/healthz") {
        SetContent(res_, 200, R"({"status":"SERVING"})", kJson);
        return Finish();
      }
      return HandleReady();
    }

    transcode::RouteTable::Match match = server_.routes().Find(method, path);
    // A compressed body would be read as JSON and refused with its bytes quoted back: say what is wrong.
    const absl::string_view encoding = absl::StripAsciiWhitespace(Header(req, "Content-Encoding"));
    if (match.route != nullptr && !encoding.empty() && !absl::EqualsIgnoreCase(encoding, "identity")) {
      SetHeader(res_, "Accept-Encoding", "identity");
      SendError(res_, Error(415, transcode::kInvalidArgument,
                            absl::StrCat("Content-Encoding \"", encoding,
                                         "\" is not supported: send the request body uncompressed")));
      return Finish();
    }
    if (match.route != nullptr) return HandleApi(*match.route, match.bindings, query, req);
    if (!match.allowed_methods.empty()) {
      const std::string allow = absl::StrJoin(match.allowed_methods, ", ");
      SetHeader(res_, "Allow", allow);
      if (method == "OPTIONS") {
        res_.result(http::status::no_content);
        return Finish();
      }
      SendError(res_, Error(405, transcode::kUnimplemented,
                            absl::StrCat(method, " is not allowed on ", path, "; allowed: ", allow)));
      return Finish();
    }
    const bool api_path = path == "/api" || absl::StartsWith(path, "/api/");
    if (!api_path && !server_.web_root().empty() && (method == "GET" || method == "HEAD")) {
      log_.route = "static";
      HandleStatic(path, req);
      return Finish();
    }
    SendError(res_, Error(404, transcode::kNotFound, absl::StrCat("no route for ", method, " ", path)));
    Finish();
  }

  void HandleReady() {
    server_.CallStarted();
    server_.upstream().Ready(absl::Seconds(2), [self = shared_from_this()](bool ready) {
      asio::post(self->stream_.get_executor(), [self, ready] {
        if (ready) {
          SetContent(self->res_, 200, R"({"status":"SERVING"})", kJson);
        } else {
          SendError(self->res_, Error(503, transcode::kUnavailable,
                                      absl::StrCat("sync_service at ", self->server_.upstream().address(),
                                                   " is not serving")));
        }
        self->Finish();
        self->server_.CallFinished();
      });
    });
  }

  void HandleApi(const transcode::Route& route, const transcode::PathBindings& bindings,
                 absl::string_view raw_query, const Request& req) {
    log_.grpc_method = route.grpc_method;
    log_.route = absl::StrCat(route.http_method, " ", route.path.text());
    std::unique_ptr<google::protobuf::Message> request(route.request_prototype->New());
    if (std::optional<HttpError> error =
            transcode::BuildRequest(route, bindings, raw_query, req.body(), *request)) {
      SendError(res_, *error);
      return Finish();
    }

    UpstreamCall call;
    call.method = route.grpc_method;
    if (!request->SerializeToString(&call.request)) {
      SendError(res_, Error(500, transcode::kInternal, "the request cannot be serialized"));
      return Finish();
    }
    call.metadata.emplace_back("x-request-id", log_.request_id);
    if (HasHeader(req, "Authorization"))
      call.metadata.emplace_back("authorization", Header(req, "Authorization"));
    absl::Duration timeout = options().default_deadline;
    if (HasHeader(req, "Grpc-Timeout")) {
      std::optional<absl::Duration> given = serving::ParseGrpcTimeout(Header(req, "Grpc-Timeout"));
      if (!given.has_value()) {
        SendError(
            res_,
            HttpError{400,
                      transcode::kInvalidArgument,
                      "Grpc-Timeout must be a positive number of at most 8 digits and a unit (H, M, S, m, "
                      "u, n), e.g. 5S or 500m",
                      {{"Grpc-Timeout", "is malformed"}}});
        return Finish();
      }
      timeout = *given;
    }
    call.deadline = absl::Now() + timeout;

    if (route.server_streaming) return StartStream(route, std::move(call));

    server_.CallStarted();
    // The gRPC thread that completes the call prints the JSON and sends the response itself: while the call
    // is in flight no operation of this session is pending and its loop does not touch it, so the
    // completion may, and handing the response to the loop would cost a thread wake-up per request. The
    // next request is then read by the loop as usual.
    server_.upstream().Unary(
        std::move(call), [self = shared_from_this(), &route](UpstreamResult result) mutable {
          const int code = result.status.error_code();
          int status = 500;
          std::string json;
          try {
            if (!result.status.ok()) {
              status = transcode::HttpStatusFromGrpcCode(code);
              json = ErrorJson(code, result.status.error_message(), result.status.error_details());
            } else {
              transcode::ResponseBody body = transcode::ResponseJsonFromBinary(route, result.response);
              status = body.http_status;
              json = std::move(body.json);
            }
          } catch (const std::exception& e) {
            spdlog::error("request_id={} failed: {}", self->log_.request_id, e.what());
            status = 500;
            json = ErrorJson(Error(500, transcode::kInternal, "internal error in the gateway"));
          }
          std::shared_ptr<Session> session = std::move(self);
          session->log_.grpc_code = code;
          SetContent(session->res_, status, std::move(json), kJson);
          session->Finish();
          // Stop() may end the loops once the count is zero: let go of the session first.
          GatewayServer::Impl& server = session->server_;
          session.reset();
          server.CallFinished();
        });
  }

  // Newline-delimited JSON, one {"result": ...} line per message and a final {"error": ...} line when the
  // stream fails (grpc-gateway's shape); the status is 200 once the first byte is out. Each message is
  // read from sync_service only after the previous line is written (a slow client slows the stream, it
  // does not fill the gateway's memory).
  void StartStream(const transcode::Route& route, UpstreamCall call) {
    log_.grpc_code = -1;
    res_.result(http::status::ok);
    res_.set(http::field::content_type, "application/x-ndjson");
    res_.chunked(true);
    res_.keep_alive(keep_alive_);
    std::ostringstream head;
    head << res_.base();
    out_ = head.str();
    server_.CallStarted();
    stream_.expires_after(absl::ToChronoMicroseconds(options().io_timeout));
    asio::async_write(
        stream_, asio::buffer(out_),
        [self = shared_from_this(), &route, call = std::move(call)](beast::error_code ec, size_t) mutable {
          if (ec) {
            self->broken_ = true;
            self->log_.grpc_code = grpc::StatusCode::CANCELLED;
            self->EndStream();
            return;
          }
          self->OpenUpstreamStream(route, std::move(call));
        });
  }

  void OpenUpstreamStream(const transcode::Route& route, UpstreamCall call) {
    StreamCallbacks callbacks;
    callbacks.on_message = [self = shared_from_this(), &route](std::string bytes) {
      std::unique_ptr<google::protobuf::Message> message(route.response_prototype->New());
      std::string line;
      bool ok = message->ParseFromString(bytes);
      if (ok) {
        const transcode::ResponseBody body = transcode::ResponseJson(route, *message);
        // A message that cannot be written as JSON ends the stream with its error line.
        ok = body.ok();
        line = absl::StrCat(body.ok() ? "{\"result\":" : "{\"error\":", body.json, "}\n");
      }
      asio::post(self->stream_.get_executor(),
                 [self, ok, line = std::move(line)] { self->WriteStreamLine(line, ok); });
    };
    callbacks.on_done = [self = shared_from_this()](grpc::Status status) {
      asio::post(self->stream_.get_executor(), [self, status = std::move(status)] {
        self->upstream_stream_ = nullptr;
        self->log_.grpc_code = status.error_code();
        std::string tail;
        if (!status.ok() && status.error_code() != grpc::StatusCode::CANCELLED) {
          tail = Chunk(absl::StrCat(
              "{\"error\":", ErrorJson(status.error_code(), status.error_message(), status.error_details()),
              "}\n"));
        }
        self->WriteStreamEnd(std::move(tail));
      });
    };
    upstream_stream_ = server_.upstream().ServerStreaming(std::move(call), std::move(callbacks));
  }

  void WriteStreamLine(const std::string& line, bool go_on) {
    if (broken_ || line.empty()) {
      upstream_stream_->Cancel();
      return;
    }
    out_ = Chunk(line);
    stream_.expires_after(absl::ToChronoMicroseconds(options().io_timeout));
    asio::async_write(stream_, asio::buffer(out_),
                      [self = shared_from_this(), go_on](beast::error_code ec, size_t) {
                        if (ec) self->broken_ = true;
                        if (ec || !go_on) {
                          self->upstream_stream_->Cancel();
                        } else {
                          self->upstream_stream_->Next();
                        }
                      });
  }

  void WriteStreamEnd(std::string tail) {
    if (broken_) return EndStream();
    out_ = absl::StrCat(tail, "0\r\n\r\n");
    stream_.expires_after(absl::ToChronoMicroseconds(options().io_timeout));
    asio::async_write(stream_, asio::buffer(out_), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) self->broken_ = true;
      self->EndStream();
    });
  }

  void EndStream() {
    Log(200);
    server_.CallFinished();
    if (broken_) return Close();
    if (!keep_alive_) return CloseGracefully();
    ReadHeader();
  }

  void HandleStatic(absl::string_view raw_path, const Request& req) {
    const std::string& web_root = server_.web_root();
    serving::StaticTarget target = serving::ResolveStaticPath(raw_path);
    if (target.kind == serving::StaticTarget::kRefused) {
      SendError(res_, Error(400, transcode::kInvalidArgument, absl::StrCat("refused path: ", target.reason)));
      return;
    }
    namespace fs = std::filesystem;
    auto inside_root = [&](const fs::path& p) -> std::optional<std::string> {
      std::error_code ec;
      const fs::path canonical = fs::weakly_canonical(p, ec);
      if (ec) return std::nullopt;
      const std::string s = canonical.string();
      if (!absl::StartsWith(s, web_root + "/")) return std::nullopt;
      if (!fs::is_regular_file(canonical, ec)) return std::nullopt;
      return s;
    };
    std::string relative = target.relative_path;
    std::optional<std::string> file = inside_root(fs::path(web_root) / relative);
    if (!file.has_value() && target.spa_route) {
      relative = "index.html";
      file = inside_root(fs::path(web_root) / relative);
    }
    if (!file.has_value()) {
      SendError(res_, Error(404, transcode::kNotFound, absl::StrCat("no file for ", raw_path)));
      return;
    }
    std::error_code ec;
    const uint64_t size = std::filesystem::file_size(*file, ec);
    const auto modified = std::filesystem::last_write_time(*file, ec);
    const std::string etag = serving::EntityTag(
        size, std::chrono::duration_cast<std::chrono::nanoseconds>(modified.time_since_epoch()).count());
    SetHeader(res_, "Cache-Control", serving::CacheControlFor(relative));
    SetHeader(res_, "ETag", etag);
    if (HasHeader(req, "If-None-Match") && serving::IfNoneMatchMatches(Header(req, "If-None-Match"), etag)) {
      res_.result(http::status::not_modified);
      return;
    }
    std::ifstream in(*file, std::ios::binary);
    if (!in.is_open()) {
      SendError(res_, Error(500, transcode::kInternal, "cannot read the file"));
      return;
    }
    std::stringstream content;
    content << in.rdbuf();
    SetHeader(res_, "X-Content-Type-Options", "nosniff");
    SetContent(res_, 200, content.str(), serving::ContentTypeFor(relative));
  }

  // Sends res_, then reads the next request (keep-alive) or closes.
  void Finish() {
    const int status = static_cast<int>(res_.result_int());
    const bool head = parser_->get().method() == http::verb::head;
    if (res_.body().size() >= kMinCompressBytes && !res_.count(http::field::content_encoding) &&
        Compressible(View(res_[http::field::content_type])) &&
        AcceptsGzip(Header(parser_->get(), "Accept-Encoding"))) {
      if (std::optional<std::string> gzipped = Gzip(res_.body())) {
        res_.body() = *std::move(gzipped);
        res_.set(http::field::content_encoding, "gzip");
      }
    }
    res_.keep_alive(keep_alive_);
    if (status == 204 || status == 304) {
      res_.body().clear();
    } else {
      res_.content_length(res_.body().size());
    }
    if (head) res_.body().clear();  // the headers a GET would get, Content-Length included
    Log(status);
    out_.clear();
    absl::string_view reason = View(res_.reason());
    if (absl::StartsWith(reason, "<")) reason = status == 499 ? "Client Closed Request" : "Unknown";
    absl::StrAppend(&out_, "HTTP/1.1 ", status, " ", reason, "\r\n");
    for (const auto& field : res_)
      absl::StrAppend(&out_, View(field.name_string()), ": ", View(field.value()), "\r\n");
    absl::StrAppend(&out_, "\r\n", res_.body());
    // One non-blocking send first: a usual response fits the socket buffer and goes out at once, without
    // an operation on the loop.
    const ssize_t sent =
        ::send(stream_.socket().native_handle(), out_.data(), out_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent == static_cast<ssize_t>(out_.size())) return AfterResponse(beast::error_code());
    if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
      return AfterResponse(asio::error::connection_reset);
    const size_t offset = sent < 0 ? 0 : static_cast<size_t>(sent);
    stream_.expires_after(absl::ToChronoMicroseconds(options().io_timeout));
    asio::async_write(stream_, asio::buffer(out_.data() + offset, out_.size() - offset),
                      [self = shared_from_this()](beast::error_code ec, size_t) { self->AfterResponse(ec); });
  }

  void AfterResponse(beast::error_code ec) {
    if (ec) return Close();
    if (!keep_alive_) return CloseGracefully();
    ReadHeader();
  }

  void Log(int status) {
    const Request& req = parser_->get();
    const absl::Duration took = log_.start == absl::Time() ? absl::ZeroDuration() : absl::Now() - log_.start;
    if (HttpMetrics* metrics = server_.http_metrics()) {
      metrics->Observe(log_.route.empty() ? "other" : log_.route, status, took);
    }
    const auto [path, query] = SplitTarget(View(req.target()));
    // Probes come every few seconds; their successes would drown the request log.
    const bool probe = status == 200 && (path == "/healthz" || path == "/readyz");
    const spdlog::level::level_enum level = status >= 500 ? spdlog::level::warn
                                            : probe       ? spdlog::level::debug
                                                          : spdlog::level::info;
    if (!spdlog::should_log(level)) return;
    spdlog::log(level, "http method={} path={} status={} duration_ms={:.1f} request_id={}{}{}{}",
                Std(View(req.method_string())), Std(path), status, absl::ToDoubleMilliseconds(took),
                log_.request_id.empty() ? "-" : log_.request_id,
                log_.grpc_method.empty() ? "" : " grpc_method=", log_.grpc_method,
                log_.grpc_code < 0 ? "" : absl::StrCat(" grpc_code=", log_.grpc_code));
  }

  void Close() { stream_.close(); }

  // After the last response: the client may still be sending (the body of a request answered 413), and
  // closing with unread bytes would reset the connection, losing the response. So: no more writes, read
  // and drop what comes until the client closes (bounded in time), then close.
  void CloseGracefully() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::seconds(2));
    Drain();
  }
  void Drain() {
    stream_.async_read_some(asio::buffer(drain_), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->Close();
      self->Drain();
    });
  }

  GatewayServer::Impl& server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Response res_;
  RequestLog log_;
  bool first_ = true;
  bool keep_alive_ = true;
  // A write of an NDJSON stream to the client failed.
  bool broken_ = false;
  UpstreamStream* upstream_stream_ = nullptr;
  // The bytes being written by hand (NDJSON head and chunks).
  std::string out_;
  std::array<char, 4096> drain_;
};

}  // namespace

GatewayServer::Impl::Impl(GatewayOptions options, transcode::RouteTable routes, Upstream& upstream)
    : options_(std::move(options)),
      routes_(std::move(routes)),
      upstream_(upstream),
      cors_(serving::CorsPolicy::Parse(options_.cors_origins)),
      loops_([&] {
        std::vector<std::unique_ptr<Loop>> loops;
        for (int i = 0; i < std::max(1, options_.http_threads); ++i)
          loops.push_back(std::make_unique<Loop>());
        return loops;
      }()),
      acceptor_(loops_[0]->io),
      accept_retry_(loops_[0]->io) {
  if (!options_.web_root.empty()) {
    std::error_code ec;
    web_root_ = std::filesystem::weakly_canonical(options_.web_root, ec).string();
    if (ec) web_root_ = options_.web_root;
    while (absl::EndsWith(web_root_, "/") && web_root_.size() > 1) web_root_.pop_back();
  }
  if (options_.metrics != nullptr)
    http_metrics_ = std::make_unique<HttpMetrics>(options_.metrics->registry());
}

GatewayServer::Impl::~Impl() {
  // The acceptor and the timer go first (members in reverse order), then the loops and with them the
  // sessions still queued on them (their sockets close).
  for (auto& loop : loops_) loop->io.stop();
}

absl::StatusOr<std::string> GatewayServer::Impl::Bind() {
  const size_t colon = options_.listen.rfind(':');
  int port = -1;
  if (colon == std::string::npos || !absl::SimpleAtoi(options_.listen.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--listen must be host:port, not \"", options_.listen, "\""));
  }
  const std::string host = options_.listen.substr(0, colon);
  std::string bind_host = host;
  if (absl::StartsWith(bind_host, "[") && absl::EndsWith(bind_host, "]")) {
    bind_host = bind_host.substr(1, bind_host.size() - 2);
  }
  if (bind_host.empty()) bind_host = "0.0.0.0";
  const std::string cannot = absl::StrCat("cannot listen on ", options_.listen);
  beast::error_code ec;
  tcp::resolver resolver(loops_[0]->io);
  const auto endpoints = resolver.resolve(bind_host, std::to_string(port),
                                          tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) return absl::UnavailableError(absl::StrCat(cannot, ": ", ec.message()));
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    acceptor_.close();
    return absl::UnavailableError(absl::StrCat(cannot, ": ", ec.message()));
  }
  return absl::StrCat(host.empty() ? "0.0.0.0" : host, ":", acceptor_.local_endpoint().port());
}

void GatewayServer::Impl::Accept() {
  // Connections go to the loops in turn; a loop serves its connections from then on.
  Loop& loop = *loops_[next_loop_++ % loops_.size()];
  acceptor_.async_accept(loop.io, [this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      // Out of file descriptors, usually: try again shortly rather than spin.
      spdlog::warn("accepting an HTTP connection failed: {}", ec.message());
      accept_retry_.expires_after(std::chrono::milliseconds(100));
      accept_retry_.async_wait([this](beast::error_code wait_ec) {
        if (!wait_ec) Accept();
      });
      return;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto session = std::make_shared<Session>(*this, std::move(socket));
    asio::dispatch(session->executor(), [session] { session->Start(); });
    Accept();
  });
}

void GatewayServer::Impl::Serve() {
  asio::post(loops_[0]->io, [this] { Accept(); });
  std::vector<std::thread> threads;
  for (size_t i = 1; i < loops_.size(); ++i) threads.emplace_back([this, i] { loops_[i]->io.run(); });
  loops_[0]->io.run();
  for (std::thread& t : threads) t.join();
}

void GatewayServer::Impl::Stop() {
  stopping_.store(true);
  asio::post(loops_[0]->io, [this] {
    beast::error_code ignored;
    acceptor_.close(ignored);
    accept_retry_.cancel();
  });
  upstream_.CancelStreams();
  {
    // The calls in flight end by their deadlines at the latest; their responses are written first.
    absl::MutexLock lock(&calls_mu_);
    calls_mu_.Await(absl::Condition(
        +[](int* calls) { return *calls == 0; }, &calls_));
  }
  for (auto& loop : loops_) loop->io.stop();
}

GatewayServer::GatewayServer(GatewayOptions options, transcode::RouteTable routes, Upstream& upstream)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(routes), upstream)) {}

GatewayServer::~GatewayServer() = default;

absl::StatusOr<std::string> GatewayServer::Bind() { return impl_->Bind(); }

void GatewayServer::Serve() { impl_->Serve(); }

void GatewayServer::Stop() { impl_->Stop(); }

}  // namespace syncd::gateway
