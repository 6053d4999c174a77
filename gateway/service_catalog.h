// The services the gateway serves: those compiled into the binary (the generated descriptor pool) plus
// those of FileDescriptorSet files given with --descriptor_set. A service in a descriptor set replaces a
// compiled-in one of the same name, so new annotations can be served without rebuilding the gateway.
//
//   ServiceCatalog catalog;
//   catalog.AddCompiledIn(syncd::v1::GetIntegrationRequest::descriptor()->file());
//   catalog.AddDescriptorSet("build/protos/syncd_descriptor_set.pb");
//   absl::StatusOr<RouteTable> routes = RouteTable::Build(catalog.services());
#pragma once

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor_database.h>
#include <google/protobuf/dynamic_message.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gateway/transcode/route_table.h"

namespace syncd::gateway {

class ServiceCatalog {
 public:
  // Every service of a .proto file linked into this binary (its generated code registers it in the
  // generated pool).
  void AddCompiledIn(const google::protobuf::FileDescriptor* file);
  // Every service of every file in the set (a set built with --include_imports, so it is self-contained).
  absl::Status AddDescriptorSet(const std::string& path);

  const std::vector<transcode::ServiceSource>& services() const { return services_; }

 private:
  void Add(transcode::ServiceSource source);

  struct LoadedSet {
    std::unique_ptr<google::protobuf::SimpleDescriptorDatabase> database;
    std::unique_ptr<google::protobuf::DescriptorPool> pool;
    std::unique_ptr<google::protobuf::DynamicMessageFactory> factory;
  };
  std::vector<std::unique_ptr<LoadedSet>> sets_;
  std::vector<transcode::ServiceSource> services_;
};

}  // namespace syncd::gateway
