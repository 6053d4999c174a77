#include "gateway/http_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/metrics.h"
#include "gateway/http_metrics.h"
#include "gateway/serving/request_headers.h"
#include "gateway/serving/static_files.h"
#include "gateway/transcode/transcoder.h"
#include "spdlog/spdlog.h"

namespace syncd::gateway {
namespace {

using transcode::ErrorJson;
using transcode::HttpError;

constexpr char kJson[] = "application/json";

// What the log line of the request being served on this thread needs (httplib serves a connection's
// requests one after another on one thread).
struct RequestLog {
  absl::Time start;
  std::string request_id;
  std::string grpc_method;
  int grpc_code = -1;
  // The route for metrics (a template, not the raw path).
  std::string route;
};
thread_local RequestLog current_request;

void SendError(httplib::Response& res, const HttpError& error) {
  res.status = error.http_status;
  res.set_content(ErrorJson(error), kJson);
}

HttpError Error(int http_status, int grpc_code, std::string message) {
  return HttpError{http_status, grpc_code, std::move(message), {}};
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
    case 404:
      return "not found";
    case 405:
      return "method not allowed";
    case 408:
      return "request timed out";
    case 413:
      return "request body too large";
    case 414:
      return "request URI too long";
    case 416:
      return "range not satisfiable";
    default:
      return "request failed";
  }
}

}  // namespace

// httplib::Server with access to its listening socket, to raise the accept backlog that the library
// fixes at 5 when it is built (Debian's build): a burst of new connections would otherwise see SYNs
// dropped and retried a second later.
class GatewayServer::Http : public httplib::Server {
 public:
  void RaiseBacklog() { ::listen(svr_sock_, SOMAXCONN); }
};

GatewayServer::GatewayServer(GatewayOptions options, transcode::RouteTable routes, Upstream& upstream)
    : options_(std::move(options)),
      routes_(std::move(routes)),
      upstream_(upstream),
      cors_(serving::CorsPolicy::Parse(options_.cors_origins)),
      http_(std::make_unique<Http>()) {
  if (!options_.web_root.empty()) {
    std::error_code ec;
    web_root_ = std::filesystem::weakly_canonical(options_.web_root, ec).string();
    if (ec) web_root_ = options_.web_root;
    while (absl::EndsWith(web_root_, "/") && web_root_.size() > 1) web_root_.pop_back();
  }
  Http& http = *http_;
  const int threads = std::max(1, options_.http_threads);
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http.set_tcp_nodelay(true);
  http.set_keep_alive_max_count(100000);
  http.set_keep_alive_timeout(std::max<time_t>(1, absl::ToInt64Seconds(options_.keep_alive_timeout)));
  const auto io = absl::ToChronoMicroseconds(options_.io_timeout);
  http.set_read_timeout(io);
  http.set_write_timeout(io);
  http.set_payload_max_length(options_.max_body_bytes);

  http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    thread_local absl::BitGen gen;
    current_request = RequestLog{};
    current_request.start = absl::Now();
    const std::string& given = req.get_header_value("X-Request-Id");
    current_request.request_id = serving::AcceptableRequestId(given) ? given : serving::NewRequestId(gen);
    res.set_header("X-Request-Id", current_request.request_id);
    // cpp-httplib compresses text and JSON (br or gzip) when the client accepts it: caches must know.
    res.set_header("Vary", "Accept-Encoding");
    // A request without a body is answered here, before httplib matches its handlers' regular
    // expressions (std::regex costs more than the rest of the routing); one with a body goes on, so that
    // httplib reads it (and enforces --max_body_bytes) first.
    if (!req.has_header("Content-Length") && !req.has_header("Transfer-Encoding")) {
      Handle(req, res);
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  auto handler = [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); };
  http.Get(".*", handler);
  http.Post(".*", handler);
  http.Put(".*", handler);
  http.Patch(".*", handler);
  http.Delete(".*", handler);
  http.Options(".*", handler);
  // Errors httplib finds itself (413 over --max_body_bytes, 400 for a malformed request) get the same
  // JSON body as the gateway's own.
  http.set_error_handler(
      httplib::Server::HandlerWithResponse([this](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty() || res.has_header("Content-Type"))
          return httplib::Server::HandlerResponse::Unhandled;
        // Without CORS headers a browser would hide this status (e.g. 413) behind a CORS error.
        const std::string& origin = req.get_header_value("Origin");
        if (cors_.Allows(origin)) {
          for (const auto& [k, v] : cors_.ResponseHeaders(origin)) res.set_header(k, v);
        }
        const int code = res.status == 413   ? transcode::kResourceExhausted
                         : res.status == 404 ? transcode::kNotFound
                                             : transcode::kInvalidArgument;
        res.set_content(ErrorJson(Error(res.status, code, DefaultReason(res.status))), kJson);
        return httplib::Server::HandlerResponse::Handled;
      }));
  http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    spdlog::error("request_id={} failed: {}", current_request.request_id, what);
    SendError(res, Error(500, transcode::kInternal, "internal error in the gateway"));
  });
  if (options_.metrics != nullptr)
    http_metrics_ = std::make_unique<HttpMetrics>(options_.metrics->registry());
  http.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    const double ms = current_request.start == absl::Time()
                          ? 0.0
                          : absl::ToDoubleMilliseconds(absl::Now() - current_request.start);
    if (http_metrics_ != nullptr) {
      http_metrics_->Observe(current_request.route.empty() ? "other" : current_request.route, res.status,
                             absl::Milliseconds(ms));
    }
    const auto [path, query] = SplitTarget(req.target);
    // Probes come every few seconds; their successes would drown the request log.
    const bool probe = res.status == 200 && (path == "/healthz" || path == "/readyz");
    spdlog::log(res.status >= 500 ? spdlog::level::warn
                : probe           ? spdlog::level::debug
                                  : spdlog::level::info,
                "http method={} path={} status={} duration_ms={:.1f} request_id={}{}{}{}", req.method,
                std::string(path), res.status, ms,
                current_request.request_id.empty() ? "-" : current_request.request_id,
                current_request.grpc_method.empty() ? "" : " grpc_method=", current_request.grpc_method,
                current_request.grpc_code < 0 ? "" : absl::StrCat(" grpc_code=", current_request.grpc_code));
    current_request = RequestLog{};
  });
}

