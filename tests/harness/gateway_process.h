// The real gateway binary, run for a test in front of a sync_service on a free port of 127.0.0.1, and a
// plain HTTP/1.1 client (cpp-httplib) to talk to it like a browser or curl would.
//
//   absl::StatusOr<std::unique_ptr<GatewayProcess>> gateway =
//       GatewayProcess::Start({.sync_service_address = service->address()});
//   HttpResponse r = (*gateway)->Send("GET", "/api/integrations");
//   EXPECT_EQ(r.status, 200) << r.body;
//
// The binary writes "host:port" to --port_file once it serves; Start() waits for that and for /healthz.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/harness/http_response.h"
#include "tests/harness/process.h"

namespace syncd::testing {

struct GatewayProcessOptions {
  std::string sync_service_address;
  std::string listen = "127.0.0.1:0";
  // Flags added after --sync_service_address, --listen and --port_file (e.g. "--web_root=...").
  std::vector<std::string> extra_args;
  // "NAME=value" entries for the gateway's environment.
  std::vector<std::string> extra_env;
  // Empty: the gateway built with the tests.
  std::string binary;
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// One request to `address` ("host:port") on a new connection; `target` is sent as is (path and query,
// percent-encoded by the caller). A body is sent as application/json unless headers set Content-Type.
HttpResponse SendHttp(const std::string& address, const std::string& method, const std::string& target,
                      const std::string& body = "", const HttpHeaders& headers = {},
                      absl::Duration timeout = absl::Seconds(30));

class GatewayProcess {
 public:
  // Starts the gateway and waits (up to 30 s) until /healthz answers. Fails with the gateway log when it
  // exits or does not come up.
  static absl::StatusOr<std::unique_ptr<GatewayProcess>> Start(GatewayProcessOptions options);

  GatewayProcess(const GatewayProcess&) = delete;
  GatewayProcess& operator=(const GatewayProcess&) = delete;
  // Stops the gateway and removes its temp dir.
  ~GatewayProcess();

  // "127.0.0.1:<port>".
  const std::string& address() const { return address_; }
  // "http://127.0.0.1:<port>".
  std::string url() const { return "http://" + address_; }

  HttpResponse Send(const std::string& method, const std::string& target, const std::string& body = "",
                    const HttpHeaders& headers = {}) const {
    return SendHttp(address_, method, target, body, headers);
  }

  ExitStatus Stop(absl::Duration grace = absl::Seconds(10));
  bool IsRunning();
  pid_t pid() const { return process_->pid(); }

  // The gateway log (its request lines), whole or the last lines.
  std::string Log() const;
  std::string LogTail(int max_lines = 60) const;

 private:
  explicit GatewayProcess(GatewayProcessOptions options) : options_(std::move(options)) {}
  absl::Status Launch();

  GatewayProcessOptions options_;
  std::string dir_;
  std::string port_file_;
  std::string log_path_;
  std::string address_;
  std::unique_ptr<Process> process_;
};

// The gateway binary the tests were built with.
std::string DefaultGatewayBinary();

}  // namespace syncd::testing
