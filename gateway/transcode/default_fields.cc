#include "gateway/transcode/default_fields.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <cstdint>

#include "absl/strings/match.h"

namespace syncd::gateway::transcode {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::internal::WireFormatLite;

// Deeper messages are not looked into: the default-filling pass runs.
constexpr int kMaxDepth = 32;
// Fields without presence per message that the check tracks (one bit each).
constexpr size_t kMaxRequired = 64;

bool IsWellKnown(const Descriptor& type) { return absl::StartsWith(type.full_name(), "google.protobuf."); }

}  // namespace

DefaultFieldsCheck::DefaultFieldsCheck(const Descriptor& type) : root_(PlanFor(type)) {}

const DefaultFieldsCheck::Plan* DefaultFieldsCheck::PlanFor(const Descriptor& type) {
  if (auto it = plans_.find(&type); it != plans_.end()) return it->second.get();
  // In the table before its fields are planned, so that a recursive type finds itself.
  Plan* plan = plans_.emplace(&type, std::make_unique<Plan>()).first->second.get();
  for (int i = 0; i < type.field_count(); ++i) {
    const FieldDescriptor* field = type.field(i);
    // The tree lists fields in declaration order, the bytes (and so the plain printer) in number order.
    if (i > 0 && field->number() < type.field(i - 1)->number()) plan->always = true;
    const Descriptor* message =
        field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE ? field->message_type() : nullptr;
    if (field->is_map()) {
      plan->required.push_back(field->number());  // an absent map prints as {}
      const FieldDescriptor* value = field->message_type()->map_value();
      if (value->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !IsWellKnown(*value->message_type())) {
        plan->always = true;
      }
      continue;
    }
    // An absent repeated field prints as []; an absent field without presence as its default.
    if (field->is_repeated() || !field->has_presence()) plan->required.push_back(field->number());
    if (message == nullptr) continue;
    // An Any is printed with the message it holds, whose defaults the pass fills in.
    if (message->full_name() == "google.protobuf.Any") plan->always = true;
    if (!IsWellKnown(*message)) plan->nested[field->number()] = PlanFor(*message);
  }
  if (plan->required.size() > kMaxRequired) plan->always = true;
  return plan;
}

bool DefaultFieldsCheck::MayAddDefaults(absl::string_view wire) const { return MayAdd(*root_, wire, 0); }

bool DefaultFieldsCheck::MayAdd(const Plan& plan, absl::string_view wire, int depth) const {
  if (plan.always || depth > kMaxDepth) return true;
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(wire.data()),
                                            static_cast<int>(wire.size()));
  uint64_t seen = 0;
  while (const uint32_t tag = in.ReadTag()) {
    const int number = WireFormatLite::GetTagFieldNumber(tag);
    for (size_t i = 0; i < plan.required.size(); ++i) {
      if (plan.required[i] == number) seen |= uint64_t{1} << i;
    }
    auto nested = plan.nested.find(number);
    if (nested != plan.nested.end() &&
        WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      uint32_t length = 0;
      if (!in.ReadVarint32(&length)) return true;
      const size_t at = static_cast<size_t>(in.CurrentPosition());
      if (length > wire.size() - at) return true;
      if (MayAdd(*nested->second, wire.substr(at, length), depth + 1)) return true;
      if (!in.Skip(static_cast<int>(length))) return true;
      continue;
    }
    if (!WireFormatLite::SkipField(&in, tag)) return true;
  }
  if (!in.ConsumedEntireMessage()) return true;
  const uint64_t all =
      plan.required.size() == kMaxRequired ? ~uint64_t{0} : (uint64_t{1} << plan.required.size()) - 1;
  return seen != all;
}

}  // namespace syncd::gateway::transcode