GatewayServer::~GatewayServer() = default;

absl::StatusOr<std::string> GatewayServer::Bind() {
  const size_t colon = options_.listen.rfind(':');
  int port = -1;
  if (colon == std::string::npos || !absl::SimpleAtoi(options_.listen.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--listen must be host:port, not \"", options_.listen, "\""));
  }
  std::string host = options_.listen.substr(0, colon);
  std::string bind_host = host;
  if (absl::StartsWith(bind_host, "[") && absl::EndsWith(bind_host, "]")) {
    bind_host = bind_host.substr(1, bind_host.size() - 2);
    http_->set_address_family(AF_INET6);
  }
  if (bind_host.empty()) bind_host = "0.0.0.0";
  if (port == 0) {
    port = http_->bind_to_any_port(bind_host);
    if (port < 0) return absl::UnavailableError(absl::StrCat("cannot listen on ", options_.listen));
  } else if (!http_->bind_to_port(bind_host, port)) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options_.listen));
  }
  http_->RaiseBacklog();
  return absl::StrCat(host.empty() ? "0.0.0.0" : host, ":", port);
}

void GatewayServer::Serve() { http_->listen_after_bind(); }

void GatewayServer::Stop() {
  upstream_.CancelStreams();
  http_->stop();
}

void GatewayServer::Handle(const httplib::Request& req, httplib::Response& res) {
  const auto [path, query] = SplitTarget(req.target);
  const std::string& origin = req.get_header_value("Origin");
  const bool cors_allowed = cors_.Allows(origin);

  if (req.method == "OPTIONS" && req.has_header("Access-Control-Request-Method")) {
    if (!cors_allowed) {
      SendError(res, Error(403, 7, absl::StrCat("origin \"", origin, "\" is not allowed (--cors_origins)")));
      return;
    }
    for (const auto& [k, v] : cors_.PreflightHeaders(origin)) res.set_header(k, v);
    res.status = 204;
    return;
  }
  if (cors_allowed) {
    for (const auto& [k, v] : cors_.ResponseHeaders(origin)) res.set_header(k, v);
  }

  if (path == "/metrics" && options_.metrics != nullptr && req.method == "GET") {
    current_request.route = "/metrics";
    res.set_content(options_.metrics->Render(), metrics::kContentType);
    return;
  }
  if (path == "/healthz" || path == "/readyz") current_request.route = std::string(path);
  if (path == "/healthz") {
    if (req.method != "GET") {
      res.set_header("Allow", "GET");
      SendError(res, Error(405, transcode::kUnimplemented, "method not allowed; allowed: GET"));
      return;
    }
    res.set_content(R"({"status":"SERVING"})", kJson);
    return;
  }
  if (path == "/readyz") {
    if (req.method != "GET") {
      res.set_header("Allow", "GET");
      SendError(res, Error(405, transcode::kUnimplemented, "method not allowed; allowed: GET"));
      return;
    }
    HandleReady(res);
    return;
  }

  transcode::RouteTable::Match match = routes_.Find(req.method, path);
  if (match.route != nullptr) {
    HandleApi(*match.route, match.bindings, query, req, res);
    return;
  }
  if (!match.allowed_methods.empty()) {
    const std::string allow = absl::StrJoin(match.allowed_methods, ", ");
    res.set_header("Allow", allow);
    if (req.method == "OPTIONS") {
      res.status = 204;
      return;
    }
    SendError(res, Error(405, transcode::kUnimplemented,
                         absl::StrCat(req.method, " is not allowed on ", path, "; allowed: ", allow)));
    return;
  }
  const bool api_path = path == "/api" || absl::StartsWith(path, "/api/");
  if (!api_path && !web_root_.empty() && (req.method == "GET" || req.method == "HEAD")) {
    current_request.route = "static";
    HandleStatic(path, req, res);
    return;
  }
  SendError(res, Error(404, transcode::kNotFound, absl::StrCat("no route for ", req.method, " ", path)));
}

