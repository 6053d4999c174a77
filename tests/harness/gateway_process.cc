#include "tests/harness/gateway_process.h"

#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

#ifndef GATEWAY_BINARY
#error "GATEWAY_BINARY must be defined (tests/CMakeLists.txt sets it to the gateway target's file)"
#endif

namespace syncd::testing {
namespace {

constexpr absl::Duration kStartTimeout = absl::Seconds(30);

}  // namespace

std::string HttpResponse::Header(const std::string& name) const {
  auto it = headers.find(absl::AsciiStrToLower(name));
  return it == headers.end() ? std::string() : it->second;
}

HttpResponse SendHttp(const std::string& address, const std::string& method, const std::string& target,
                      const std::string& body, const HttpHeaders& headers, absl::Duration timeout) {
  HttpResponse out;
  const size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port)) {
    out.error = "bad address " + address;
    return out;
  }
  httplib::Client client(address.substr(0, colon), port);
  client.set_connection_timeout(absl::ToChronoSeconds(timeout));
  client.set_read_timeout(absl::ToChronoSeconds(timeout));
  client.set_write_timeout(absl::ToChronoSeconds(timeout));
  httplib::Request req;
  req.method = method;
  req.path = target;  // sent as is: httplib does not re-encode a request path
  bool has_content_type = false;
  for (const auto& [k, v] : headers) {
    req.headers.emplace(k, v);
    if (absl::AsciiStrToLower(k) == "content-type") has_content_type = true;
  }
  if (!body.empty()) {
    req.body = body;
    if (!has_content_type) req.headers.emplace("Content-Type", "application/json");
  }
  httplib::Result result = client.send(req);
  if (!result) {
    out.error = httplib::to_string(result.error());
    return out;
  }
  out.status = result->status;
  out.body = result->body;
  for (const auto& [k, v] : result->headers) out.headers.emplace(absl::AsciiStrToLower(k), v);
  return out;
}

std::string DefaultGatewayBinary() { return GATEWAY_BINARY; }

absl::StatusOr<std::unique_ptr<GatewayProcess>> GatewayProcess::Start(GatewayProcessOptions options) {
  if (options.binary.empty()) options.binary = DefaultGatewayBinary();
  std::unique_ptr<GatewayProcess> gateway(new GatewayProcess(std::move(options)));
  absl::StatusOr<std::string> dir = MakeTempDir("syncd-gateway-");
  if (!dir.ok()) return dir.status();
  gateway->dir_ = *dir;
  gateway->port_file_ = gateway->dir_ + "/port";
  gateway->log_path_ = gateway->dir_ + "/gateway.log";
  if (absl::Status s = gateway->Launch(); !s.ok()) return s;
  return gateway;
}

GatewayProcess::~GatewayProcess() {
  if (process_ != nullptr) Stop();
  if (!dir_.empty() && getenv("SYNCD_TEST_KEEP_TMP") == nullptr) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

absl::Status GatewayProcess::Launch() {
  ProcessOptions process_options;
  process_options.argv = {options_.binary, "--sync_service_address=" + options_.sync_service_address,
                          "--listen=" + options_.listen, "--port_file=" + port_file_};
  process_options.argv.insert(process_options.argv.end(), options_.extra_args.begin(),
                              options_.extra_args.end());
  process_options.extra_env = options_.extra_env;
  process_options.log_path = log_path_;
  absl::StatusOr<std::unique_ptr<Process>> process = Process::Start(process_options);
  if (!process.ok()) return process.status();
  process_ = *std::move(process);

  const absl::Time deadline = absl::Now() + kStartTimeout;
  std::optional<std::string> address;
  while (!(address = ReadAddressFile(port_file_)).has_value()) {
    if (!process_->IsRunning()) {
      return absl::InternalError(
          absl::StrCat("gateway exited while starting (", process_->Wait().ToString(), ")\n", LogTail()));
    }
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("gateway wrote no address to ", port_file_, "\n", LogTail()));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  address_ = *address;
  while (true) {
    HttpResponse health = SendHttp(address_, "GET", "/healthz", "", {}, absl::Seconds(2));
    if (health.status == 200) return absl::OkStatus();
    if (absl::Now() >= deadline) {
      return absl::UnavailableError(absl::StrCat(
          "gateway at ", address_, " does not answer /healthz: ", health.error, "\n", LogTail()));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
}

ExitStatus GatewayProcess::Stop(absl::Duration grace) {
  if (process_ == nullptr) return ExitStatus{};
  ExitStatus status = process_->Stop(SIGTERM, grace);
  process_.reset();
  return status;
}

bool GatewayProcess::IsRunning() { return process_ != nullptr && process_->IsRunning(); }

std::string GatewayProcess::Log() const {
  std::ifstream in(log_path_);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string GatewayProcess::LogTail(int max_lines) const { return FileTail(log_path_, max_lines); }

}  // namespace syncd::testing
