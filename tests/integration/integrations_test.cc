// Creating, reading, changing, listing and deleting integrations through SyncService, including every
// rule a request must meet and the field each rejection names.

#include <google/protobuf/util/message_differencer.h>

#include <climits>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "tests/integration/sync_service_fixture.h"

namespace syncd::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

class IntegrationsTest : public SyncServiceTest {};

std::string Repeat(const std::string& text, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += text;
  return out;
}

// --- create ---

TEST_F(IntegrationsTest, CreateReturnsTheStoredIntegrationWithDefaults) {
  absl::Time before = absl::Now();
  v1::Integration created = MustCreate(HttpJsonIntegration("Orders", "https://api.example.com/orders"));

  EXPECT_TRUE(LooksLikeUuid(created.id())) << created.id();
  EXPECT_EQ(created.name(), "Orders");
  EXPECT_EQ(created.type(), v1::Integration::HTTP_JSON);
  EXPECT_EQ(created.config().fields().at("url").string_value(), "https://api.example.com/orders");
  ASSERT_EQ(created.sync_interval().kind_case(), google::protobuf::Value::kNumberValue)
      << created.ShortDebugString();
  EXPECT_EQ(created.sync_interval().number_value(), 3600);
  ASSERT_TRUE(created.has_sync_enabled());
  EXPECT_TRUE(created.sync_enabled());
  EXPECT_EQ(created.status(), v1::Integration::ACTIVE);
  EXPECT_EQ(created.retry_count(), 0);
  EXPECT_FALSE(created.has_last_sync());
  EXPECT_FALSE(created.has_last_sync_status());
  EXPECT_FALSE(created.has_paused_reason());
  ASSERT_TRUE(created.has_created_at());
  EXPECT_THAT(ToTime(created.created_at()), IsNear(before, kNowTolerance));
  ASSERT_TRUE(created.has_updated_at());
  // Due at once.
  ASSERT_TRUE(created.has_next_sync_at()) << created.ShortDebugString();
  EXPECT_THAT(ToTime(created.next_sync_at()), IsNear(before, kNowTolerance));

  v1::Integration read = MustGet(created.id());
  // Equals, not bytes: a Struct's map fields serialize in no fixed order.
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(read, created))
      << "created: " << created.ShortDebugString() << "\nread: " << read.ShortDebugString();
}

TEST_F(IntegrationsTest, CreateKeepsDemoConfigAsGiven) {
  v1::Integration integration = DemoIntegration("Demo");
  auto& fields = *integration.mutable_config()->mutable_fields();
  fields["records"].set_number_value(25);
  fields["label"].set_string_value("north");
  (*fields["nested"].mutable_struct_value()->mutable_fields())["flag"].set_bool_value(true);
  v1::Integration created = MustCreate(integration);

  v1::Integration read = MustGet(created.id());
  EXPECT_EQ(read.config().fields().at("records").number_value(), 25);
  EXPECT_EQ(read.config().fields().at("label").string_value(), "north");
  EXPECT_TRUE(read.config().fields().at("nested").struct_value().fields().at("flag").bool_value());
}

TEST_F(IntegrationsTest, AcceptsBothHttpSchemes) {
  MustCreate(HttpJsonIntegration("Plain", "http://localhost:8080/items"));
  MustCreate(HttpJsonIntegration("Secure", "https://example.com/items?page=1"));
  EXPECT_THAT(ListedNames(), ElementsAre("Plain", "Secure"));
}

TEST_F(IntegrationsTest, RejectsMissingName) {
  v1::Integration integration = DemoIntegration("x");
  integration.clear_name();
  v1::Integration created;
  EXPECT_THAT(Create(integration, &created), IsInvalidArgument("name"));
}

TEST_F(IntegrationsTest, RejectsEmptyOrBlankName) {
  v1::Integration created;
  EXPECT_THAT(Create(DemoIntegration(""), &created), IsInvalidArgument("name"));
  EXPECT_THAT(Create(DemoIntegration("   "), &created), IsInvalidArgument("name"));
}

TEST_F(IntegrationsTest, NameMayHaveUpTo200Characters) {
  v1::Integration created;
  EXPECT_THAT(Create(DemoIntegration(Repeat("a", 200)), &created), IsOk());
  EXPECT_THAT(Create(DemoIntegration(Repeat("b", 201)), &created), IsInvalidArgument("name"));
  EXPECT_THAT(Create(DemoIntegration("c"), &created), IsOk());
}

