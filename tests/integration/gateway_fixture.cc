#include "tests/integration/gateway_fixture.h"

#include <iostream>

namespace syncd::testing {

std::ostream& operator<<(std::ostream& out, const ApiResponse& response) {
  out << "HTTP " << response.status << " " << response.raw.body;
  if (!response.raw.error.empty()) out << " (" << response.raw.error << ")";
  return out;
}

void GatewayTest::SetUp() {
  SyncServiceTest::SetUp();
  if (HasFatalFailure()) return;
  GatewayProcessOptions options;
  options.sync_service_address = service().address();
  ConfigureGateway(options);
  StartGateway(std::move(options));
}

void GatewayTest::StartGateway(GatewayProcessOptions options) {
  gateway_.reset();
  absl::StatusOr<std::unique_ptr<GatewayProcess>> gateway = GatewayProcess::Start(std::move(options));
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  gateway_ = *std::move(gateway);
}

void GatewayTest::TearDown() {
  if (gateway_ != nullptr) {
    ExitStatus exit_status = gateway_->Stop();
    EXPECT_TRUE(exit_status.success())
        << "gateway did not shut down cleanly on SIGTERM: " << exit_status.ToString();
    if (HasFailure()) std::cerr << "gateway log:\n" << gateway_->LogTail() << "\n";
  }
  gateway_.reset();
  SyncServiceTest::TearDown();
}

ApiResponse GatewayTest::Send(const std::string& method, const std::string& target, const std::string& body,
                              const HttpHeaders& headers) {
  ApiResponse response;
  response.raw = gateway_->Send(method, target, body, headers);
  response.status = response.raw.status;
  response.json = nlohmann::json::parse(response.raw.body, nullptr, /*allow_exceptions=*/false);
  if (response.json.is_discarded()) response.json = nullptr;
  return response;
}

std::string GatewayTest::CreateDemo(const std::string& name, const std::string& extra_json_fields) {
  nlohmann::json body = {{"name", name}, {"type", "DEMO"}};
  if (!extra_json_fields.empty()) body.update(nlohmann::json::parse(extra_json_fields));
  ApiResponse r = Send("POST", "/api/integrations", body.dump());
  EXPECT_EQ(r.status, 200) << r;
  return r.json.is_object() && r.json.contains("id") ? r.json["id"].get<std::string>() : std::string();
}

std::vector<std::string> ViolationFields(const nlohmann::json& error_body) {
  std::vector<std::string> fields;
  if (!error_body.is_object() || !error_body.contains("details")) return fields;
  for (const nlohmann::json& detail : error_body["details"]) {
    if (detail.value("@type", "") != "type.googleapis.com/google.rpc.BadRequest") continue;
    for (const nlohmann::json& v : detail["fieldViolations"]) fields.push_back(v.value("field", ""));
  }
  return fields;
}

}  // namespace syncd::testing
