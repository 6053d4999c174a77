// A google::protobuf::util::TypeResolver over a descriptor pool that keeps what it resolved.
//
// protobuf 3.21's JSON utilities describe every message type they meet as a google.protobuf.Type, built
// from the descriptors again on every call (MessageToJsonString and JsonStringToMessage included). For a
// gateway that converts every request and response this was the largest part of its CPU time; with this
// cache a conversion only copies the types it needs.
//
//   auto types = std::make_shared<CachingTypeResolver>(pool);
//   util::BinaryToJsonString(types.get(), TypeUrl(*descriptor), binary, &json, options);
#pragma once

#include <google/protobuf/descriptor.h>
#include <google/protobuf/type.pb.h>
#include <google/protobuf/util/type_resolver.h>

#include <map>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"

namespace syncd::gateway::transcode {

// "type.googleapis.com/<full name>".
std::string TypeUrl(const google::protobuf::Descriptor& type);

class CachingTypeResolver final : public google::protobuf::util::TypeResolver {
 public:
  explicit CachingTypeResolver(const google::protobuf::DescriptorPool* pool);

  google::protobuf::util::Status ResolveMessageType(const std::string& type_url,
                                                    google::protobuf::Type* type) override;
  google::protobuf::util::Status ResolveEnumType(const std::string& type_url,
                                                 google::protobuf::Enum* enum_type) override;

 private:
  std::unique_ptr<google::protobuf::util::TypeResolver> resolver_;
  absl::Mutex mu_;
  std::map<std::string, google::protobuf::Type> types_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, google::protobuf::Enum> enums_ ABSL_GUARDED_BY(mu_);
};

}  // namespace syncd::gateway::transcode
