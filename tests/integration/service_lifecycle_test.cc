// sync_service as an operator sees it: health checks, server reflection, restarts that keep all data,
// and a database outage that clients see as UNAVAILABLE until PostgreSQL is back.

#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/util/message_differencer.h>

#include <cstdio>
#include <fstream>
#include <future>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "sync_service/store/migrations.h"
#include "tests/harness/process.h"
#include "tests/harness/sync_service_process.h"
#include "tests/integration/sync_service_fixture.h"

namespace syncd::testing {
namespace {

namespace health = ::grpc::health::v1;
namespace reflection = ::grpc::reflection::v1alpha;

using ::testing::Contains;

class ServiceLifecycleTest : public SyncServiceTest {
 protected:
  grpc::Status CheckHealth(const std::string& service_name, health::HealthCheckResponse* response) {
    std::unique_ptr<health::Health::Stub> health_stub = health::Health::NewStub(service().channel());
    health::HealthCheckRequest request;
    request.set_service(service_name);
    return health_stub->Check(NewContext().get(), request, response);
  }
};

TEST_F(ServiceLifecycleTest, HealthCheckReportsServing) {
  for (const std::string& name : {std::string(""), std::string("syncd.v1.SyncService")}) {
    health::HealthCheckResponse response;
    ASSERT_THAT(CheckHealth(name, &response), IsOk()) << "service '" << name << "'";
    EXPECT_EQ(response.status(), health::HealthCheckResponse::SERVING) << "service '" << name << "'";
  }
}

TEST_F(ServiceLifecycleTest, HealthCheckOfAnUnknownServiceIsNotFound) {
  health::HealthCheckResponse response;
  EXPECT_THAT(CheckHealth("no.such.Service", &response), HasCode(grpc::StatusCode::NOT_FOUND));
}

TEST_F(ServiceLifecycleTest, ReflectionListsServicesAndServesTheirDescriptors) {
  std::unique_ptr<reflection::ServerReflection::Stub> reflection_stub =
      reflection::ServerReflection::NewStub(service().channel());
  std::unique_ptr<grpc::ClientContext> context = NewContext();
  auto stream = reflection_stub->ServerReflectionInfo(context.get());

  reflection::ServerReflectionRequest list;
  list.set_list_services("");
  ASSERT_TRUE(stream->Write(list));
  reflection::ServerReflectionResponse listed;
  ASSERT_TRUE(stream->Read(&listed));
  ASSERT_TRUE(listed.has_list_services_response()) << listed.ShortDebugString();
  std::vector<std::string> names;
  for (const auto& service_response : listed.list_services_response().service()) {
    names.push_back(service_response.name());
  }
  EXPECT_THAT(names, Contains("syncd.v1.SyncService"));
  EXPECT_THAT(names, Contains("grpc.health.v1.Health"));

  for (const std::string& symbol :
       {std::string("grpc.health.v1.Health"), std::string("syncd.v1.SyncService")}) {
    reflection::ServerReflectionRequest file_request;
    file_request.set_file_containing_symbol(symbol);
    ASSERT_TRUE(stream->Write(file_request));
    reflection::ServerReflectionResponse file_response;
    ASSERT_TRUE(stream->Read(&file_response));
    ASSERT_TRUE(file_response.has_file_descriptor_response())
        << symbol << ": " << file_response.ShortDebugString();
    // The file that defines the symbol, possibly with the files it imports.
    bool found = false;
    for (const std::string& bytes : file_response.file_descriptor_response().file_descriptor_proto()) {
      google::protobuf::FileDescriptorProto file;
      ASSERT_TRUE(file.ParseFromString(bytes));
      for (const google::protobuf::ServiceDescriptorProto& service_proto : file.service()) {
        if (file.package() + "." + service_proto.name() == symbol) found = true;
      }
    }
    EXPECT_TRUE(found) << "no descriptor defines " << symbol;
  }

  ASSERT_TRUE(stream->WritesDone());
  EXPECT_THAT(stream->Finish(), IsOk());
}

TEST_F(ServiceLifecycleTest, RestartKeepsAllData) {
  v1::Integration scheduled = HttpJsonIntegration("Scheduled", "https://example.com/feed");
  *scheduled.mutable_sync_interval() = NumberValue(600);
  MustCreate(scheduled);
  v1::Integration manual = DemoIntegration("Manual");
  *manual.mutable_sync_interval() = NullValue();
  v1::Integration manual_created = MustCreate(manual);
  v1::Integration paused = DemoIntegration("Paused");
  paused.set_sync_enabled(false);
  MustCreate(paused);
  v1::TriggerSyncResponse triggered;
  ASSERT_THAT(Trigger(manual_created.id(), &triggered), IsOk());

  std::vector<v1::Integration> before;
  ASSERT_THAT(List(&before), IsOk());
  v1::GetSyncHistoryResponse history_before;
  ASSERT_THAT(History(manual_created.id(), 1, 20, &history_before), IsOk());

  ASSERT_TRUE(service().Restart().ok()) << service().LogTail();

  std::vector<v1::Integration> after;
  ASSERT_THAT(List(&after), IsOk());
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < before.size(); ++i) {
    // Equals, not bytes: a Struct's map fields serialize in no fixed order.
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(after[i], before[i]))
        << "before: " << before[i].ShortDebugString() << "\nafter: " << after[i].ShortDebugString();
  }
  v1::GetSyncHistoryResponse history_after;
  ASSERT_THAT(History(manual_created.id(), 1, 20, &history_after), IsOk());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(history_after, history_before));
  // The pending run is still the one a new trigger finds.
  v1::TriggerSyncResponse again;
  ASSERT_THAT(Trigger(manual_created.id(), &again), IsOk());
  EXPECT_TRUE(again.already_running());
  EXPECT_EQ(again.run().id(), triggered.run().id());
}