TEST_F(IntegrationsTest, NameLengthCountsCharactersNotBytes) {
  // "é" is two bytes in UTF-8: 200 of them are 400 bytes but 200 characters.
  v1::Integration created;
  EXPECT_THAT(Create(DemoIntegration(Repeat("\xC3\xA9", 200)), &created), IsOk());
  EXPECT_EQ(created.name(), Repeat("\xC3\xA9", 200));
  EXPECT_THAT(Create(DemoIntegration(Repeat("\xC3\xBC", 201)), &created), IsInvalidArgument("name"));
}

TEST_F(IntegrationsTest, NameIsStoredWithoutSurroundingSpaces) {
  v1::Integration created = MustCreate(DemoIntegration("  Orders \t"));
  EXPECT_EQ(created.name(), "Orders");
  EXPECT_EQ(MustGet(created.id()).name(), "Orders");
  v1::Integration again;
  EXPECT_THAT(Create(DemoIntegration("Orders"), &again), HasCode(grpc::StatusCode::ALREADY_EXISTS));
}

TEST_F(IntegrationsTest, RejectsDuplicateName) {
  MustCreate(DemoIntegration("Stripe"));
  v1::Integration created;
  EXPECT_THAT(Create(DemoIntegration("Stripe"), &created), HasCode(grpc::StatusCode::ALREADY_EXISTS));
  EXPECT_THAT(ListedNames(), ElementsAre("Stripe"));
}

TEST_F(IntegrationsTest, RejectsNameThatDiffersOnlyInCase) {
  MustCreate(DemoIntegration("Stripe"));
  v1::Integration created;
  EXPECT_THAT(Create(DemoIntegration("stripe"), &created), HasCode(grpc::StatusCode::ALREADY_EXISTS));
}

TEST_F(IntegrationsTest, RejectsMissingType) {
  v1::Integration integration = DemoIntegration("No type");
  integration.clear_type();
  v1::Integration created;
  EXPECT_THAT(Create(integration, &created), IsInvalidArgument("type"));
}

TEST_F(IntegrationsTest, RejectsUnknownType) {
  v1::Integration integration = DemoIntegration("Unknown type");
  integration.set_type(static_cast<v1::Integration::Type>(42));
  v1::Integration created;
  EXPECT_THAT(Create(integration, &created), IsInvalidArgument("type"));
}

TEST_F(IntegrationsTest, HttpJsonRequiresUrl) {
  v1::Integration integration = HttpJsonIntegration("No url", "x");
  integration.mutable_config()->mutable_fields()->erase("url");
  v1::Integration created;
  EXPECT_THAT(Create(integration, &created), IsInvalidArgument("config.url"));
}

TEST_F(IntegrationsTest, HttpJsonRejectsUrlThatIsNotHttp) {
  v1::Integration created;
  for (const char* url : {"ftp://example.com/file", "example.com/items", "", "not a url",
                          "file:///etc/passwd", "http://", "https:///no-host"}) {
    EXPECT_THAT(Create(HttpJsonIntegration("Bad url", url), &created), IsInvalidArgument("config.url"))
        << "url: " << url;
  }
}

// URLs that look like http(s) URLs with a host but that libcurl, which makes the worker's requests, cannot
// read: saved, each would fail every sync.
TEST_F(IntegrationsTest, HttpJsonRejectsUrlThatLibcurlCannotRead) {
  struct Case {
    const char* url;
    const char* why;
  };
  v1::Integration created;
  for (const Case& c :
       {Case{"http://x@h1@h2/", "config.url: has more than one \"@\" before the host"},
        Case{"http://h1%2Fevil/", "config.url: libcurl cannot read it as a URL (Bad hostname)"}}) {
    const grpc::Status status = Create(HttpJsonIntegration("Unreadable url", c.url), &created);
    EXPECT_THAT(status, IsInvalidArgument("config.url")) << c.url;
    EXPECT_THAT(Describe(status), ::testing::HasSubstr(c.why)) << c.url;
  }
  EXPECT_THAT(ListedNames(), IsEmpty());
}

TEST_F(IntegrationsTest, HttpJsonRejectsUrlThatIsNotAString) {
  v1::Integration integration = HttpJsonIntegration("Numeric url", "x");
  (*integration.mutable_config()->mutable_fields())["url"].set_number_value(80);
  v1::Integration created;
  EXPECT_THAT(Create(integration, &created), IsInvalidArgument("config.url"));
}

TEST_F(IntegrationsTest, DemoConfigAcceptsKnobsInRange) {
  v1::Integration integration = DemoIntegration("Knobs");
  auto& fields = *integration.mutable_config()->mutable_fields();
  fields["records"].set_number_value(1000000);
  fields["latencyMs"].set_number_value(600000);
  fields["failureRate"].set_number_value(1);
  fields["errorCode"].set_string_value("SERVER_ERROR");
  v1::Integration created;
  EXPECT_THAT(Create(integration, &created), IsOk());
  fields["records"].set_number_value(0);
  fields["latencyMs"].set_number_value(0);
  fields["failureRate"].set_number_value(0);
  integration.set_name("Knobs at zero");
  EXPECT_THAT(Create(integration, &created), IsOk());
}

