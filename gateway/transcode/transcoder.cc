#include "gateway/transcode/transcoder.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gateway/transcode/field_binding.h"
#include "gateway/transcode/type_cache.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace syncd::gateway::transcode {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
namespace util = google::protobuf::util;

HttpError BadRequest(std::string message, FieldViolations violations = {}) {
  return HttpError{400, kInvalidArgument, std::move(message), std::move(violations)};
}

// protobuf's error paths name fields by their .proto names ("sync_enabled"); the API speaks JSON names
// ("syncEnabled"). Segments it cannot resolve stay as they are.
std::string JsonPath(const google::protobuf::Descriptor* type, absl::string_view path) {
  std::string out;
  for (absl::string_view segment : absl::StrSplit(path, '.')) {
    const FieldDescriptor* field = type == nullptr ? nullptr : type->FindFieldByName(std::string(segment));
    absl::StrAppend(&out, out.empty() ? "" : ".", field == nullptr ? segment : field->json_name());
    type = field != nullptr && field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE ? field->message_type()
                                                                                     : nullptr;
  }
  return out;
}

// protobuf's parser reports an unknown field as "<path>: Cannot find field." (path relative to the
// message being parsed, of `type`) and bad values as "<path>: <why>"; everything else (malformed JSON) names
// the position where parsing broke.
HttpError JsonError(absl::string_view message, const google::protobuf::Descriptor& type) {
  std::string text(message);
  absl::string_view rest = text;
  absl::ConsumePrefix(&rest, "INVALID_ARGUMENT:");
  auto quoted_after = [rest](absl::string_view marker) -> std::optional<absl::string_view> {
    const size_t at = rest.find(marker);
    if (at == absl::string_view::npos) return std::nullopt;
    const absl::string_view from = rest.substr(at + marker.size());
    return from.substr(0, from.find('\''));
  };
  auto violation = [](std::string field, std::string why) {
    return BadRequest(absl::StrCat("invalid JSON body: ", field, ": ", why), {{field, why}});
  };
  // A member given twice: protobuf names the field ("Cannot set 'name'", a proto3 optional being a oneof of
  // its own) or, in a map such as a Struct's, the key and the map's path ("(config.fields[0]) url: ...").
  if (std::optional<absl::string_view> name = quoted_after("is already set. Cannot set '")) {
    return violation(JsonPath(&type, *name), "is given more than once");
  }
  if (std::optional<absl::string_view> key = quoted_after("Repeated map key: '")) {
    absl::string_view path = rest;
    absl::ConsumePrefix(&path, "(");
    path = path.substr(0, path.find_first_of(".)"));
    return violation(JsonPath(&type, path), absl::StrCat("has the key \"", *key, "\" more than once"));
  }
  const size_t colon = rest.find(": ");
  if (colon != absl::string_view::npos && colon > 0 &&
      rest.substr(0, colon).find_first_of(" \n{\"") == absl::string_view::npos) {
    // Paths come as "name" or "(type)"; values' type names as type URLs.
    absl::string_view path = rest.substr(0, colon);
    absl::ConsumePrefix(&path, "(");
    absl::ConsumeSuffix(&path, ")");
    std::string field = JsonPath(&type, path);
    std::string why = absl::StrReplaceAll(rest.substr(colon + 2), {{"type.googleapis.com/", ""}});
    if (absl::StartsWith(why, "Cannot find field")) why = "is not a field of this request";
    if (absl::StartsWith(why, "Proto field is not repeating, cannot start list")) why = "must not be a list";
    absl::string_view trimmed = why;
    absl::ConsumeSuffix(&trimmed, ".");
    return BadRequest(absl::StrCat("invalid JSON body: ", field, ": ", trimmed),
                      {{field, std::string(trimmed)}});
  }
  return BadRequest(absl::StrCat("invalid JSON body: ", rest));
}

util::JsonParseOptions ParseOptions() {
  util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  return options;
}

std::string MessageOf(const util::Status& s) { return std::string(s.message().data(), s.message().size()); }

bool IsWellKnown(const google::protobuf::Descriptor& type) {
  return absl::StartsWith(type.full_name(), "google.protobuf.");
}

// protobuf 3.21's parser also takes "yes", "no", "1", "t", ... for a bool field; proto3 JSON has only true
// and false (and null for "not set"). The first bool field of `type` in `value` that is something else.
std::optional<FieldViolation> NonBoolean(const google::protobuf::Descriptor& type,
                                         const nlohmann::json& value, const std::string& path) {
  if (!value.is_object()) return std::nullopt;
  for (const auto& [key, member] : value.items()) {
    const FieldDescriptor* field = type.FindFieldByName(key);
    for (int i = 0; field == nullptr && i < type.field_count(); ++i) {
      if (type.field(i)->json_name() == key) field = type.field(i);
    }
    if (field == nullptr || field->is_map()) continue;  // unknown fields are protobuf's to report
    const std::string name = path.empty() ? field->json_name() : absl::StrCat(path, ".", field->json_name());
    const bool repeated = field->is_repeated() && member.is_array();
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_BOOL) {
      auto boolean = [](const nlohmann::json& v) { return v.is_boolean() || v.is_null(); };
      const bool ok = repeated ? std::all_of(member.begin(), member.end(), boolean) : boolean(member);
      if (!ok) return FieldViolation{name, "must be true or false"};
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
               !IsWellKnown(*field->message_type())) {
      if (!repeated) {
        if (auto v = NonBoolean(*field->message_type(), member, name)) return v;
        continue;
      }
      for (const nlohmann::json& element : member) {
        if (auto v = NonBoolean(*field->message_type(), element, name)) return v;
      }
    }
  }
  return std::nullopt;
}