TEST_F(ServiceLifecycleTest, StopsCleanlyOnSigterm) {
  MustCreate(DemoIntegration("Something"));
  ExitStatus status = service().Stop();
  EXPECT_TRUE(status.success()) << status.ToString();
}

// Its own PostgreSQL, since it stops it.
// A password with a raw @ or / would make libpq read part of it as the host or port, and its connection
// errors quote those: sync_service refuses such a URL before connecting, and prints none of it.
TEST(DatabaseUrlTest, APasswordLibpqWouldMisreadIsRefusedAtStartWithoutPrintingIt) {
  const std::string log_path = ::testing::TempDir() + "/syncd-bad-url.log";
  std::remove(log_path.c_str());
  ProcessOptions options;
  options.argv = {DefaultSyncServiceBinary(), "--database_url=postgresql://syncd:p@ss#w0rd@127.0.0.1:1/syncd",
                  "--listen=127.0.0.1:0", "--metrics_listen=", "--db_wait_seconds=5"};
  options.log_path = log_path;
  absl::StatusOr<std::unique_ptr<Process>> service = Process::Start(options);
  ASSERT_TRUE(service.ok()) << service.status();
  std::optional<ExitStatus> status = (*service)->WaitFor(absl::Seconds(10));
  ASSERT_TRUE(status.has_value()) << "sync_service kept running (waiting for a host made of the password?)";
  EXPECT_TRUE(status->exited && status->code == 2) << status->ToString();
  std::ifstream log(log_path);
  std::stringstream text;
  text << log.rdbuf();
  EXPECT_THAT(text.str(), ::testing::HasSubstr("%40")) << text.str();
  EXPECT_EQ(text.str().find("w0rd"), std::string::npos) << text.str();
}

TEST(VersionFlagTest, PrintsTheProgramAndItsVersion) {
  const std::string log_path = ::testing::TempDir() + "/syncd-version.log";
  std::remove(log_path.c_str());
  ProcessOptions options;
  options.argv = {DefaultSyncServiceBinary(), "--version"};
  options.log_path = log_path;
  absl::StatusOr<std::unique_ptr<Process>> service = Process::Start(options);
  ASSERT_TRUE(service.ok()) << service.status();
  std::optional<ExitStatus> status = (*service)->WaitFor(absl::Seconds(10));
  ASSERT_TRUE(status.has_value());
  std::ifstream log(log_path);
  std::stringstream text;
  text << log.rdbuf();
  EXPECT_TRUE(absl::StartsWith(text.str(), "sync_service 0.")) << text.str();
  EXPECT_EQ(text.str().find("Debug build"), std::string::npos) << text.str();
}

