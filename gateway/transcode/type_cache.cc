#include "gateway/transcode/type_cache.h"

#include <google/protobuf/util/type_resolver_util.h>

namespace syncd::gateway::transcode {
namespace {

constexpr char kUrlPrefix[] = "type.googleapis.com";

}  // namespace

std::string TypeUrl(const google::protobuf::Descriptor& type) {
  return std::string(kUrlPrefix) + "/" + type.full_name();
}

CachingTypeResolver::CachingTypeResolver(const google::protobuf::DescriptorPool* pool)
    : resolver_(google::protobuf::util::NewTypeResolverForDescriptorPool(kUrlPrefix, pool)) {}

google::protobuf::util::Status CachingTypeResolver::ResolveMessageType(const std::string& type_url,
                                                                       google::protobuf::Type* type) {
  {
    absl::ReaderMutexLock lock(&mu_);
    auto it = types_.find(type_url);
    if (it != types_.end()) {
      *type = it->second;
      return google::protobuf::util::Status();
    }
  }
  google::protobuf::util::Status status = resolver_->ResolveMessageType(type_url, type);
  if (status.ok()) {
    absl::MutexLock lock(&mu_);
    types_.emplace(type_url, *type);
  }
  return status;
}

google::protobuf::util::Status CachingTypeResolver::ResolveEnumType(const std::string& type_url,
                                                                    google::protobuf::Enum* enum_type) {
  {
    absl::ReaderMutexLock lock(&mu_);
    auto it = enums_.find(type_url);
    if (it != enums_.end()) {
      *enum_type = it->second;
      return google::protobuf::util::Status();
    }
  }
  google::protobuf::util::Status status = resolver_->ResolveEnumType(type_url, enum_type);
  if (status.ok()) {
    absl::MutexLock lock(&mu_);
    enums_.emplace(type_url, *enum_type);
  }
  return status;
}

}  // namespace syncd::gateway::transcode
