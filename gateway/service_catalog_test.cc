#include "gateway/service_catalog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "syncd/v1/sync_service.pb.h"

namespace syncd::gateway {
namespace {

using ::testing::HasSubstr;

std::vector<std::string> ServiceNames(const ServiceCatalog& catalog) {
  std::vector<std::string> names;
  for (const transcode::ServiceSource& s : catalog.services()) names.push_back(s.service->full_name());
  return names;
}

TEST(ServiceCatalogTest, CompiledInServicesUseTheGeneratedFactory) {
  ServiceCatalog catalog;
  catalog.AddCompiledIn(syncd::v1::GetIntegrationRequest::descriptor()->file());
  EXPECT_THAT(ServiceNames(catalog), ::testing::ElementsAre("syncd.v1.SyncService"));
  EXPECT_EQ(catalog.services()[0].factory, google::protobuf::MessageFactory::generated_factory());
}

TEST(ServiceCatalogTest, DescriptorSetAddsItsServicesAndReplacesOnesOfTheSameName) {
  ServiceCatalog catalog;
  catalog.AddCompiledIn(syncd::v1::GetIntegrationRequest::descriptor()->file());
  ASSERT_TRUE(catalog.AddDescriptorSet(GATEWAY_TEST_DESCRIPTOR_SET).ok());
  EXPECT_THAT(ServiceNames(catalog),
              ::testing::UnorderedElementsAre("syncd.v1.SyncService", "grpc.health.v1.Health"));

  // The build's descriptor set holds syncd.v1.SyncService too: it replaces the compiled-in one, and its
  // routes are the same.
  ASSERT_TRUE(catalog.AddDescriptorSet(SYNCD_DESCRIPTOR_SET).ok());
  std::vector<std::string> names = ServiceNames(catalog);
  EXPECT_EQ(std::count(names.begin(), names.end(), "syncd.v1.SyncService"), 1);
  for (const transcode::ServiceSource& s : catalog.services()) {
    if (s.service->full_name() == "syncd.v1.SyncService") {
      EXPECT_NE(s.factory, google::protobuf::MessageFactory::generated_factory());
    }
  }
  absl::StatusOr<transcode::RouteTable> routes = transcode::RouteTable::Build(catalog.services());
  ASSERT_TRUE(routes.ok()) << routes.status();
  EXPECT_EQ(routes->routes().size(), 11u + 3u);  // SyncService's 11, Health's Check (2 bindings) and Watch
  EXPECT_EQ(routes->Find("GET", "/api/integrations/x").route->request_prototype->GetDescriptor()->full_name(),
            "syncd.v1.GetIntegrationRequest");
}

TEST(ServiceCatalogTest, RejectsMissingAndMalformedFiles) {
  ServiceCatalog catalog;
  EXPECT_FALSE(catalog.AddDescriptorSet("/nonexistent/set.pb").ok());
  const std::string path = ::testing::TempDir() + "/not-a-descriptor-set.pb";
  std::ofstream(path) << "this is not protobuf \xff\xff\xff";
  absl::Status status = catalog.AddDescriptorSet(path);
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr("FileDescriptorSet"));
  std::remove(path.c_str());
  EXPECT_TRUE(catalog.services().empty());
}

}  // namespace
}  // namespace syncd::gateway
