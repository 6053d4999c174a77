// Whether printing a serialized message as JSON with protobuf's always_print_primitive_fields could differ
// from printing it without. That option makes protobuf's converter build the whole message as a tree
// (DefaultValueObjectWriter) to add the fields without presence that the bytes leave out: 0, false, "",
// [] and {}. When the bytes hold every such field already, the tree adds nothing, and building it was a
// tenth of the gateway's CPU per request (docs/benchmarks.md §4).
//
//   DefaultFieldsCheck check(*method->output_type());
//   options.always_print_primitive_fields = check.MayAddDefaults(bytes);
#pragma once

#include <google/protobuf/descriptor.h>

#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

namespace syncd::gateway::transcode {

class DefaultFieldsCheck {
 public:
  explicit DefaultFieldsCheck(const google::protobuf::Descriptor& type);

  // False only when `wire` (a serialized message of the type) holds every field without presence, in the
  // message and in each message field it holds, so that the default-filling pass would change nothing.
  // True otherwise, and for bytes that do not parse (the printer then reports them).
  bool MayAddDefaults(absl::string_view wire) const;

 private:
  struct Plan {
    // A type this check does not model (declared out of field-number order, maps of messages): the
    // default-filling pass always runs.
    bool always = false;
    // The fields without presence, by number: each must be in the bytes.
    std::vector<int> required;
    // Message fields to look inside when present (well-known types are printed as themselves and have no
    // fields of their own to fill).
    absl::flat_hash_map<int, const Plan*> nested;
  };

  const Plan* PlanFor(const google::protobuf::Descriptor& type);
  bool MayAdd(const Plan& plan, absl::string_view wire, int depth) const;

  absl::flat_hash_map<const google::protobuf::Descriptor*, std::unique_ptr<Plan>> plans_;
  const Plan* root_;
};

}  // namespace syncd::gateway::transcode