void GatewayServer::HandleApi(const transcode::Route& route, const transcode::PathBindings& bindings,
                              absl::string_view raw_query, const httplib::Request& req,
                              httplib::Response& res) {
  current_request.grpc_method = route.grpc_method;
  current_request.route = absl::StrCat(route.http_method, " ", route.path.text());
  std::unique_ptr<google::protobuf::Message> request(route.request_prototype->New());
  if (std::optional<HttpError> error =
          transcode::BuildRequest(route, bindings, raw_query, req.body, *request)) {
    SendError(res, *error);
    return;
  }

  UpstreamCall call;
  call.method = route.grpc_method;
  if (!request->SerializeToString(&call.request)) {
    SendError(res, Error(500, transcode::kInternal, "the request cannot be serialized"));
    return;
  }
  call.metadata.emplace_back("x-request-id", current_request.request_id);
  if (req.has_header("Authorization"))
    call.metadata.emplace_back("authorization", req.get_header_value("Authorization"));
  absl::Duration timeout = options_.default_deadline;
  if (req.has_header("Grpc-Timeout")) {
    std::optional<absl::Duration> given = serving::ParseGrpcTimeout(req.get_header_value("Grpc-Timeout"));
    if (!given.has_value()) {
      SendError(res, HttpError{400,
                               transcode::kInvalidArgument,
                               "Grpc-Timeout must be digits and a unit (H, M, S, m, u, n), e.g. 5S or 500m",
                               {{"Grpc-Timeout", "is malformed"}}});
      return;
    }
    timeout = *given;
  }
  call.deadline = absl::Now() + timeout;

  if (route.server_streaming) {
    // Newline-delimited JSON, one {"result": ...} line per message and a final {"error": ...} line when
    // the stream fails (grpc-gateway's shape); the status is 200 once the first byte is out.
    const transcode::Route* r = &route;
    Upstream* upstream = &upstream_;
    res.set_chunked_content_provider("application/x-ndjson", [r, upstream, call](size_t,
                                                                                 httplib::DataSink& sink) {
      grpc::Status status = upstream->ServerStreaming(call, [&](std::string bytes) {
        std::unique_ptr<google::protobuf::Message> message(r->response_prototype->New());
        if (!message->ParseFromString(bytes)) return false;
        const transcode::ResponseBody body = transcode::ResponseJson(*r, *message);
        // A message that cannot be written as JSON ends the stream with its error line.
        const std::string line = absl::StrCat(body.ok() ? "{\"result\":" : "{\"error\":", body.json, "}\n");
        return sink.is_writable() && sink.write(line.data(), line.size()) && body.ok();
      });
      if (!status.ok() && status.error_code() != grpc::StatusCode::CANCELLED) {
        const std::string line = absl::StrCat(
            "{\"error\":", ErrorJson(status.error_code(), status.error_message(), status.error_details()),
            "}\n");
        sink.write(line.data(), line.size());
      }
      sink.done();
      return true;
    });
    return;
  }

  UpstreamResult result = upstream_.Unary(call);
  current_request.grpc_code = result.status.error_code();
  if (!result.status.ok()) {
    res.status = transcode::HttpStatusFromGrpcCode(result.status.error_code());
    res.set_content(
        ErrorJson(result.status.error_code(), result.status.error_message(), result.status.error_details()),
        kJson);
    return;
  }
  transcode::ResponseBody body = transcode::ResponseJsonFromBinary(route, result.response);
  res.status = body.http_status;
  res.set_content(std::move(body.json), kJson);
}