TEST(DatabaseOutageTest, CallsFailWithUnavailableWhileThePostgresIsDownAndRecoverAfter) {
  absl::StatusOr<std::unique_ptr<PostgresServer>> postgres = PostgresServer::Start();
  ASSERT_TRUE(postgres.ok()) << postgres.status();
  absl::StatusOr<std::string> url = (*postgres)->CreateDatabase("outage");
  ASSERT_TRUE(url.ok()) << url.status();
  SyncServiceOptions options;
  options.database_url = *url;
  absl::StatusOr<std::unique_ptr<SyncServiceProcess>> started = SyncServiceProcess::Start(options);
  ASSERT_TRUE(started.ok()) << started.status();
  SyncServiceProcess& service = **started;
  // Both logs when anything below fails, however it returns.
  struct PrintLogsOnFailure {
    PostgresServer& postgres;
    SyncServiceProcess& service;
    ~PrintLogsOnFailure() {
      if (::testing::Test::HasFailure()) std::cerr << service.LogTail() << "\n" << postgres.LogTail() << "\n";
    }
  } print_logs_on_failure{**postgres, service};

  v1::CreateIntegrationRequest create;
  *create.mutable_integration() = DemoIntegration("Survivor");
  v1::Integration created;
  ASSERT_THAT(service.stub().CreateIntegration(NewContext().get(), create, &created), IsOk());
  v1::GetIntegrationRequest get;
  get.set_id(created.id());

  ASSERT_TRUE((*postgres)->Stop().ok());
  v1::Integration read;
  EXPECT_THAT(service.stub().GetIntegration(NewContext().get(), get, &read),
              HasCode(grpc::StatusCode::UNAVAILABLE));
  v1::ListIntegrationsResponse listed;
  EXPECT_THAT(service.stub().ListIntegrations(NewContext().get(), {}, &listed),
              HasCode(grpc::StatusCode::UNAVAILABLE));
  EXPECT_TRUE(service.IsRunning()) << "sync_service died when the database went away\n" << service.LogTail();
  // Health follows the database (it may take a moment to notice).
  std::unique_ptr<health::Health::Stub> health_stub = health::Health::NewStub(service.channel());
  auto await_health = [&](health::HealthCheckResponse::ServingStatus expected) {
    health::HealthCheckResponse response;
    absl::Time deadline = absl::Now() + absl::Seconds(30);
    do {
      response.Clear();
      if (health_stub->Check(NewContext().get(), {}, &response).ok() && response.status() == expected) break;
      absl::SleepFor(absl::Milliseconds(100));
    } while (absl::Now() < deadline);
    return response.status();
  };
  EXPECT_EQ(await_health(health::HealthCheckResponse::NOT_SERVING), health::HealthCheckResponse::NOT_SERVING);

  ASSERT_TRUE((*postgres)->Restart().ok());
  // The service reconnects on its own; give it a little while.
  grpc::Status status;
  absl::Time deadline = absl::Now() + absl::Seconds(30);
  do {
    status = service.stub().GetIntegration(NewContext().get(), get, &read);
    if (status.ok()) break;
    absl::SleepFor(absl::Milliseconds(100));
  } while (absl::Now() < deadline);
  ASSERT_THAT(status, IsOk()) << service.LogTail();
  EXPECT_EQ(read.name(), "Survivor");
  // Not just one lucky call: the next ones work too.
  for (int i = 0; i < 5; ++i) {
    EXPECT_THAT(service.stub().ListIntegrations(NewContext().get(), {}, &listed), IsOk());
  }
  EXPECT_EQ(listed.integrations_size(), 1);
  EXPECT_EQ(await_health(health::HealthCheckResponse::SERVING), health::HealthCheckResponse::SERVING);
}

}  // namespace
}  // namespace syncd::testing