TEST_F(IntegrationsTest, DemoConfigRejectsKnobsOutOfRange) {
  struct Case {
    const char* key;
    google::protobuf::Value value;
  };
  for (const Case& c : {Case{"records", NumberValue(-1)}, Case{"records", NumberValue(1000001)},
                        Case{"records", StringValue("ten")}, Case{"latencyMs", NumberValue(600001)},
                        Case{"latencyMs", NumberValue(-5)}, Case{"failureRate", NumberValue(1.5)},
                        Case{"failureRate", NumberValue(-0.1)}, Case{"errorCode", NumberValue(500)}}) {
    v1::Integration integration = DemoIntegration("Bad knob");
    (*integration.mutable_config()->mutable_fields())[c.key] = c.value;
    v1::Integration created;
    EXPECT_THAT(Create(integration, &created), IsInvalidArgument(std::string("config.") + c.key))
        << c.key << " = " << c.value.ShortDebugString();
  }
  EXPECT_THAT(ListedNames(), IsEmpty());
}

TEST_F(IntegrationsTest, SyncIntervalAcceptsWholeSecondsFrom60To604800) {
  for (double seconds : {60.0, 61.0, 900.0, 604800.0}) {
    v1::Integration integration = DemoIntegration(absl::StrCat("Every ", seconds));
    *integration.mutable_sync_interval() = NumberValue(seconds);
    v1::Integration created;
    ASSERT_THAT(Create(integration, &created), IsOk()) << seconds;
    EXPECT_EQ(created.sync_interval().number_value(), seconds);
    EXPECT_EQ(MustGet(created.id()).sync_interval().number_value(), seconds);
  }
}

TEST_F(IntegrationsTest, SyncIntervalRejectsOutOfRangeAndFractionalNumbers) {
  for (double seconds : {59.0, 0.0, -60.0, 604801.0, 60.5, 3600.25, 1e12}) {
    v1::Integration integration = DemoIntegration("Bad interval");
    *integration.mutable_sync_interval() = NumberValue(seconds);
    v1::Integration created;
    EXPECT_THAT(Create(integration, &created), IsInvalidArgument("syncInterval")) << "seconds: " << seconds;
  }
}

TEST_F(IntegrationsTest, SyncIntervalRejectsValuesThatAreNotNumbers) {
  google::protobuf::Value list;
  list.mutable_list_value()->add_values()->set_number_value(60);
  google::protobuf::Value object;
  (*object.mutable_struct_value()->mutable_fields())["seconds"].set_number_value(60);
  for (const google::protobuf::Value& value : {StringValue("3600"), BoolValue(true), list, object}) {
    v1::Integration integration = DemoIntegration("Bad interval kind");
    *integration.mutable_sync_interval() = value;
    v1::Integration created;
    EXPECT_THAT(Create(integration, &created), IsInvalidArgument("syncInterval")) << value.ShortDebugString();
  }
}

TEST_F(IntegrationsTest, ReportsEveryBadFieldAtOnce) {
  v1::Integration integration = HttpJsonIntegration("", "ftp://example.com");
  *integration.mutable_sync_interval() = NumberValue(10);
  v1::Integration created;
  grpc::Status status = Create(integration, &created);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << Describe(status);
  EXPECT_THAT(BadRequestFields(status), UnorderedElementsAre("name", "config.url", "syncInterval"))
      << Describe(status);
}

TEST_F(IntegrationsTest, NothingIsStoredWhenCreateIsRejected) {
  MustCreate(DemoIntegration("Existing"));
  v1::Integration created;
  EXPECT_FALSE(Create(DemoIntegration(""), &created).ok());
  EXPECT_FALSE(Create(HttpJsonIntegration("Bad", "ftp://x"), &created).ok());
  v1::Integration bad_interval = DemoIntegration("Bad interval");
  *bad_interval.mutable_sync_interval() = NumberValue(1);
  EXPECT_FALSE(Create(bad_interval, &created).ok());
  EXPECT_FALSE(Create(DemoIntegration("Existing"), &created).ok());

  EXPECT_THAT(ListedNames(), ElementsAre("Existing"));
  pqxx::work tx(Sql());
  EXPECT_EQ(tx.exec("SELECT count(*) FROM integrations")[0][0].as<int>(), 1);
}