bool HasBoolField(const google::protobuf::Descriptor& type, int depth = 0) {
  if (depth > 8 || IsWellKnown(type)) return false;
  for (int i = 0; i < type.field_count(); ++i) {
    const FieldDescriptor* field = type.field(i);
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_BOOL) return true;
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
        HasBoolField(*field->message_type(), depth + 1))
      return true;
  }
  return false;
}

// Parses JSON into `target` (merging) through the route's cached types.
std::optional<HttpError> ParseJsonInto(const Route& route, absl::string_view json, Message& target) {
  std::string binary;
  util::Status s = util::JsonToBinaryString(route.types.get(), TypeUrl(*target.GetDescriptor()),
                                            google::protobuf::StringPiece(json.data(), json.size()), &binary,
                                            ParseOptions());
  if (!s.ok()) return JsonError(MessageOf(s), *target.GetDescriptor());
  // Only bodies of requests that have bool fields are read a second time.
  if (HasBoolField(*target.GetDescriptor())) {
    const nlohmann::json parsed =
        nlohmann::json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
    if (std::optional<FieldViolation> v = NonBoolean(*target.GetDescriptor(), parsed, "")) {
      return BadRequest(absl::StrCat("invalid JSON body: ", v->field, ": ", v->description), {*v});
    }
  }
  // protobuf wrote these bytes itself; reading them back fails only past its nesting limit (a Struct costs
  // three nested messages per JSON level).
  if (!target.MergeFromString(binary)) {
    return BadRequest("invalid JSON body: objects and arrays are nested too deep (at most about 30 levels)");
  }
  return std::nullopt;
}

// JSON of a serialized message of `type`, through the route's cached types. Fields without presence are
// printed with their defaults; `defaults` (of `type`, or null) tells when the bytes already hold them all,
// and then `printer` (of `type`, or null) prints them, unless it declines.
ResponseBody BinaryJson(const Route& route, const google::protobuf::Descriptor& type,
                        const std::string& binary, const DefaultFieldsCheck* defaults,
                        const WireJsonPrinter* printer) {
  util::JsonPrintOptions options;
  options.always_print_primitive_fields = defaults == nullptr || defaults->MayAddDefaults(binary);
  ResponseBody out;
  if (!options.always_print_primitive_fields && printer != nullptr && printer->Print(binary, &out.json))
    return out;
  out.json.clear();  // protobuf's converter appends
  if (!util::BinaryToJsonString(route.types.get(), TypeUrl(type), binary, &out.json, options).ok()) {
    // Bytes that do not parse, or an Any holding a type the gateway cannot resolve.
    return ResponseBody{500, ErrorJson(kInternal, "the response cannot be written as JSON", "")};
  }
  return out;
}

bool IsBlank(absl::string_view body) {
  for (char c : body) {
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return false;
  }
  return true;
}

}  // namespace

