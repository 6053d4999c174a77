#include "gateway/transcode/field_binding.h"

#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <gtest/gtest.h>

#include "syncd/v1/sync_service.pb.h"

namespace syncd::gateway::transcode {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::Optional;

TEST(ParseQueryTest, DecodesKeysAndValuesInOrder) {
  std::optional<std::vector<QueryParameter>> q = ParseQuery("page=2&pageSize=20&name=a+b%21&flag&&=x");
  ASSERT_TRUE(q.has_value());
  ASSERT_EQ(q->size(), 4u);
  EXPECT_EQ((*q)[0].key, "page");
  EXPECT_EQ((*q)[0].value, "2");
  EXPECT_EQ((*q)[2].value, "a b!");
  EXPECT_EQ((*q)[3].key, "flag");
  EXPECT_EQ((*q)[3].value, "");
  EXPECT_FALSE(ParseQuery("a=%zz").has_value());
}

TEST(BindFieldTest, SetsScalarsByJsonOrProtoName) {
  syncd::v1::GetSyncHistoryRequest request;
  EXPECT_EQ(BindField(request, "id", "abc"), std::nullopt);
  EXPECT_EQ(BindField(request, "pageSize", "20"), std::nullopt);
  EXPECT_EQ(BindField(request, "page", "3"), std::nullopt);
  EXPECT_EQ(request.id(), "abc");
  EXPECT_EQ(request.page_size(), 20);
  EXPECT_EQ(request.page(), 3);
  EXPECT_EQ(BindField(request, "page_size", "5"), std::nullopt);
  EXPECT_EQ(request.page_size(), 5);
}

TEST(BindFieldTest, BadValuesNameTheFieldByItsJsonName) {
  syncd::v1::GetSyncHistoryRequest request;
  EXPECT_THAT(BindField(request, "page_size", "ten"), Optional(Field(&FieldViolation::field, "pageSize")));
  EXPECT_THAT(BindField(request, "page", "99999999999"), Optional(Field(&FieldViolation::field, "page")));
  EXPECT_THAT(BindField(request, "nope", "1"), Optional(Field(&FieldViolation::field, "nope")));
  EXPECT_EQ(request.page_size(), 0);
}

TEST(BindFieldTest, StringsMustBeValidUtf8) {
  syncd::v1::GetSyncHistoryRequest request;
  EXPECT_EQ(BindField(request, "id", "caf\xC3\xA9-\xF0\x9F\x98\x80"), std::nullopt);
  EXPECT_EQ(request.id(), "caf\xC3\xA9-\xF0\x9F\x98\x80");
  for (const char* bad : {"\xFF", "a\xC3", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE2\x28\xA1"}) {
    syncd::v1::GetSyncHistoryRequest fresh;
    EXPECT_THAT(BindField(fresh, "id", bad),
                Optional(AllOf(Field(&FieldViolation::field, "id"),
                               Field(&FieldViolation::description, "must be valid UTF-8"))))
        << bad;
    EXPECT_EQ(fresh.id(), "");
  }
}

TEST(BindFieldTest, NestedFieldsEnumsAndWellKnownTypes) {
  syncd::v1::UpdateIntegrationRequest request;
  EXPECT_EQ(BindField(request, "integration.name", "Orders"), std::nullopt);
  EXPECT_EQ(BindField(request, "integration.type", "DEMO"), std::nullopt);
  EXPECT_EQ(BindField(request, "integration.syncEnabled", "false"), std::nullopt);
  EXPECT_EQ(BindField(request, "integration.syncInterval", "900"), std::nullopt);
  EXPECT_EQ(BindField(request, "integration.nextSyncAt", "2026-11-23T19:00:00Z"), std::nullopt);
  EXPECT_EQ(request.integration().name(), "Orders");
  EXPECT_EQ(request.integration().type(), syncd::v1::Integration::DEMO);
  EXPECT_TRUE(request.integration().has_sync_enabled());
  EXPECT_FALSE(request.integration().sync_enabled());
  EXPECT_EQ(request.integration().sync_interval().number_value(), 900);
  EXPECT_EQ(request.integration().next_sync_at().seconds(), 1795460400);

  EXPECT_EQ(BindField(request, "integration.syncInterval", "null"), std::nullopt);
  EXPECT_TRUE(request.integration().sync_interval().has_null_value());

  EXPECT_THAT(BindField(request, "integration.type", "FTP"),
              Optional(Field(&FieldViolation::field, "integration.type")));
  EXPECT_THAT(BindField(request, "integration.config", "x"),
              Optional(Field(&FieldViolation::field, "integration.config")));
  EXPECT_THAT(BindField(request, "integration.name.first", "x"),
              Optional(Field(&FieldViolation::field, "integration.name")));
}

TEST(BindFieldTest, RepeatedFieldsTakeOneValuePerOccurrence) {
  syncd::v1::Worker worker;
  EXPECT_EQ(BindField(worker, "runningRunIds", "a"), std::nullopt);
  EXPECT_EQ(BindField(worker, "running_run_ids", "b"), std::nullopt);
  EXPECT_THAT(worker.running_run_ids(), ElementsAre("a", "b"));
}

}  // namespace
}  // namespace syncd::gateway::transcode
