// The fixture of the gateway integration tests: each test gets a fresh database, its own sync_service and
// its own gateway in front of it, and speaks plain HTTP/JSON to the gateway like the web UI or curl would.
//
//   class GatewayApiTest : public GatewayTest {};
//   TEST_F(GatewayApiTest, CreatesAnIntegration) {
//     ApiResponse r = Send("POST", "/api/integrations", R"({"name": "Orders", "type": "DEMO"})");
//     EXPECT_EQ(r.status, 200) << r;
//     EXPECT_EQ(r.json["name"], "Orders");
//   }
//
// When a test fails, TearDown prints the tail of the gateway log (and, via SyncServiceTest, the service's).
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "tests/harness/gateway_process.h"
#include "tests/integration/sync_service_fixture.h"

namespace syncd::testing {

struct ApiResponse {
  int status = 0;
  // The body parsed as JSON (null when it is not JSON).
  nlohmann::json json;
  HttpResponse raw;
};
std::ostream& operator<<(std::ostream& out, const ApiResponse& response);

class GatewayTest : public SyncServiceTest {
 protected:
  void SetUp() override;
  void TearDown() override;
  // Called by SetUp before the gateway starts: a fixture that needs other flags adds them here.
  virtual void ConfigureGateway(GatewayProcessOptions& /*options*/) {}

  GatewayProcess& gateway() { return *gateway_; }
  // Stops the gateway (e.g. to start it again with other flags).
  void StartGateway(GatewayProcessOptions options);

  ApiResponse Send(const std::string& method, const std::string& target, const std::string& body = "",
                   const HttpHeaders& headers = {});
  // POST /api/integrations with a DEMO integration; fails the test unless it is created. Returns its id.
  std::string CreateDemo(const std::string& name, const std::string& extra_json_fields = "");

 private:
  std::unique_ptr<GatewayProcess> gateway_;
};

// The field violations of an error body: ["name", "syncInterval"].
std::vector<std::string> ViolationFields(const nlohmann::json& error_body);

}  // namespace syncd::testing
