#include "gateway/transcode/route_table.h"

#include <gmock/gmock.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <gtest/gtest.h>

#include "google/api/annotations.pb.h"
#include "syncd/v1/sync_service.pb.h"

namespace syncd::gateway::transcode {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

RouteTable SyncServiceRoutes() {
  const auto* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName("syncd.v1.SyncService");
  absl::StatusOr<RouteTable> table =
      RouteTable::Build({{service, google::protobuf::MessageFactory::generated_factory()}});
  EXPECT_TRUE(table.ok()) << table.status();
  return table.ok() ? *std::move(table) : RouteTable();
}

TEST(RouteTableTest, EveryAnnotatedSyncServiceMethodHasItsRoute) {
  RouteTable table = SyncServiceRoutes();
  std::vector<std::string> routes;
  for (const Route& r : table.routes())
    routes.push_back(r.http_method + " " + r.path.text() + " " + r.grpc_method);
  EXPECT_THAT(routes,
              UnorderedElementsAre(
                  "GET /api/integrations /syncd.v1.SyncService/ListIntegrations",
                  "POST /api/integrations /syncd.v1.SyncService/CreateIntegration",
                  "GET /api/integrations/{id} /syncd.v1.SyncService/GetIntegration",
                  "PUT /api/integrations/{id} /syncd.v1.SyncService/UpdateIntegration",
                  "DELETE /api/integrations/{id} /syncd.v1.SyncService/DeleteIntegration",
                  "PATCH /api/integrations/{id}/sync-settings /syncd.v1.SyncService/UpdateSyncSettings",
                  "POST /api/integrations/{id}/sync /syncd.v1.SyncService/TriggerSync",
                  "GET /api/integrations/{id}/sync-history /syncd.v1.SyncService/GetSyncHistory",
                  "GET /api/integrations/{id}/records /syncd.v1.SyncService/ListRecords",
                  "GET /api/sync/status /syncd.v1.SyncService/GetSyncStatus",
                  "GET /api/sync/worker-status /syncd.v1.SyncService/GetWorkerStatus"));
}

TEST(RouteTableTest, FindsByMethodAndPathAndReportsAllowedMethods) {
  RouteTable table = SyncServiceRoutes();
  RouteTable::Match m = table.Find("PATCH", "/api/integrations/abc/sync-settings");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->method->name(), "UpdateSyncSettings");
  EXPECT_EQ(m.route->body, "*");
  EXPECT_THAT(m.bindings, ElementsAre(Pair("id", "abc")));

  EXPECT_EQ(table.Find("HEAD", "/api/sync/status").route->method->name(), "GetSyncStatus");

  m = table.Find("POST", "/api/integrations/abc");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_THAT(m.allowed_methods, UnorderedElementsAre("GET", "PUT", "DELETE"));

  m = table.Find("GET", "/api/nothing");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.allowed_methods.empty());
}

// A service defined only as a descriptor, as a --descriptor_set file brings it: its rule (with an
// additional binding) becomes routes without code naming it.
TEST(RouteTableTest, BuildsRoutesFromAnnotationsOfADynamicPool) {
  google::protobuf::FileDescriptorProto file;
  file.set_name("t/echo.proto");
  file.set_package("t");
  file.set_syntax("proto3");
  auto* msg = file.add_message_type();
  msg->set_name("Echo");
  auto* f = msg->add_field();
  f->set_name("text");
  f->set_number(1);
  f->set_type(google::protobuf::FieldDescriptorProto::TYPE_STRING);
  f->set_label(google::protobuf::FieldDescriptorProto::LABEL_OPTIONAL);
  auto* method = file.add_service()->add_method();
  file.mutable_service(0)->set_name("EchoService");
  method->set_name("Say");
  method->set_input_type(".t.Echo");
  method->set_output_type(".t.Echo");
  google::api::HttpRule* rule = method->mutable_options()->MutableExtension(google::api::http);
  rule->set_post("/echo/{text}");
  rule->add_additional_bindings()->set_get("/echo");

  google::protobuf::DescriptorPool pool;
  const google::protobuf::FileDescriptor* built = pool.BuildFile(file);
  ASSERT_NE(built, nullptr);
  google::protobuf::DynamicMessageFactory factory(&pool);
  absl::StatusOr<RouteTable> table = RouteTable::Build({{built->service(0), &factory}});
  ASSERT_TRUE(table.ok()) << table.status();
  ASSERT_EQ(table->routes().size(), 2u);
  EXPECT_EQ(table->Find("POST", "/echo/hi").route->grpc_method, "/t.EchoService/Say");
  EXPECT_EQ(table->Find("GET", "/echo").route->grpc_method, "/t.EchoService/Say");

  rule->set_post("/echo/{missing}");
  google::protobuf::DescriptorPool pool2;
  google::protobuf::DynamicMessageFactory factory2(&pool2);
  const google::protobuf::FileDescriptor* bad = pool2.BuildFile(file);
  ASSERT_NE(bad, nullptr);
  absl::StatusOr<RouteTable> rejected = RouteTable::Build({{bad->service(0), &factory2}});
  EXPECT_FALSE(rejected.ok());
  EXPECT_THAT(std::string(rejected.status().message()), ::testing::HasSubstr("missing"));
}

TEST(RouteTableTest, RejectsTwoMethodsOnOneRoute) {
  const auto* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName("syncd.v1.SyncService");
  absl::StatusOr<RouteTable> table =
      RouteTable::Build({{service, google::protobuf::MessageFactory::generated_factory()},
                         {service, google::protobuf::MessageFactory::generated_factory()}});
  EXPECT_FALSE(table.ok());
}

}  // namespace
}  // namespace syncd::gateway::transcode
