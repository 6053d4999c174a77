// JSON of a serialized message, printed straight from its bytes.
//
// protobuf 3.21's BinaryToJsonString copies a google.protobuf.Type out of its resolver for every message
// it meets and renders through layers of object writers: a seventh of the gateway's CPU per proxied
// request (docs/benchmarks.md §4). This printer walks the bytes once, with plans made from the
// descriptors when it is built, and writes the JSON that BinaryToJsonString writes without
// always_print_primitive_fields, byte for byte (a unit test compares the two on random and on damaged
// messages): members in the order of the bytes, lowerCamel names, 64-bit integers as strings, enums by
// name, protobuf's string escaping and number formatting.
//
// It prints the shapes the API uses: messages, scalar and repeated fields, enums, strings, Timestamp,
// Struct, Value and ListValue. For anything else it declines, and the caller uses protobuf's converter,
// which also reports what is wrong: other well-known types, maps other than Struct's, bytes, an enum number
// the descriptor does not name, a non-finite double, a string that is not valid UTF-8, a timestamp out of
// range, bytes that do not parse, nesting deeper than protobuf's limit.
//
//   WireJsonPrinter printer(*method->output_type());
//   std::string json;
//   if (!printer.Print(bytes, &json)) util::BinaryToJsonString(resolver, url, bytes, &json, options);
#pragma once

#include <google/protobuf/descriptor.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

namespace syncd::gateway::transcode {

class WireJsonPrinter {
 public:
  explicit WireJsonPrinter(const google::protobuf::Descriptor& type);
  ~WireJsonPrinter();
  WireJsonPrinter(const WireJsonPrinter&) = delete;
  WireJsonPrinter& operator=(const WireJsonPrinter&) = delete;

  // Replaces *out with the JSON of `wire` (a serialized message of the type) and returns true, or empties
  // *out and returns false for bytes it leaves to protobuf's converter.
  bool Print(absl::string_view wire, std::string* out) const;

  struct Plan;

 private:
  const Plan* PlanFor(const google::protobuf::Descriptor& type);

  absl::flat_hash_map<const google::protobuf::Descriptor*, std::unique_ptr<Plan>> plans_;
  const Plan* root_;
};

}  // namespace syncd::gateway::transcode
