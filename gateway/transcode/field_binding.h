// Values from a URL (path variables, query parameters) set onto request message fields by reflection.
//
//   std::vector<QueryParameter> query = ParseQuery("page=2&pageSize=20");
//   std::optional<FieldViolation> bad = BindField(request, "pageSize", "20");  // JSON or proto name
//
// Nested fields are named with dots ("filter.status"); a repeated field takes one value per occurrence of
// its key. Scalars, enums (by name or number), bytes (base64) and the well-known types that JSON writes as
// a single value (wrappers, Timestamp, Duration, FieldMask, Value) can be bound; other messages cannot.
#pragma once

#include <google/protobuf/message.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/field_violation.h"

namespace syncd::gateway::transcode {

struct QueryParameter {
  std::string key;
  std::string value;
};

// Splits a raw query string ("a=1&b=x%20y") into decoded parameters in order; '+' is a space. nullopt for a
// malformed percent-encoding.
std::optional<std::vector<QueryParameter>> ParseQuery(absl::string_view raw_query);

// The field of `descriptor` named `name` by its JSON name or its proto name; nullptr when none is.
const google::protobuf::FieldDescriptor* FindField(const google::protobuf::Descriptor& descriptor,
                                                   absl::string_view name);

// The field at dotted `path` (each part a JSON or proto name) and the JSON-name form of the path, or a
// violation naming the path.
struct ResolvedField {
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  std::string json_path;
};
std::optional<ResolvedField> ResolveField(const google::protobuf::Descriptor& descriptor,
                                          absl::string_view path, FieldViolation* violation);

// Sets (or, for a repeated field, appends) the field at `path` of `message` from `value`. On failure returns
// the violation, named by the field's JSON path, and leaves the field unchanged.
std::optional<FieldViolation> BindField(google::protobuf::Message& message, absl::string_view path,
                                        absl::string_view value);

}  // namespace syncd::gateway::transcode
