// A request field that failed validation. Pure logic reports these; the API layer turns them into a
// gRPC INVALID_ARGUMENT with google.rpc.BadRequest details.
//
//   std::vector<FieldViolation> v;
//   if (name.empty()) v.push_back({"name", "is required"});
#pragma once

#include <string>
#include <vector>

namespace syncd {

struct FieldViolation {
  // JSON name of the field as the client sent it, dotted for nested fields: "config.url".
  std::string field;
  std::string description;

  bool operator==(const FieldViolation& other) const {
    return field == other.field && description == other.description;
  }
};

using FieldViolations = std::vector<FieldViolation>;

}  // namespace syncd
