// The route table: one route per google.api.http binding (the rule and its additional_bindings) of every
// method of the given services, looked up by HTTP method and raw path.
//
//   absl::StatusOr<RouteTable> table = RouteTable::Build({{service_descriptor, factory}});
//   RouteTable::Match m = table->Find("GET", "/api/integrations/3f1c...");
//   if (m.route == nullptr && !m.allowed_methods.empty()) ...  // 405, Allow: m.allowed_methods
#pragma once

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/util/type_resolver.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/transcode/default_fields.h"
#include "gateway/transcode/path_template.h"
#include "gateway/transcode/wire_json.h"

namespace syncd::gateway::transcode {

struct Route {
  // "GET", "POST", "PUT", "PATCH", "DELETE" (or a custom rule's kind).
  std::string http_method;
  PathTemplate path;
  // "" (no body), "*" (the whole request) or the name of the request field the body fills.
  std::string body;
  // "" (the whole response) or the name of the response field that is the HTTP body.
  std::string response_body;
  const google::protobuf::MethodDescriptor* method = nullptr;
  // "/syncd.v1.SyncService/GetIntegration": the gRPC method path.
  std::string grpc_method;
  const google::protobuf::Message* request_prototype = nullptr;
  const google::protobuf::Message* response_prototype = nullptr;
  bool server_streaming = false;
  // Resolves the types of the method's pool for the JSON conversions (shared by the pool's routes).
  std::shared_ptr<google::protobuf::util::TypeResolver> types;
  // Whether a response's JSON needs protobuf's default-filling pass (shared by the routes of a type).
  std::shared_ptr<const DefaultFieldsCheck> response_defaults;
  // Prints the method's responses straight from their bytes when it can (shared like response_defaults).
  std::shared_ptr<const WireJsonPrinter> response_printer;
};

// A service whose annotated methods become routes, and the factory that makes its messages (the generated
// factory for compiled-in services, a DynamicMessageFactory for descriptor sets).
struct ServiceSource {
  const google::protobuf::ServiceDescriptor* service = nullptr;
  google::protobuf::MessageFactory* factory = nullptr;
};

class RouteTable {
 public:
  // Fails on a malformed template, a path variable or body that names no field, a client-streaming method
  // with a rule, or two rules with the same HTTP method and template.
  static absl::StatusOr<RouteTable> Build(const std::vector<ServiceSource>& services);

  struct Match {
    // The route, or nullptr when none matches the method and path.
    const Route* route = nullptr;
    PathBindings bindings;
    // When no route matched: the methods that the path has routes for (empty: an unknown path).
    std::vector<std::string> allowed_methods;
  };
  // HEAD is looked up as GET.
  Match Find(absl::string_view http_method, absl::string_view raw_path) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;  // most specific first
};

}  // namespace syncd::gateway::transcode
