#include "tests/harness/http_test_server.h"

#include <httplib.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace syncd::testing {

std::string RecordedRequest::Param(const std::string& name) const {
  auto it = params.find(name);
  return it == params.end() ? "" : it->second;
}

std::string RecordedRequest::Header(const std::string& lower_case_name) const {
  auto it = headers.find(lower_case_name);
  return it == headers.end() ? "" : it->second;
}

HttpTestServer::HttpTestServer() : server_(std::make_unique<httplib::Server>()) {}

absl::StatusOr<std::unique_ptr<HttpTestServer>> HttpTestServer::Start() {
  std::unique_ptr<HttpTestServer> s(new HttpTestServer());
  HttpTestServer* self = s.get();
  auto handler = [self](const httplib::Request& req, httplib::Response& res) {
    RecordedRequest r;
    r.arrived = absl::Now();
    r.method = req.method;
    r.path = req.path;
    for (const auto& [name, value] : req.params) r.params.emplace(name, value);
    for (const auto& [name, value] : req.headers) r.headers.emplace(absl::AsciiStrToLower(name), value);
    r.body = req.body;
    ScriptedResponse response;
    self->Handle(r, response);
    res.status = response.status;
    for (const auto& [name, value] : response.headers) res.set_header(name, value);
    res.set_content(response.body, response.content_type);
  };
  s->server_->Get(R"(/.*)", handler);
  s->server_->Post(R"(/.*)", handler);
  s->port_ = s->server_->bind_to_any_port("127.0.0.1");
  if (s->port_ <= 0) return absl::UnavailableError("the test HTTP server could not bind 127.0.0.1");
  s->thread_ = std::thread([self] { self->server_->listen_after_bind(); });
  // Bound and listening already: connections wait in the backlog until the thread accepts them.
  return s;
}

HttpTestServer::~HttpTestServer() { Stop(); }

std::string HttpTestServer::Url(const std::string& path) const {
  return absl::StrCat("http://127.0.0.1:", port_, path);
}

void HttpTestServer::Route(const std::string& path, Handler handler) {
  absl::MutexLock lock(&mu_);
  routes_[path] = std::move(handler);
}

void HttpTestServer::Respond(const std::string& path, ScriptedResponse response) {
  Route(path, [response](const RecordedRequest&) { return response; });
}

void HttpTestServer::RespondInOrder(const std::string& path, std::vector<ScriptedResponse> responses) {
  auto next = std::make_shared<size_t>(0);
  // Handlers run under no lock of ours: the counter has its own.
  auto mu = std::make_shared<absl::Mutex>();
  Route(path, [responses = std::move(responses), next, mu](const RecordedRequest&) {
    absl::MutexLock lock(mu.get());
    const size_t i = std::min(*next, responses.size() - 1);
    ++*next;
    return responses[i];
  });
}

std::vector<RecordedRequest> HttpTestServer::Requests(const std::string& path) const {
  absl::MutexLock lock(&mu_);
  if (path.empty()) return requests_;
  std::vector<RecordedRequest> out;
  for (const RecordedRequest& r : requests_) {
    if (r.path == path) out.push_back(r);
  }
  return out;
}

void HttpTestServer::Handle(const RecordedRequest& request, ScriptedResponse& response) {
  Handler handler;
  {
    absl::MutexLock lock(&mu_);
    requests_.push_back(request);
    auto it = routes_.find(request.path);
    if (it != routes_.end()) handler = it->second;
  }
  if (!handler) {
    response = {.status = 404, .body = absl::StrCat(R"({"error": "no route for )", request.path, R"("})")};
    return;
  }
  response = handler(request);
  if (response.delay > absl::ZeroDuration()) {
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), response.delay);
  }
}

void HttpTestServer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace syncd::testing
