#include "tests/harness/http_test_server.h"

#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

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

namespace {

// Writes a new EC key and a self-signed certificate for 127.0.0.1 (valid for a day) to `dir`/key.pem and
// `dir`/cert.pem.
absl::Status WriteSelfSignedCertificate(const std::string& dir) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  bool ok = key != nullptr && cert != nullptr;
  if (ok) {
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("127.0.0.1"),
                               -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "IP:127.0.0.1");
    ok = san != nullptr && X509_add_ext(cert, san, -1) == 1 && X509_sign(cert, key, EVP_sha256()) > 0;
    X509_EXTENSION_free(san);
  }
  if (ok) {
    FILE* key_file = fopen((dir + "/key.pem").c_str(), "w");
    FILE* cert_file = fopen((dir + "/cert.pem").c_str(), "w");
    ok = key_file != nullptr && cert_file != nullptr &&
         PEM_write_PrivateKey(key_file, key, nullptr, nullptr, 0, nullptr, nullptr) == 1 &&
         PEM_write_X509(cert_file, cert) == 1;
    if (key_file != nullptr) fclose(key_file);
    if (cert_file != nullptr) fclose(cert_file);
  }
  X509_free(cert);
  EVP_PKEY_free(key);
  return ok ? absl::OkStatus() : absl::InternalError("could not make a self-signed certificate");
}

}  // namespace

HttpTestServer::HttpTestServer(std::unique_ptr<httplib::Server> server, bool tls)
    : server_(std::move(server)), tls_(tls) {}

absl::StatusOr<std::unique_ptr<HttpTestServer>> HttpTestServer::Start() {
  return Serve(
      std::unique_ptr<HttpTestServer>(new HttpTestServer(std::make_unique<httplib::Server>(), false)));
}

absl::StatusOr<std::unique_ptr<HttpTestServer>> HttpTestServer::StartSelfSignedTls() {
  char dir_template[] = "/tmp/syncd-tls-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) return absl::InternalError("mkdtemp failed");
  const std::string dir = dir_template;
  if (absl::Status s = WriteSelfSignedCertificate(dir); !s.ok()) return s;
  auto server = std::make_unique<httplib::SSLServer>((dir + "/cert.pem").c_str(), (dir + "/key.pem").c_str());
  if (!server->is_valid()) return absl::InternalError("the TLS test server rejected its certificate");
  std::unique_ptr<HttpTestServer> s(new HttpTestServer(std::move(server), true));
  s->tls_dir_ = dir;
  return Serve(std::move(s));
}

absl::StatusOr<std::unique_ptr<HttpTestServer>> HttpTestServer::Serve(std::unique_ptr<HttpTestServer> s) {
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

HttpTestServer::~HttpTestServer() {
  Stop();
  if (!tls_dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(tls_dir_, ignored);
  }
}

std::string HttpTestServer::Url(const std::string& path) const {
  return absl::StrCat(tls_ ? "https" : "http", "://127.0.0.1:", port_, path);
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