namespace syncd::testing {
namespace {

// Replicas starting together on an empty database: migrations run under an advisory lock, so both come up
// and every migration is applied exactly once.
TEST(ConcurrentStartTest, ReplicasStartingTogetherApplyEachMigrationOnce) {
  absl::StatusOr<PostgresServer*> postgres = SharedPostgres();
  ASSERT_TRUE(postgres.ok()) << postgres.status();
  absl::StatusOr<std::string> url = (*postgres)->CreateDatabase(DatabaseNameForCurrentTest());
  ASSERT_TRUE(url.ok()) << url.status();
  constexpr int kReplicas = 3;
  std::vector<absl::StatusOr<std::unique_ptr<SyncServiceProcess>>> replicas(kReplicas);
  // The harness's children die with the thread that started them (PR_SET_PDEATHSIG), so the starting
  // threads stay alive until the end of the test.
  std::promise<void> test_done;
  std::shared_future<void> done = test_done.get_future().share();
  std::vector<std::promise<void>> started(kReplicas);
  std::vector<std::thread> starters;
  for (int i = 0; i < kReplicas; ++i) {
    starters.emplace_back([&, i] {
      SyncServiceOptions options;
      options.database_url = *url;
      replicas[i] = SyncServiceProcess::Start(options);
      started[i].set_value();
      done.wait();
      replicas[i] = absl::StatusOr<std::unique_ptr<SyncServiceProcess>>();  // stop it from this thread
    });
  }
  struct JoinAtExit {
    std::promise<void>& test_done;
    std::vector<std::thread>& threads;
    ~JoinAtExit() {
      test_done.set_value();
      for (auto& t : threads) t.join();
    }
  } join_at_exit{test_done, starters};
  for (auto& s : started) s.get_future().wait();
  for (const auto& r : replicas) ASSERT_TRUE(r.ok()) << r.status();

  pqxx::connection sql(*url);
  pqxx::work tx(sql);
  pqxx::row applied =
      tx.exec1("SELECT count(*), count(DISTINCT version), min(version) FROM schema_migrations");
  EXPECT_GE(applied[0].as<int>(), 3);
  EXPECT_EQ(applied[0].as<int>(), applied[1].as<int>());
  EXPECT_EQ(applied[2].as<int>(), 1);
  // And each replica serves.
  for (auto& r : replicas) {
    v1::ListIntegrationsResponse listed;
    const grpc::Status status = (*r)->stub().ListIntegrations(NewContext().get(), {}, &listed);
    EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message() << "\n"
                             << (*r)->LogTail();
  }
}

// An upgrade across V006, which moved the runs in flight out of sync_runs' indexes into active_runs: runs
// that were PENDING or RUNNING before it stay their integrations' active runs afterwards. And across V007,
// which keeps the summary's counts in run_totals: the history already there is counted.
TEST(UpgradeTest, RunsInFlightBeforeActiveRunsStayActive) {
  absl::StatusOr<PostgresServer*> postgres = SharedPostgres();
  ASSERT_TRUE(postgres.ok()) << postgres.status();
  absl::StatusOr<std::string> url = (*postgres)->CreateDatabase(DatabaseNameForCurrentTest());
  ASSERT_TRUE(url.ok()) << url.status();
  std::vector<store::Migration> before;
  for (const store::Migration& m : store::EmbeddedMigrations()) {
    if (m.version < 6) before.push_back(m);
  }
  ASSERT_EQ(before.size(), 5u);
  ASSERT_TRUE(store::ApplyMigrations(*url, before).ok());

  std::string running_id, pending_id, integration_a, integration_b;
  {
    pqxx::connection sql(*url);
    pqxx::work tx(sql);
    integration_a = tx.exec1(
                          "INSERT INTO integrations (name, type, sync_interval_seconds, next_sync_at) "
                          "VALUES ('Busy', 'DEMO', 3600, now() - interval '1 minute') RETURNING id")[0]
                        .as<std::string>();
    integration_b =
        tx.exec1("INSERT INTO integrations (name, type) VALUES ('Waiting', 'DEMO') RETURNING id")[0]
            .as<std::string>();
    running_id = tx.exec_params1(
                       "INSERT INTO sync_runs (integration_id, status, trigger, scheduled_for, "
                       "started_at, worker_id, lease_expires_at) VALUES ($1, 'RUNNING', 'SCHEDULED', "
                       "now(), now(), 'w-1', now() + interval '1 hour') RETURNING id",
                       integration_a)[0]
                     .as<std::string>();
    pending_id = tx.exec_params1(
                       "INSERT INTO sync_runs (integration_id, status, trigger, scheduled_for) "
                       "VALUES ($1, 'PENDING', 'MANUAL', now()) RETURNING id",
                       integration_b)[0]
                     .as<std::string>();
    tx.exec_params(
        "INSERT INTO sync_runs (integration_id, status, trigger, scheduled_for, started_at, "
        "completed_at) VALUES ($1, 'SUCCESS', 'SCHEDULED', now() - interval '1 hour', "
        "now() - interval '1 hour', now() - interval '1 hour')",
        integration_b);
    tx.commit();
  }

  SyncServiceOptions options;
  options.database_url = *url;
  absl::StatusOr<std::unique_ptr<SyncServiceProcess>> service = SyncServiceProcess::Start(options);
  ASSERT_TRUE(service.ok()) << service.status();
  for (const auto& [integration, run] : {std::pair{integration_a, running_id}, {integration_b, pending_id}}) {
    v1::TriggerSyncRequest request;
    request.set_id(integration);
    v1::TriggerSyncResponse response;
    const grpc::Status status = (*service)->stub().TriggerSync(NewContext().get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message() << "\n" << (*service)->LogTail();
    EXPECT_TRUE(response.already_running()) << integration;
    EXPECT_EQ(response.run().id(), run);
  }
  // Exactly the two runs in flight are active, the manual one still waiting for a worker; the finished run
  // is not.
  pqxx::connection sql(*url);
  pqxx::work tx(sql);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM active_runs")[0].as<int>(), 2);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM active_runs WHERE pending_since IS NOT NULL")[0].as<int>(), 1);

  // V007 counted the history that was there into run_totals: the summary is the same as before it.
  v1::GetSyncStatusResponse status;
  const grpc::Status got =
      (*service)->stub().GetSyncStatus(NewContext().get(), v1::GetSyncStatusRequest(), &status);
  ASSERT_TRUE(got.ok()) << got.error_message();
  EXPECT_EQ(status.summary().total(), 3);
  EXPECT_EQ(status.summary().successful(), 1);
  EXPECT_EQ(status.summary().failed(), 0);
  EXPECT_EQ(status.summary().in_progress(), 2);
  EXPECT_EQ(status.summary().last_sync_at().seconds(),
            tx.exec1("SELECT floor(extract(epoch FROM max(completed_at)))::bigint FROM sync_runs")[0]
                .as<int64_t>());
}

}  // namespace
}  // namespace syncd::testing