// --- get ---

TEST_F(IntegrationsTest, GetRejectsMalformedId) {
  v1::Integration integration;
  EXPECT_THAT(Get("not-a-uuid", &integration), IsInvalidArgument("id"));
  EXPECT_THAT(Get("", &integration), IsInvalidArgument("id"));
  EXPECT_THAT(Get("8a1c0f4e-5b7d-4f0e-9c3a-2d6b1e0f9a4", &integration), IsInvalidArgument("id"));
  EXPECT_THAT(Get("8a1c0f4e-5b7d-4f0e-9c3a-2d6b1e0f9a4z", &integration), IsInvalidArgument("id"));
}

TEST_F(IntegrationsTest, GetUnknownIdIsNotFound) {
  v1::Integration integration;
  EXPECT_THAT(Get(kUnknownId, &integration), HasCode(grpc::StatusCode::NOT_FOUND));
}

TEST_F(IntegrationsTest, GetAcceptsAnUpperCaseId) {
  v1::Integration created = MustCreate(DemoIntegration("Upper"));
  v1::Integration read;
  ASSERT_THAT(Get(absl::AsciiStrToUpper(created.id()), &read), IsOk());
  EXPECT_EQ(read.id(), created.id());
  EXPECT_EQ(read.name(), "Upper");
  EXPECT_THAT(Get(absl::AsciiStrToUpper(kUnknownId), &read), HasCode(grpc::StatusCode::NOT_FOUND));
}

