#include "tests/integration/sync_service_fixture.h"

#include <chrono>
#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace syncd::testing {
namespace {

// A timestamptz literal PostgreSQL parses exactly (microseconds, UTC).
std::string SqlTime(absl::Time time) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%E6S+00", time, absl::UTCTimeZone());
}

// NULL for nullopt: libpqxx 6 sends a null const char* as SQL NULL.
const char* OrNull(const std::optional<std::string>& text) {
  return text.has_value() ? text->c_str() : nullptr;
}

}  // namespace

std::unique_ptr<grpc::ClientContext> NewContext() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(kRpcDeadline));
  return context;
}

v1::Integration DemoIntegration(const std::string& name) {
  v1::Integration integration;
  integration.set_name(name);
  integration.set_type(v1::Integration::DEMO);
  return integration;
}

v1::Integration HttpJsonIntegration(const std::string& name, const std::string& url) {
  v1::Integration integration;
  integration.set_name(name);
  integration.set_type(v1::Integration::HTTP_JSON);
  auto& config = *integration.mutable_config()->mutable_fields();
  config["url"].set_string_value(url);
  // Required by HTTP_JSON: where the records are in a response, and a record's id.
  config["recordsPath"].set_string_value("/items");
  config["idField"].set_string_value("/id");
  return integration;
}

google::protobuf::Value NumberValue(double number) {
  google::protobuf::Value value;
  value.set_number_value(number);
  return value;
}

google::protobuf::Value NullValue() {
  google::protobuf::Value value;
  value.set_null_value(google::protobuf::NULL_VALUE);
  return value;
}

google::protobuf::Value StringValue(const std::string& text) {
  google::protobuf::Value value;
  value.set_string_value(text);
  return value;
}

google::protobuf::Value BoolValue(bool flag) {
  google::protobuf::Value value;
  value.set_bool_value(flag);
  return value;
}

absl::Time ToTime(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) + absl::Nanoseconds(timestamp.nanos());
}

google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  google::protobuf::Timestamp timestamp;
  const int64_t nanos = absl::ToUnixNanos(time);
  timestamp.set_seconds(nanos / 1'000'000'000);
  timestamp.set_nanos(static_cast<int32_t>(nanos % 1'000'000'000));
  return timestamp;
}

bool LooksLikeUuid(const std::string& id) {
  if (id.size() != 36) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_position ? id[i] != '-' : !absl::ascii_isxdigit(static_cast<unsigned char>(id[i]))) return false;
  }
  return true;
}

void SyncServiceTest::SetUp() {
  absl::StatusOr<PostgresServer*> postgres = SharedPostgres();
  ASSERT_TRUE(postgres.ok()) << postgres.status();
  absl::StatusOr<std::string> url = (*postgres)->CreateDatabase(DatabaseNameForCurrentTest());
  ASSERT_TRUE(url.ok()) << url.status();
  database_url_ = *url;
  SyncServiceOptions options;
  options.database_url = database_url_;
  ConfigureService(options);
  absl::StatusOr<std::unique_ptr<SyncServiceProcess>> service = SyncServiceProcess::Start(options);
  ASSERT_TRUE(service.ok()) << service.status();
  service_ = *std::move(service);
}

void SyncServiceTest::TearDown() {
  if (service_ != nullptr && service_->IsRunning()) {
    ExitStatus exit_status = service_->Stop();
    EXPECT_TRUE(exit_status.success())
        << "sync_service did not shut down cleanly on SIGTERM: " << exit_status.ToString();
  }
  if (HasFailure() && service_ != nullptr) {
    std::cerr << "sync_service at " << service_->address() << " (" << database_url_ << ")\n"
              << service_->LogTail() << "\n";
  }
  sql_.reset();
  service_.reset();
}

pqxx::connection& SyncServiceTest::Sql() {
  if (sql_ == nullptr) sql_ = std::make_unique<pqxx::connection>(database_url_);
  return *sql_;
}

grpc::Status SyncServiceTest::Create(const v1::Integration& integration, v1::Integration* created) {
  v1::CreateIntegrationRequest request;
  *request.mutable_integration() = integration;
  return stub().CreateIntegration(NewContext().get(), request, created);
}

grpc::Status SyncServiceTest::Get(const std::string& id, v1::Integration* integration) {
  v1::GetIntegrationRequest request;
  request.set_id(id);
  return stub().GetIntegration(NewContext().get(), request, integration);
}

grpc::Status SyncServiceTest::Update(const std::string& id, const v1::Integration& changes,
                                     v1::Integration* updated) {
  v1::UpdateIntegrationRequest request;
  request.set_id(id);
  *request.mutable_integration() = changes;
  return stub().UpdateIntegration(NewContext().get(), request, updated);
}

grpc::Status SyncServiceTest::Delete(const std::string& id) {
  v1::DeleteIntegrationRequest request;
  request.set_id(id);
  v1::DeleteIntegrationResponse response;
  return stub().DeleteIntegration(NewContext().get(), request, &response);
}