std::optional<HttpError> BuildRequest(const Route& route, const PathBindings& bindings,
                                      absl::string_view raw_query, absl::string_view body, Message& request) {
  if (route.body.empty()) {
    if (!IsBlank(body))
      return BadRequest(absl::StrCat(route.http_method, " ", route.path.text(), " takes no body"));
  } else {
    const absl::string_view json = IsBlank(body) ? absl::string_view("{}") : body;
    if (route.body == "*") {
      if (std::optional<HttpError> e = ParseJsonInto(route, json, request)) return e;
    } else {
      const FieldDescriptor* field = request.GetDescriptor()->FindFieldByName(route.body);
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !field->is_repeated()) {
        Message* target = request.GetReflection()->MutableMessage(&request, field);
        if (std::optional<HttpError> e = ParseJsonInto(route, json, *target)) return e;
      } else {
        // A scalar or repeated body field: parse it as the one member of the request.
        const std::string wrapped = absl::StrCat("{\"", field->json_name(), "\":", json, "}");
        if (std::optional<HttpError> e = ParseJsonInto(route, wrapped, request)) return e;
      }
    }
  }

  std::set<std::string> bound;
  for (const auto& [path, value] : bindings) {
    if (std::optional<FieldViolation> v = BindField(request, path, value)) {
      return BadRequest(absl::StrCat(v->field, ": ", v->description), {*v});
    }
    FieldViolation ignored;
    if (auto f = ResolveField(*request.GetDescriptor(), path, &ignored)) bound.insert(f->json_path);
  }

  std::optional<std::vector<QueryParameter>> query = ParseQuery(raw_query);
  if (!query.has_value()) return BadRequest("the query string has a malformed percent-encoding");
  if (!query->empty() && route.body == "*") {
    return BadRequest(absl::StrCat("query parameter \"", query->front().key, "\": ", route.http_method, " ",
                                   route.path.text(), " takes its fields in the body"),
                      {{query->front().key, "is not a query parameter of this route"}});
  }
  std::set<std::string> seen;
  for (const QueryParameter& p : *query) {
    FieldViolation violation;
    std::optional<ResolvedField> f = ResolveField(*request.GetDescriptor(), p.key, &violation);
    if (!f.has_value()) {
      return BadRequest(absl::StrCat("query parameter \"", p.key, "\" ", violation.description), {violation});
    }
    const std::string& name = f->json_path;
    if (bound.count(name) > 0 || (!route.body.empty() && f->fields.front()->name() == route.body)) {
      FieldViolation v{name, "is set by the path or body, not the query"};
      return BadRequest(absl::StrCat(name, ": ", v.description), {v});
    }
    if (!f->fields.back()->is_repeated() && !seen.insert(name).second) {
      FieldViolation v{name, "is given more than once"};
      return BadRequest(absl::StrCat(name, ": ", v.description), {v});
    }
    if (std::optional<FieldViolation> v = BindField(request, p.key, p.value)) {
      return BadRequest(absl::StrCat(v->field, ": ", v->description), {*v});
    }
  }
  return std::nullopt;
}

ResponseBody ResponseJsonFromBinary(const Route& route, const std::string& binary) {
  if (!route.response_body.empty()) {
    std::unique_ptr<Message> response(route.response_prototype->New());
    if (!response->ParseFromString(binary))
      return ResponseBody{500, ErrorJson(kInternal, "the response does not parse", "")};
    return ResponseJson(route, *response);
  }
  return BinaryJson(route, *route.method->output_type(), binary, route.response_defaults.get(),
                    route.response_printer.get());
}

ResponseBody ResponseJson(const Route& route, const Message& response) {
  const Message* printed = &response;
  if (!route.response_body.empty()) {
    const FieldDescriptor* field = response.GetDescriptor()->FindFieldByName(route.response_body);
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !field->is_repeated()) {
      printed = &response.GetReflection()->GetMessage(response, field);
    }
  }
  const std::string binary = printed->SerializeAsString();
  return BinaryJson(route, *printed->GetDescriptor(), binary,
                    printed == &response ? route.response_defaults.get() : nullptr,
                    printed == &response ? route.response_printer.get() : nullptr);
}

int HttpStatusFromGrpcCode(int grpc_code) {
  switch (grpc_code) {
    case 0:  // OK
      return 200;
    case 1:  // CANCELLED: the client went away (nginx's 499)
      return 499;
    case 3:   // INVALID_ARGUMENT
    case 9:   // FAILED_PRECONDITION
    case 11:  // OUT_OF_RANGE
      return 400;
    case 4:  // DEADLINE_EXCEEDED
      return 504;
    case 5:  // NOT_FOUND
      return 404;
    case 6:   // ALREADY_EXISTS
    case 10:  // ABORTED
      return 409;
    case 7:  // PERMISSION_DENIED
      return 403;
    case 8:  // RESOURCE_EXHAUSTED
      return 429;
    case 12:  // UNIMPLEMENTED
      return 501;
    case 14:  // UNAVAILABLE
      return 503;
    case 16:  // UNAUTHENTICATED
      return 401;
    default:  // UNKNOWN, INTERNAL, DATA_LOSS
      return 500;
  }
}

std::string ErrorJson(int grpc_code, absl::string_view message, absl::string_view status_details) {
  google::rpc::Status status;
  if (!status_details.empty() && !status.ParseFromArray(status_details.data(), status_details.size()))
    status.Clear();
  status.set_code(grpc_code);
  status.set_message(std::string(message));
  util::JsonPrintOptions options;
  // Defaults printed only without details, so that "details": [] is always there but the details do not
  // gain empty fields they never had.
  options.always_print_primitive_fields = status.details_size() == 0;
  std::string json;
  if (!util::MessageToJsonString(status, &json, options).ok()) {
    options.always_print_primitive_fields = true;
    // A detail of a type unknown to the gateway: keep code and message.
    status.clear_details();
    json.clear();
    (void)util::MessageToJsonString(status, &json, options);
  }
  return json;
}

std::string ErrorJson(const HttpError& error) {
  google::rpc::Status status;
  if (!error.violations.empty()) {
    google::rpc::BadRequest bad_request;
    for (const FieldViolation& v : error.violations) {
      auto* fv = bad_request.add_field_violations();
      fv->set_field(v.field);
      fv->set_description(v.description);
    }
    status.add_details()->PackFrom(bad_request);
  }
  return ErrorJson(error.grpc_code, error.message, status.SerializeAsString());
}

}  // namespace syncd::gateway::transcode