// Concurrent reads are answered together (one query for the calls that wait while the readers are busy):
// each caller still gets its own integration, or NOT_FOUND for its unknown id.
TEST_F(IntegrationsTest, ConcurrentGetsEachGetTheirOwnAnswer) {
  std::vector<std::string> ids;
  for (const char* name : {"First", "Second", "Third"}) ids.push_back(MustCreate(DemoIntegration(name)).id());
  const std::vector<std::string> names = {"First", "Second", "Third", ""};
  ids.push_back(kUnknownId);
  constexpr int kThreads = 16;
  constexpr int kGetsEach = 25;
  std::vector<std::string> wrong(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kGetsEach; ++i) {
        const size_t which = (t + i) % ids.size();
        v1::Integration read;
        const grpc::Status status = Get(ids[which], &read);
        const bool right = names[which].empty()
                               ? status.error_code() == grpc::StatusCode::NOT_FOUND
                               : status.ok() && read.id() == ids[which] && read.name() == names[which];
        if (!right && wrong[t].empty()) {
          wrong[t] = absl::StrCat("get of ", ids[which], ": ", status.error_message(), " ", read.name());
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_THAT(wrong, ::testing::Each(""));
}

TEST_F(IntegrationsTest, GetSeesTheLatestUpdate) {
  v1::Integration created = MustCreate(DemoIntegration("Before"));
  for (int i = 0; i < 5; ++i) {
    v1::Integration changes;
    changes.set_name(absl::StrCat("After ", i));
    v1::Integration updated;
    ASSERT_THAT(Update(created.id(), changes, &updated), IsOk());
    EXPECT_EQ(MustGet(created.id()).name(), absl::StrCat("After ", i));
  }
}

// --- list ---

TEST_F(IntegrationsTest, ListIsEmptyAtFirst) { EXPECT_THAT(ListedNames(), IsEmpty()); }

TEST_F(IntegrationsTest, ListReturnsAllOrderedByName) {
  MustCreate(DemoIntegration("charlie"));
  MustCreate(HttpJsonIntegration("alpha", "https://example.com/a"));
  MustCreate(DemoIntegration("bravo"));
  EXPECT_THAT(ListedNames(), ElementsAre("alpha", "bravo", "charlie"));

  std::vector<v1::Integration> integrations;
  ASSERT_THAT(List(&integrations), IsOk());
  ASSERT_EQ(integrations.size(), 3u);
  EXPECT_EQ(integrations[0].type(), v1::Integration::HTTP_JSON);
  EXPECT_TRUE(LooksLikeUuid(integrations[0].id()));
  EXPECT_TRUE(integrations[0].has_next_sync_at());
}

TEST_F(IntegrationsTest, ListOrdersByNameIgnoringCase) {
  MustCreate(DemoIntegration("bravo"));
  MustCreate(DemoIntegration("Delta"));
  MustCreate(DemoIntegration("alpha"));
  MustCreate(DemoIntegration("Charlie"));
  EXPECT_THAT(ListedNames(), ElementsAre("alpha", "bravo", "Charlie", "Delta"));
}

TEST_F(IntegrationsTest, ListPages) {
  for (const char* name : {"e", "d", "c", "b", "a"}) MustCreate(DemoIntegration(name));

  v1::ListIntegrationsResponse defaults;
  ASSERT_THAT(ListPage(0, 0, &defaults), IsOk());
  EXPECT_EQ(defaults.integrations_size(), 5);
  EXPECT_EQ(defaults.total(), 5);
  EXPECT_EQ(defaults.page(), 1);
  EXPECT_EQ(defaults.page_size(), 100);

  auto names = [](const v1::ListIntegrationsResponse& response) {
    std::vector<std::string> out;
    for (const v1::Integration& integration : response.integrations()) out.push_back(integration.name());
    return out;
  };
  v1::ListIntegrationsResponse page;
  ASSERT_THAT(ListPage(1, 2, &page), IsOk());
  EXPECT_THAT(names(page), ElementsAre("a", "b"));
  EXPECT_EQ(page.total(), 5);
  EXPECT_EQ(page.page(), 1);
  EXPECT_EQ(page.page_size(), 2);
  ASSERT_THAT(ListPage(2, 2, &page), IsOk());
  EXPECT_THAT(names(page), ElementsAre("c", "d"));
  ASSERT_THAT(ListPage(3, 2, &page), IsOk());
  EXPECT_THAT(names(page), ElementsAre("e"));
  ASSERT_THAT(ListPage(4, 2, &page), IsOk());
  EXPECT_THAT(names(page), IsEmpty());
  EXPECT_EQ(page.total(), 5);
  EXPECT_EQ(page.page(), 4);
  ASSERT_THAT(ListPage(INT_MAX, 1000, &page), IsOk());
  EXPECT_THAT(names(page), IsEmpty());
  EXPECT_EQ(page.total(), 5);
}

TEST_F(IntegrationsTest, ListRejectsBadPaging) {
  v1::ListIntegrationsResponse response;
  EXPECT_THAT(ListPage(-1, 10, &response), IsInvalidArgument("page"));
  EXPECT_THAT(ListPage(1, -1, &response), IsInvalidArgument("pageSize"));
  EXPECT_THAT(ListPage(1, 1001, &response), IsInvalidArgument("pageSize"));
  EXPECT_THAT(ListPage(1, 1000, &response), IsOk());
}

// --- update ---

TEST_F(IntegrationsTest, UpdateChangesOnlyTheFieldsItSets) {
  v1::Integration integration = HttpJsonIntegration("Before", "https://example.com/v1");
  *integration.mutable_sync_interval() = NumberValue(900);
  integration.set_sync_enabled(false);
  v1::Integration created = MustCreate(integration);

  v1::Integration changes;
  changes.set_name("After");
  v1::Integration updated;
  ASSERT_THAT(Update(created.id(), changes, &updated), IsOk());

  EXPECT_EQ(updated.id(), created.id());
  EXPECT_EQ(updated.name(), "After");
  EXPECT_EQ(updated.type(), v1::Integration::HTTP_JSON);
  EXPECT_EQ(updated.config().fields().at("url").string_value(), "https://example.com/v1");
  EXPECT_EQ(updated.sync_interval().number_value(), 900);
  EXPECT_FALSE(updated.sync_enabled());
  EXPECT_EQ(updated.status(), v1::Integration::PAUSED);
  EXPECT_FALSE(updated.has_next_sync_at());
  EXPECT_EQ(updated.created_at().SerializeAsString(), created.created_at().SerializeAsString());
  EXPECT_GE(ToTime(updated.updated_at()), ToTime(created.updated_at()));

  v1::Integration read = MustGet(created.id());
  EXPECT_EQ(read.name(), "After");
  EXPECT_EQ(read.config().fields().at("url").string_value(), "https://example.com/v1");
  EXPECT_EQ(read.sync_interval().number_value(), 900);
  EXPECT_FALSE(read.sync_enabled());
}

TEST_F(IntegrationsTest, UpdateReplacesConfigAndSettings) {
  v1::Integration created = MustCreate(HttpJsonIntegration("Feed", "https://example.com/v1"));
  v1::Integration changes;
  *changes.mutable_config() = HttpJsonIntegration("", "http://example.org/v2").config();
  *changes.mutable_sync_interval() = NullValue();
  v1::Integration updated;
  ASSERT_THAT(Update(created.id(), changes, &updated), IsOk());
  EXPECT_EQ(updated.name(), "Feed");
  EXPECT_EQ(updated.config().fields().at("url").string_value(), "http://example.org/v2");
  EXPECT_EQ(updated.sync_interval().kind_case(), google::protobuf::Value::kNullValue);
  EXPECT_EQ(updated.status(), v1::Integration::MANUAL_ONLY);
  EXPECT_FALSE(updated.has_next_sync_at());

  v1::Integration read = MustGet(created.id());
  EXPECT_EQ(read.config().fields().at("url").string_value(), "http://example.org/v2");
  EXPECT_EQ(read.sync_interval().kind_case(), google::protobuf::Value::kNullValue);
}

TEST_F(IntegrationsTest, UpdateRejectsBadFieldsAndChangesNothing) {
  v1::Integration created = MustCreate(HttpJsonIntegration("Feed", "https://example.com/v1"));
  MustCreate(DemoIntegration("Other"));
  v1::Integration updated;

  v1::Integration empty_name;
  empty_name.set_name("  ");
  EXPECT_THAT(Update(created.id(), empty_name, &updated), IsInvalidArgument("name"));

  v1::Integration long_name;
  long_name.set_name(Repeat("n", 201));
  EXPECT_THAT(Update(created.id(), long_name, &updated), IsInvalidArgument("name"));

  v1::Integration bad_url;
  *bad_url.mutable_config() = HttpJsonIntegration("", "ftp://example.com").config();
  EXPECT_THAT(Update(created.id(), bad_url, &updated), IsInvalidArgument("config.url"));

  v1::Integration no_url;
  *no_url.mutable_config() = HttpJsonIntegration("", "").config();
  no_url.mutable_config()->mutable_fields()->erase("url");
  (*no_url.mutable_config()->mutable_fields())["path"].set_string_value("/x");
  EXPECT_THAT(Update(created.id(), no_url, &updated), IsInvalidArgument("config.url"));

  v1::Integration bad_interval;
  *bad_interval.mutable_sync_interval() = StringValue("hourly");
  EXPECT_THAT(Update(created.id(), bad_interval, &updated), IsInvalidArgument("syncInterval"));

  v1::Integration short_interval;
  *short_interval.mutable_sync_interval() = NumberValue(30);
  EXPECT_THAT(Update(created.id(), short_interval, &updated), IsInvalidArgument("syncInterval"));

  v1::Integration taken_name;
  taken_name.set_name("Other");
  EXPECT_THAT(Update(created.id(), taken_name, &updated), HasCode(grpc::StatusCode::ALREADY_EXISTS));

  v1::Integration read = MustGet(created.id());
  // Equals, not bytes: a Struct's map fields serialize in no fixed order.
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(read, created))
      << "created: " << created.ShortDebugString() << "\nread: " << read.ShortDebugString();
}

TEST_F(IntegrationsTest, UpdateIgnoresOutputOnlyFields) {
  v1::Integration created = MustCreate(DemoIntegration("Steady"));
  v1::Integration changes;
  changes.set_id(kUnknownId);
  changes.set_status(v1::Integration::PAUSED);
  *changes.mutable_next_sync_at() = ToTimestamp(absl::Now() + absl::Hours(48));
  *changes.mutable_last_sync() = ToTimestamp(absl::Now());
  changes.set_last_sync_status(v1::SyncRun::FAILED);
  changes.set_last_sync_error("boom");
  changes.set_retry_count(4);
  changes.set_paused_reason("because");
  *changes.mutable_created_at() = ToTimestamp(absl::Now() - absl::Hours(1000));
  v1::Integration updated;
  ASSERT_THAT(Update(created.id(), changes, &updated), IsOk());
  v1::Integration read = MustGet(created.id());
  for (const v1::Integration& seen : {updated, read}) {
    EXPECT_EQ(seen.id(), created.id());
    EXPECT_EQ(seen.status(), v1::Integration::ACTIVE);
    EXPECT_EQ(seen.next_sync_at().SerializeAsString(), created.next_sync_at().SerializeAsString());
    EXPECT_FALSE(seen.has_last_sync());
    EXPECT_FALSE(seen.has_last_sync_status());
    EXPECT_FALSE(seen.has_last_sync_error());
    EXPECT_EQ(seen.retry_count(), 0);
    EXPECT_FALSE(seen.has_paused_reason());
    EXPECT_EQ(seen.created_at().SerializeAsString(), created.created_at().SerializeAsString());
  }
}

TEST_F(IntegrationsTest, UpdateMayKeepItsOwnName) {
  v1::Integration created = MustCreate(DemoIntegration("Same"));
  v1::Integration changes;
  changes.set_name("Same");
  v1::Integration updated;
  EXPECT_THAT(Update(created.id(), changes, &updated), IsOk());
}

TEST_F(IntegrationsTest, UpdateRejectsMalformedIdAndUnknownId) {
  v1::Integration changes;
  changes.set_name("Whatever");
  v1::Integration updated;
  EXPECT_THAT(Update("nope", changes, &updated), IsInvalidArgument("id"));
  EXPECT_THAT(Update(kUnknownId, changes, &updated), HasCode(grpc::StatusCode::NOT_FOUND));
}

// --- delete ---

TEST_F(IntegrationsTest, DeleteRemovesTheIntegrationAndItsHistory) {
  v1::Integration doomed = MustCreate(DemoIntegration("Doomed"));
  v1::Integration kept = MustCreate(DemoIntegration("Kept"));
  v1::TriggerSyncResponse triggered;
  ASSERT_THAT(Trigger(doomed.id(), &triggered), IsOk());
  RunRow old_run;
  old_run.integration_id = doomed.id();
  old_run.created_at = absl::Now() - absl::Hours(1);
  old_run.completed_at = old_run.created_at + absl::Seconds(3);
  InsertRun(old_run);
  RunRow kept_run = old_run;
  kept_run.integration_id = kept.id();
  InsertRun(kept_run);
  ASSERT_EQ(CountRuns(doomed.id()), 2);

  ASSERT_THAT(Delete(doomed.id()), IsOk());

  v1::Integration integration;
  EXPECT_THAT(Get(doomed.id(), &integration), HasCode(grpc::StatusCode::NOT_FOUND));
  v1::GetSyncHistoryResponse history;
  EXPECT_THAT(History(doomed.id(), 1, 20, &history), HasCode(grpc::StatusCode::NOT_FOUND));
  EXPECT_EQ(CountRuns(doomed.id()), 0);
  EXPECT_THAT(ListedNames(), ElementsAre("Kept"));
  EXPECT_EQ(CountRuns(kept.id()), 1);
  // Deleting twice: the second finds nothing.
  EXPECT_THAT(Delete(doomed.id()), HasCode(grpc::StatusCode::NOT_FOUND));
}

TEST_F(IntegrationsTest, DeleteFreesTheName) {
  v1::Integration first = MustCreate(DemoIntegration("Reused"));
  ASSERT_THAT(Delete(first.id()), IsOk());
  v1::Integration second = MustCreate(DemoIntegration("Reused"));
  EXPECT_NE(second.id(), first.id());
}

TEST_F(IntegrationsTest, DeleteRejectsMalformedIdAndUnknownId) {
  EXPECT_THAT(Delete("12345"), IsInvalidArgument("id"));
  EXPECT_THAT(Delete(kUnknownId), HasCode(grpc::StatusCode::NOT_FOUND));
}

}  // namespace
}  // namespace syncd::testing

