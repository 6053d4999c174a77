// A local HTTP server that a test controls: cpp-httplib on 127.0.0.1, a free port, its own threads. The
// test scripts what each path answers (status, body, headers, a delay before answering) and reads back
// every request the server received, with its headers, body and arrival time.
//
//   absl::StatusOr<std::unique_ptr<HttpTestServer>> server = HttpTestServer::Start();
//   (*server)->Respond("/items", {.body = R"({"items": [{"id": 1}]})"});
//   (*server)->Route("/pages", [](const RecordedRequest& r) {
//     return r.Param("cursor") == "2" ? ScriptedResponse{.body = last_page} : ScriptedResponse{.body =
//     first};
//   });
//   ... sync against (*server)->Url("/items") ...
//   std::vector<RecordedRequest> seen = (*server)->Requests("/items");
//
// A path without a script answers 404 with a JSON error. Stop() (or the destructor) cuts delays short.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace httplib {
class Server;
}

namespace syncd::testing {

struct RecordedRequest {
  std::string method;
  // Without the query.
  std::string path;
  // Query parameters, decoded.
  std::multimap<std::string, std::string> params;
  // Header names in lower case.
  std::multimap<std::string, std::string> headers;
  std::string body;
  absl::Time arrived;

  // The first value of query parameter / header `name` ("" when absent).
  std::string Param(const std::string& name) const;
  std::string Header(const std::string& lower_case_name) const;
};

struct ScriptedResponse {
  int status = 200;
  std::string body = "";
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers = {};
  // Waited before answering (cut short by Stop()).
  absl::Duration delay = absl::ZeroDuration();
};

class HttpTestServer {
 public:
  using Handler = std::function<ScriptedResponse(const RecordedRequest&)>;

  // Listens on 127.0.0.1 on a free port and serves on a background thread.
  static absl::StatusOr<std::unique_ptr<HttpTestServer>> Start();
  // The same over HTTPS, with a freshly made self-signed certificate for 127.0.0.1 that no client trusts.
  static absl::StatusOr<std::unique_ptr<HttpTestServer>> StartSelfSignedTls();

  HttpTestServer(const HttpTestServer&) = delete;
  HttpTestServer& operator=(const HttpTestServer&) = delete;
  ~HttpTestServer();

  int port() const { return port_; }
  // "http://127.0.0.1:<port><path>" ("https://..." for a TLS server).
  std::string Url(const std::string& path) const;

  // Requests to `path` (any method, any query) are answered by `handler` from now on.
  void Route(const std::string& path, Handler handler);
  // Always the same answer.
  void Respond(const std::string& path, ScriptedResponse response);
  // The n-th request gets the n-th answer; the last one repeats.
  void RespondInOrder(const std::string& path, std::vector<ScriptedResponse> responses);

  // The requests received so far (to `path` only, when given), in order of arrival.
  std::vector<RecordedRequest> Requests(const std::string& path = "") const;

  // Stops serving; requests waiting out a delay are answered at once.
  void Stop();

 private:
  explicit HttpTestServer(std::unique_ptr<httplib::Server> server, bool tls);
  static absl::StatusOr<std::unique_ptr<HttpTestServer>> Serve(std::unique_ptr<HttpTestServer> s);
  void Handle(const RecordedRequest& request, ScriptedResponse& response);

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  bool tls_ = false;
  // The certificate and key files of a TLS server.
  std::string tls_dir_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::string, Handler> routes_ ABSL_GUARDED_BY(mu_);
  std::vector<RecordedRequest> requests_ ABSL_GUARDED_BY(mu_);
};

}  // namespace syncd::testing
