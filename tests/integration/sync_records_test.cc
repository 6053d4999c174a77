// Synced records: a DEMO sync stores its records in PostgreSQL; a second sync finds them unchanged, a sync
// after their content changed updates them; the run's counts say so; ListRecords pages through them; and
// deleting the integration deletes them.
#include <string>

#include "tests/integration/sync_loop_fixture.h"

namespace syncd::testing {
namespace {

class SyncRecordsTest : public SyncLoopTest {
 protected:
  // Triggers a sync and waits for it to end.
  v1::SyncRun SyncNow(const std::string& id) {
    v1::TriggerSyncResponse triggered;
    EXPECT_THAT(Trigger(id, &triggered), IsOk());
    std::optional<v1::SyncRun> done = AwaitEnded(id, triggered.run().id());
    EXPECT_TRUE(done.has_value()) << Describe(RunsOf(id));
    return done.value_or(v1::SyncRun());
  }

  v1::ListRecordsResponse Records(const std::string& id, int page, int page_size) {
    v1::ListRecordsRequest request;
    request.set_id(id);
    request.set_page(page);
    request.set_page_size(page_size);
    v1::ListRecordsResponse response;
    EXPECT_THAT(stub().ListRecords(NewContext().get(), request, &response), IsOk());
    return response;
  }

  void SetConfig(const std::string& id, google::protobuf::Struct config) {
    v1::Integration changes;
    *changes.mutable_config() = std::move(config);
    v1::Integration updated;
    ASSERT_THAT(Update(id, changes, &updated), IsOk());
  }
};

TEST_F(SyncRecordsTest, InsertedThenUnchangedThenUpdated) {
  ASSERT_NE(StartWorker("worker-a"), nullptr);
  // 1,200 records: more than one batch of 500.
  v1::Integration integration = MustCreate(Demo("Orders", {.records = 1200}, std::nullopt));

  v1::SyncRun first = SyncNow(integration.id());
  ASSERT_EQ(first.status(), v1::SyncRun::SUCCESS) << Describe(first);
  EXPECT_EQ(first.records_count(), 1200);
  EXPECT_EQ(first.records_inserted(), 1200);
  EXPECT_EQ(first.records_updated(), 0);
  EXPECT_EQ(first.records_unchanged(), 0);

  v1::SyncRun second = SyncNow(integration.id());
  ASSERT_EQ(second.status(), v1::SyncRun::SUCCESS) << Describe(second);
  EXPECT_EQ(second.records_inserted(), 0);
  EXPECT_EQ(second.records_updated(), 0);
  EXPECT_EQ(second.records_unchanged(), 1200);

  google::protobuf::Struct config = ConfigStruct({.records = 1200});
  (*config.mutable_fields())["version"].set_number_value(2);
  SetConfig(integration.id(), config);
  v1::SyncRun third = SyncNow(integration.id());
  ASSERT_EQ(third.status(), v1::SyncRun::SUCCESS) << Describe(third);
  EXPECT_EQ(third.records_inserted(), 0);
  EXPECT_EQ(third.records_updated(), 1200);
  EXPECT_EQ(third.records_unchanged(), 0);

  v1::ListRecordsResponse page = Records(integration.id(), 1, 100);
  EXPECT_EQ(page.total(), 1200);
  ASSERT_EQ(page.records_size(), 100);
  const v1::SyncedRecord& r = page.records(0);
  EXPECT_EQ(r.last_run_id(), third.id());
  EXPECT_EQ(r.data().fields().at("version").number_value(), 2);
  EXPECT_EQ(r.data().fields().at("value").number_value(), 2 * std::stoi(r.external_id()));
  EXPECT_LE(ToTime(r.first_synced_at()), ToTime(r.last_synced_at()));
  EXPECT_EQ(Records(integration.id(), 13, 100).records_size(), 0);  // past the end

  // Deleting the integration deletes its records.
  ASSERT_THAT(Delete(integration.id()), IsOk());
  pqxx::work tx(Sql());
  EXPECT_EQ(tx.exec_params1("SELECT count(*) FROM records WHERE integration_id = $1", integration.id())[0]
                .as<int>(),
            0);
}

TEST_F(SyncRecordsTest, ListRecordsValidatesItsRequest) {
  v1::ListRecordsRequest request;
  v1::ListRecordsResponse response;
  request.set_id("not-a-uuid");
  EXPECT_THAT(stub().ListRecords(NewContext().get(), request, &response), IsInvalidArgument("id"));
  request.set_id(kUnknownId);
  request.set_page_size(101);
  EXPECT_THAT(stub().ListRecords(NewContext().get(), request, &response), IsInvalidArgument("pageSize"));
  request.set_page_size(10);
  EXPECT_THAT(stub().ListRecords(NewContext().get(), request, &response),
              HasCode(grpc::StatusCode::NOT_FOUND));
}

}  // namespace
}  // namespace syncd::testing