namespace syncd::testing {
namespace {

// An HTTP_JSON integration with a bearer token.
v1::Integration WithToken(const std::string& name, const std::string& token) {
  v1::Integration integration = HttpJsonIntegration(name, "https://api.example.com/items");
  google::protobuf::Struct* auth =
      (*integration.mutable_config()->mutable_fields())["auth"].mutable_struct_value();
  (*auth->mutable_fields())["kind"].set_string_value("bearer");
  (*auth->mutable_fields())["token"].set_string_value(token);
  return integration;
}

std::string StoredToken(pqxx::connection& sql, const std::string& id) {
  pqxx::work tx(sql);
  pqxx::result r = tx.exec_params("SELECT config->'auth'->>'token' FROM integrations WHERE id = $1", id);
  return r.empty() || r[0][0].is_null() ? std::string("<none>") : r[0][0].as<std::string>();
}

std::string ShownToken(const v1::Integration& integration) {
  return integration.config().fields().at("auth").struct_value().fields().at("token").string_value();
}

class SecretsTest : public SyncServiceTest {};

TEST_F(SecretsTest, SecretsAreStoredButNeverReturned) {
  const std::string token = "tok-4f9a-very-secret";
  v1::Integration created = MustCreate(WithToken("Billing", token));
  EXPECT_EQ(ShownToken(created), "********");
  EXPECT_EQ(ShownToken(MustGet(created.id())), "********");
  v1::ListIntegrationsResponse listed;
  ASSERT_THAT(stub().ListIntegrations(NewContext().get(), {}, &listed), IsOk());
  EXPECT_EQ(listed.DebugString().find(token), std::string::npos);
  EXPECT_EQ(created.DebugString().find(token), std::string::npos);
  // Stored for the worker to use.
  EXPECT_EQ(StoredToken(Sql(), created.id()), token);
}

TEST_F(SecretsTest, UpdatingWithoutTheSecretOrWithTheMaskKeepsIt) {
  v1::Integration created = MustCreate(WithToken("Billing", "first-token"));

  // The UI sends back what it was shown.
  v1::Integration echo;
  *echo.mutable_config() = created.config();
  (*echo.mutable_config()->mutable_fields())["url"].set_string_value("https://api.example.com/v2/items");
  v1::Integration updated;
  ASSERT_THAT(Update(created.id(), echo, &updated), IsOk());
  EXPECT_EQ(StoredToken(Sql(), created.id()), "first-token");
  EXPECT_EQ(ShownToken(updated), "********");

  // A config that leaves the token out keeps it too.
  v1::Integration without = HttpJsonIntegration("", "https://api.example.com/v3/items");
  without.clear_name();
  (*(*without.mutable_config()->mutable_fields())["auth"].mutable_struct_value()->mutable_fields())["kind"]
      .set_string_value("bearer");
  ASSERT_THAT(Update(created.id(), without, &updated), IsOk());
  EXPECT_EQ(StoredToken(Sql(), created.id()), "first-token");

  // A new token replaces it.
  v1::Integration rotated = WithToken("Billing", "second-token");
  ASSERT_THAT(Update(created.id(), rotated, &updated), IsOk());
  EXPECT_EQ(StoredToken(Sql(), created.id()), "second-token");
}

TEST_F(SecretsTest, MovingTheUrlToAnotherHostNeedsTheSecretAgain) {
  v1::Integration created = MustCreate(WithToken("Billing", "first-token"));

  // Whoever may edit the integration points it at their own server, echoing the masked token or leaving it
  // out: refused, and the stored url and token stay as they were.
  for (bool echo_mask : {true, false}) {
    v1::Integration moved;
    *moved.mutable_config() = created.config();
    (*moved.mutable_config()->mutable_fields())["url"].set_string_value("https://collector.attacker.test/x");
    if (!echo_mask) {
      (*moved.mutable_config()->mutable_fields())["auth"].mutable_struct_value()->mutable_fields()->erase(
          "token");
    }
    v1::Integration updated;
    grpc::Status status = Update(created.id(), moved, &updated);
    EXPECT_THAT(status, IsInvalidArgument("config.auth.token")) << echo_mask;
    EXPECT_THAT(BadRequestFields(status), ElementsAre("config.auth.token")) << Describe(status);
    EXPECT_EQ(StoredToken(Sql(), created.id()), "first-token");
    EXPECT_EQ(MustGet(created.id()).config().fields().at("url").string_value(),
              "https://api.example.com/items");
  }

  // Sending the token again moves it.
  v1::Integration resent = WithToken("Billing", "token-for-new-host");
  (*resent.mutable_config()->mutable_fields())["url"].set_string_value("https://other.example.org/items");
  v1::Integration updated;
  ASSERT_THAT(Update(created.id(), resent, &updated), IsOk());
  EXPECT_EQ(StoredToken(Sql(), created.id()), "token-for-new-host");
}

// PostgreSQL cannot store U+0000. A config or name with it is refused as bad input naming the field, before
// the database sees it: the database's own error would quote the stored config, secrets and all.
TEST_F(SecretsTest, NulInTheConfigIsRefusedByFieldAndTheSecretStaysHidden) {
  const std::string token = "tok-nul-very-secret";
  v1::Integration created = MustCreate(WithToken("Billing", token));
  v1::Integration changed;
  *changed.mutable_config() = created.config();  // the masked token: keep the stored one
  (*changed.mutable_config()->mutable_fields())["method"].set_string_value("POST");
  google::protobuf::Struct* body =
      (*changed.mutable_config()->mutable_fields())["body"].mutable_struct_value();
  (*body->mutable_fields())["q"].set_string_value(std::string("a\0b", 3));
  v1::Integration updated;
  grpc::Status status = Update(created.id(), changed, &updated);
  EXPECT_THAT(status, IsInvalidArgument("config.body.q"));
  EXPECT_EQ(status.error_message().find(token), std::string::npos) << Describe(status);
  EXPECT_EQ(status.error_details().find(token), std::string::npos);
  EXPECT_EQ(StoredToken(Sql(), created.id()), token);

  v1::Integration nul_name = WithToken(std::string("Nul\0name", 8), "another-token");
  EXPECT_THAT(Create(nul_name, &updated), IsInvalidArgument("name"));

  absl::SleepFor(absl::Milliseconds(1500));  // the log is flushed every second
  std::ifstream log(service().log_path());
  std::stringstream text;
  text << log.rdbuf();
  EXPECT_EQ(text.str().find(token), std::string::npos) << "the token is in sync_service's log";
  EXPECT_EQ(text.str().find('\0'), std::string::npos) << "a NUL byte is in sync_service's log";
}

}  // namespace
}  // namespace syncd::testing
