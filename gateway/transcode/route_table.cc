#include "gateway/transcode/route_table.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "gateway/transcode/field_binding.h"
#include "gateway/transcode/type_cache.h"
#include "google/api/annotations.pb.h"

namespace syncd::gateway::transcode {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::MethodDescriptor;

std::vector<const google::api::HttpRule*> RulesOf(const google::api::HttpRule& rule) {
  std::vector<const google::api::HttpRule*> rules = {&rule};
  for (const google::api::HttpRule& extra : rule.additional_bindings()) rules.push_back(&extra);
  return rules;
}

absl::Status Invalid(const MethodDescriptor& method, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(method.full_name(), ": google.api.http: ", why));
}

absl::StatusOr<Route> MakeRoute(const MethodDescriptor& method, const google::api::HttpRule& rule,
                                google::protobuf::MessageFactory& factory) {
  Route route;
  std::string path;
  switch (rule.pattern_case()) {
    case google::api::HttpRule::kGet:
      route.http_method = "GET", path = rule.get();
      break;
    case google::api::HttpRule::kPost:
      route.http_method = "POST", path = rule.post();
      break;
    case google::api::HttpRule::kPut:
      route.http_method = "PUT", path = rule.put();
      break;
    case google::api::HttpRule::kPatch:
      route.http_method = "PATCH", path = rule.patch();
      break;
    case google::api::HttpRule::kDelete:
      route.http_method = "DELETE", path = rule.delete_();
      break;
    case google::api::HttpRule::kCustom:
      route.http_method = rule.custom().kind(), path = rule.custom().path();
      break;
    case google::api::HttpRule::PATTERN_NOT_SET:
      return Invalid(method, "a rule without a method and path");
  }
  absl::StatusOr<PathTemplate> parsed = PathTemplate::Parse(path);
  if (!parsed.ok()) return Invalid(method, parsed.status().message());
  route.path = *std::move(parsed);
  route.body = rule.body();
  route.response_body = rule.response_body();
  route.method = &method;
  route.grpc_method = absl::StrCat("/", method.service()->full_name(), "/", method.name());
  route.request_prototype = factory.GetPrototype(method.input_type());
  route.response_prototype = factory.GetPrototype(method.output_type());
  route.server_streaming = method.server_streaming();
  if (route.request_prototype == nullptr || route.response_prototype == nullptr)
    return Invalid(method, "no message factory for its request or response");

  FieldViolation violation;
  for (const PathTemplate::Variable& v : route.path.variables()) {
    std::optional<ResolvedField> f = ResolveField(*method.input_type(), v.field_path, &violation);
    if (!f.has_value() || f->fields.back()->is_repeated() ||
        f->fields.back()->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE)
      return Invalid(method,
                     absl::StrCat("path variable \"", v.field_path, "\" is not a singular scalar field"));
  }
  if (!route.body.empty() && route.body != "*" && method.input_type()->FindFieldByName(route.body) == nullptr)
    return Invalid(method, absl::StrCat("body \"", route.body, "\" is not a field of the request"));
  if (!route.response_body.empty() && method.output_type()->FindFieldByName(route.response_body) == nullptr)
    return Invalid(method, absl::StrCat("response_body \"", route.response_body, "\" is not a field"));
  return route;
}

}  // namespace

absl::StatusOr<RouteTable> RouteTable::Build(const std::vector<ServiceSource>& services) {
  RouteTable table;
  std::map<const google::protobuf::DescriptorPool*, std::shared_ptr<google::protobuf::util::TypeResolver>>
      types;
  std::map<const google::protobuf::Descriptor*, std::shared_ptr<const DefaultFieldsCheck>> defaults;
  std::map<const google::protobuf::Descriptor*, std::shared_ptr<const WireJsonPrinter>> printers;
  for (const ServiceSource& source : services) {
    const google::protobuf::DescriptorPool* pool = source.service->file()->pool();
    if (types.count(pool) == 0) types[pool] = std::make_shared<CachingTypeResolver>(pool);
    for (int i = 0; i < source.service->method_count(); ++i) {
      const MethodDescriptor& method = *source.service->method(i);
      if (!method.options().HasExtension(google::api::http)) continue;
      if (method.client_streaming())
        return Invalid(method, "client-streaming methods cannot be served over HTTP/JSON");
      for (const google::api::HttpRule* rule : RulesOf(method.options().GetExtension(google::api::http))) {
        absl::StatusOr<Route> route = MakeRoute(method, *rule, *source.factory);
        if (!route.ok()) return route.status();
        route->types = types[pool];
        std::shared_ptr<const DefaultFieldsCheck>& check = defaults[method.output_type()];
        if (check == nullptr) check = std::make_shared<DefaultFieldsCheck>(*method.output_type());
        route->response_defaults = check;
        std::shared_ptr<const WireJsonPrinter>& printer = printers[method.output_type()];
        if (printer == nullptr) printer = std::make_shared<WireJsonPrinter>(*method.output_type());
        route->response_printer = printer;
        for (const Route& existing : table.routes_) {
          if (existing.http_method == route->http_method && existing.path.text() == route->path.text()) {
            return absl::InvalidArgumentError(absl::StrCat(route->http_method, " ", route->path.text(),
                                                           " is bound by both ", existing.method->full_name(),
                                                           " and ", method.full_name()));
          }
        }
        table.routes_.push_back(*std::move(route));
      }
    }
  }
  std::stable_sort(table.routes_.begin(), table.routes_.end(),
                   [](const Route& a, const Route& b) { return a.path.MoreSpecificThan(b.path); });
  return table;
}

RouteTable::Match RouteTable::Find(absl::string_view http_method, absl::string_view raw_path) const {
  if (http_method == "HEAD") http_method = "GET";
  Match match;
  for (const Route& route : routes_) {
    std::optional<PathBindings> bindings = route.path.Match(raw_path);
    if (!bindings.has_value()) continue;
    if (route.http_method == http_method) {
      match.route = &route;
      match.bindings = *std::move(bindings);
      match.allowed_methods.clear();
      return match;
    }
    if (std::find(match.allowed_methods.begin(), match.allowed_methods.end(), route.http_method) ==
        match.allowed_methods.end())
      match.allowed_methods.push_back(route.http_method);
  }
  return match;
}

}  // namespace syncd::gateway::transcode
