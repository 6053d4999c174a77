// The fixture of the SyncService integration tests: each test gets a fresh database on the test binary's
// shared PostgreSQL and its own sync_service process, plus small helpers to build requests, call RPCs
// with a deadline, set up sync_runs rows with SQL, and match statuses and times.
//
//   class IntegrationsTest : public SyncServiceTest {};
//   TEST_F(IntegrationsTest, RejectsEmptyName) {
//     v1::Integration created;
//     EXPECT_THAT(Create(DemoIntegration(""), &created), IsInvalidArgument("name"));
//   }
//
// When a test fails, TearDown prints the tail of the sync_service log.
#pragma once

#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/timestamp.pb.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "syncd/v1/sync_service.grpc.pb.h"
#include "tests/harness/postgres.h"
#include "tests/harness/status_details.h"
#include "tests/harness/sync_service_process.h"

namespace syncd::testing {

namespace v1 = ::syncd::v1;

// Every RPC of the tests gets this deadline, so a hung service fails a test instead of hanging it.
inline constexpr absl::Duration kRpcDeadline = absl::Seconds(10);

// A ClientContext with kRpcDeadline.
std::unique_ptr<grpc::ClientContext> NewContext();

// --- request builders ---
v1::Integration DemoIntegration(const std::string& name);
// An HTTP_JSON integration reading `url` with recordsPath "/items" and idField "/id".
v1::Integration HttpJsonIntegration(const std::string& name, const std::string& url);
google::protobuf::Value NumberValue(double number);
google::protobuf::Value NullValue();
google::protobuf::Value StringValue(const std::string& text);
google::protobuf::Value BoolValue(bool value);

// --- reading responses ---
absl::Time ToTime(const google::protobuf::Timestamp& timestamp);
google::protobuf::Timestamp ToTimestamp(absl::Time time);
// Canonical textual UUID (8-4-4-4-12 hex digits).
bool LooksLikeUuid(const std::string& id);
// A UUID that no row has.
inline constexpr char kUnknownId[] = "8a1c0f4e-5b7d-4f0e-9c3a-2d6b1e0f9a47";

// A row of sync_runs, for setting up history that the API alone cannot produce (one active run at a time).
struct RunRow {
  std::string integration_id;
  std::string status = "SUCCESS";
  std::string trigger = "SCHEDULED";
  int attempt = 1;
  absl::Time created_at;
  std::optional<absl::Time> started_at;
  std::optional<absl::Time> completed_at;
  std::optional<int> duration_ms;
  int records_count = 0;
  int records_inserted = 0;
  int records_updated = 0;
  int records_unchanged = 0;
  std::optional<std::string> error_code;
  std::optional<std::string> error_message;
  std::optional<std::string> suggestion;
  std::optional<std::string> worker_id;
};

class SyncServiceTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  // Called by SetUp with the database already chosen: a fixture that needs other flags (or a fixed
  // listen address) changes them here.
  virtual void ConfigureService(SyncServiceOptions& /*options*/) {}

  SyncServiceProcess& service() { return *service_; }
  v1::SyncService::Stub& stub() { return service_->stub(); }
  const std::string& database_url() const { return database_url_; }
  // A connection to the test's database, for setup and for checking what is stored.
  pqxx::connection& Sql();

  // --- RPCs, each with a deadline ---
  grpc::Status Create(const v1::Integration& integration, v1::Integration* created);
  grpc::Status Get(const std::string& id, v1::Integration* integration);
  grpc::Status Update(const std::string& id, const v1::Integration& changes, v1::Integration* updated);
  grpc::Status Delete(const std::string& id);
  // The first page with the default size.
  grpc::Status List(std::vector<v1::Integration>* integrations);
  grpc::Status ListPage(int page, int page_size, v1::ListIntegrationsResponse* response);
  grpc::Status UpdateSettings(const v1::UpdateSyncSettingsRequest& request, v1::Integration* updated);
  grpc::Status Trigger(const std::string& id, v1::TriggerSyncResponse* response);
  grpc::Status History(const std::string& id, int page, int page_size, v1::GetSyncHistoryResponse* response);
  grpc::Status SyncStatus(int limit, v1::GetSyncStatusResponse* response);
  grpc::Status WorkerStatus(v1::GetWorkerStatusResponse* response);

  // Creates an integration that must be accepted; fails the test (and returns an empty one) otherwise.
  v1::Integration MustCreate(const v1::Integration& integration);
  v1::Integration MustGet(const std::string& id);
  // The names of all integrations, in the order ListIntegrations gives them.
  std::vector<std::string> ListedNames();

  // Inserts a sync_runs row and returns its id.
  std::string InsertRun(const RunRow& row);
  // Rows of sync_runs for an integration, counted with SQL.
  int CountRuns(const std::string& integration_id);

 private:
  std::string database_url_;
  std::unique_ptr<SyncServiceProcess> service_;
  std::unique_ptr<pqxx::connection> sql_;
};

// --- matchers for grpc::Status ---

// gtest prints the actual status with the violations (status_details.h), so the matchers need not.
MATCHER(IsOk, "is OK") { return arg.ok(); }

MATCHER_P(HasCode, code, "has code " + CodeName(code)) { return arg.error_code() == code; }

// INVALID_ARGUMENT whose google.rpc.BadRequest names exactly `field`.
MATCHER_P(IsInvalidArgument, field, std::string("is INVALID_ARGUMENT for field ") + field) {
  return arg.error_code() == grpc::StatusCode::INVALID_ARGUMENT &&
         BadRequestFields(arg) == std::vector<std::string>{field};
}

// A time within `tolerance` of `expected`.
MATCHER_P2(IsNear, expected, tolerance,
           "is within " + absl::FormatDuration(tolerance) + " of " + absl::FormatTime(expected)) {
  *result_listener << "which is " << absl::FormatTime(arg) << ", off by "
                   << absl::FormatDuration(absl::AbsDuration(arg - expected));
  return absl::AbsDuration(arg - expected) <= tolerance;
}

// How far "now" as the service saw it may be from the test's clock reading (same host; covers the RPC).
inline constexpr absl::Duration kNowTolerance = absl::Seconds(5);

}  // namespace syncd::testing
