#include "gateway/service_catalog.h"

#include <google/protobuf/descriptor.pb.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace syncd::gateway {

using google::protobuf::DescriptorPool;

void ServiceCatalog::Add(transcode::ServiceSource source) {
  for (transcode::ServiceSource& existing : services_) {
    if (existing.service->full_name() == source.service->full_name()) {
      existing = source;
      return;
    }
  }
  services_.push_back(source);
}

void ServiceCatalog::AddCompiledIn(const google::protobuf::FileDescriptor* file) {
  for (int i = 0; i < file->service_count(); ++i)
    Add({file->service(i), google::protobuf::MessageFactory::generated_factory()});
}

absl::Status ServiceCatalog::AddDescriptorSet(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read descriptor set ", path));
  std::stringstream bytes;
  bytes << in.rdbuf();
  google::protobuf::FileDescriptorSet set;
  if (!set.ParseFromString(bytes.str()))
    return absl::InvalidArgumentError(absl::StrCat(path, " is not a serialized FileDescriptorSet"));

  auto loaded = std::make_unique<LoadedSet>();
  loaded->database = std::make_unique<google::protobuf::SimpleDescriptorDatabase>();
  for (const google::protobuf::FileDescriptorProto& file : set.file()) {
    if (!loaded->database->Add(file))
      return absl::InvalidArgumentError(absl::StrCat(path, ": cannot add ", file.name()));
  }
  loaded->pool = std::make_unique<DescriptorPool>(loaded->database.get());
  loaded->factory = std::make_unique<google::protobuf::DynamicMessageFactory>(loaded->pool.get());
  for (const google::protobuf::FileDescriptorProto& proto : set.file()) {
    const google::protobuf::FileDescriptor* file = loaded->pool->FindFileByName(proto.name());
    if (file == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": ", proto.name(), " does not build (were its imports included?)"));
    }
    for (int i = 0; i < file->service_count(); ++i) Add({file->service(i), loaded->factory.get()});
  }
  sets_.push_back(std::move(loaded));
  return absl::OkStatus();
}

}  // namespace syncd::gateway