void GatewayServer::HandleReady(httplib::Response& res) {
  if (upstream_.Ready(absl::Seconds(2))) {
    res.set_content(R"({"status":"SERVING"})", kJson);
    return;
  }
  SendError(res, Error(503, transcode::kUnavailable,
                       absl::StrCat("sync_service at ", upstream_.address(), " is not serving")));
}

void GatewayServer::HandleStatic(absl::string_view raw_path, const httplib::Request& req,
                                 httplib::Response& res) {
  serving::StaticTarget target = serving::ResolveStaticPath(raw_path);
  if (target.kind == serving::StaticTarget::kRefused) {
    SendError(res, Error(400, transcode::kInvalidArgument, absl::StrCat("refused path: ", target.reason)));
    return;
  }
  namespace fs = std::filesystem;
  auto inside_root = [&](const fs::path& p) -> std::optional<std::string> {
    std::error_code ec;
    const fs::path canonical = fs::weakly_canonical(p, ec);
    if (ec) return std::nullopt;
    const std::string s = canonical.string();
    if (!absl::StartsWith(s, web_root_ + "/")) return std::nullopt;
    if (!fs::is_regular_file(canonical, ec)) return std::nullopt;
    return s;
  };
  std::string relative = target.relative_path;
  std::optional<std::string> file = inside_root(fs::path(web_root_) / relative);
  if (!file.has_value() && target.spa_route) {
    relative = "index.html";
    file = inside_root(fs::path(web_root_) / relative);
  }
  if (!file.has_value()) {
    SendError(res, Error(404, transcode::kNotFound, absl::StrCat("no file for ", raw_path)));
    return;
  }
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(*file, ec);
  const auto modified = std::filesystem::last_write_time(*file, ec);
  const std::string etag = serving::EntityTag(
      size, std::chrono::duration_cast<std::chrono::nanoseconds>(modified.time_since_epoch()).count());
  res.set_header("Cache-Control", serving::CacheControlFor(relative));
  res.set_header("ETag", etag);
  if (req.has_header("If-None-Match") &&
      serving::IfNoneMatchMatches(req.get_header_value("If-None-Match"), etag)) {
    res.status = 304;
    return;
  }
  std::ifstream in(*file, std::ios::binary);
  if (!in.is_open()) {
    SendError(res, Error(500, transcode::kInternal, "cannot read the file"));
    return;
  }
  std::stringstream content;
  content << in.rdbuf();
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_content(content.str(), serving::ContentTypeFor(relative).c_str());
}

}  // namespace syncd::gateway