grpc::Status SyncServiceTest::List(std::vector<v1::Integration>* integrations) {
  v1::ListIntegrationsResponse response;
  grpc::Status status = stub().ListIntegrations(NewContext().get(), {}, &response);
  integrations->assign(response.integrations().begin(), response.integrations().end());
  return status;
}

grpc::Status SyncServiceTest::ListPage(int page, int page_size, v1::ListIntegrationsResponse* response) {
  v1::ListIntegrationsRequest request;
  request.set_page(page);
  request.set_page_size(page_size);
  return stub().ListIntegrations(NewContext().get(), request, response);
}

grpc::Status SyncServiceTest::UpdateSettings(const v1::UpdateSyncSettingsRequest& request,
                                             v1::Integration* updated) {
  return stub().UpdateSyncSettings(NewContext().get(), request, updated);
}

grpc::Status SyncServiceTest::Trigger(const std::string& id, v1::TriggerSyncResponse* response) {
  v1::TriggerSyncRequest request;
  request.set_id(id);
  return stub().TriggerSync(NewContext().get(), request, response);
}

grpc::Status SyncServiceTest::History(const std::string& id, int page, int page_size,
                                      v1::GetSyncHistoryResponse* response) {
  v1::GetSyncHistoryRequest request;
  request.set_id(id);
  request.set_page(page);
  request.set_page_size(page_size);
  return stub().GetSyncHistory(NewContext().get(), request, response);
}

grpc::Status SyncServiceTest::SyncStatus(int limit, v1::GetSyncStatusResponse* response) {
  v1::GetSyncStatusRequest request;
  request.set_limit(limit);
  return stub().GetSyncStatus(NewContext().get(), request, response);
}

grpc::Status SyncServiceTest::WorkerStatus(v1::GetWorkerStatusResponse* response) {
  return stub().GetWorkerStatus(NewContext().get(), {}, response);
}

v1::Integration SyncServiceTest::MustCreate(const v1::Integration& integration) {
  v1::Integration created;
  grpc::Status status = Create(integration, &created);
  EXPECT_TRUE(status.ok()) << "CreateIntegration(" << integration.ShortDebugString()
                           << "): " << Describe(status);
  return created;
}

v1::Integration SyncServiceTest::MustGet(const std::string& id) {
  v1::Integration integration;
  grpc::Status status = Get(id, &integration);
  EXPECT_TRUE(status.ok()) << "GetIntegration(" << id << "): " << Describe(status);
  return integration;
}

std::vector<std::string> SyncServiceTest::ListedNames() {
  std::vector<v1::Integration> integrations;
  grpc::Status status = List(&integrations);
  EXPECT_TRUE(status.ok()) << "ListIntegrations: " << Describe(status);
  std::vector<std::string> names;
  for (const v1::Integration& integration : integrations) names.push_back(integration.name());
  return names;
}

std::string SyncServiceTest::InsertRun(const RunRow& row) {
  std::optional<std::string> started_at, completed_at, duration_ms;
  if (row.started_at.has_value()) started_at = SqlTime(*row.started_at);
  if (row.completed_at.has_value()) completed_at = SqlTime(*row.completed_at);
  if (row.duration_ms.has_value()) duration_ms = absl::StrCat(*row.duration_ms);
  pqxx::work tx(Sql());
  pqxx::result result = tx.exec_params(
      "INSERT INTO sync_runs (integration_id, status, trigger, attempt, scheduled_for, created_at, "
      "started_at, "
      "completed_at, duration_ms, records_count, records_inserted, records_updated, records_unchanged, "
      "error_code, error_message, suggestion, worker_id) "
      "VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
      row.integration_id, row.status, row.trigger, row.attempt, SqlTime(row.created_at), OrNull(started_at),
      OrNull(completed_at), OrNull(duration_ms), row.records_count, row.records_inserted, row.records_updated,
      row.records_unchanged, OrNull(row.error_code), OrNull(row.error_message), OrNull(row.suggestion),
      OrNull(row.worker_id));
  // Counted in run_totals, as sync_service counts the runs it writes.
  tx.exec_params(
      "INSERT INTO run_totals (total, successful, failed, last_completed_at) "
      "SELECT 1, (status = 'SUCCESS')::int, (status = 'FAILED')::int, completed_at FROM sync_runs WHERE id = "
      "$1",
      result[0][0].as<std::string>());
  // An active run is also its integration's row of active_runs, as sync_service writes it.
  if (row.status == "PENDING" || row.status == "RUNNING") {
    tx.exec_params(
        "INSERT INTO active_runs (integration_id, run_id, pending_since) "
        "SELECT integration_id, id, CASE WHEN status = 'PENDING' THEN created_at END FROM sync_runs WHERE id "
        "= $1",
        result[0][0].as<std::string>());
  }
  tx.commit();
  return result[0][0].as<std::string>();
}

int SyncServiceTest::CountRuns(const std::string& integration_id) {
  pqxx::work tx(Sql());
  pqxx::result result =
      tx.exec_params("SELECT count(*) FROM sync_runs WHERE integration_id = $1", integration_id);
  return result[0][0].as<int>();
}

}  // namespace syncd::testing
