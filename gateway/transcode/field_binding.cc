#include "gateway/transcode/field_binding.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>

#include <cmath>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gateway/transcode/path_template.h"

namespace syncd::gateway::transcode {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// The value as a JSON string literal.
std::string Quoted(absl::string_view value) { return absl::StrCat("\"", absl::CEscape(value), "\""); }

bool IsJsonNumber(absl::string_view value) {
  double ignored;
  return absl::SimpleAtod(value, &ignored) && !value.empty() &&
         (absl::ascii_isdigit(value[0]) || value[0] == '-');
}

// The JSON text of a well-known type that JSON writes as one value; nullopt for other messages.
std::optional<std::string> WellKnownJson(const Descriptor& type, absl::string_view value) {
  const std::string& name = type.full_name();
  if (name == "google.protobuf.StringValue" || name == "google.protobuf.BytesValue" ||
      name == "google.protobuf.Timestamp" || name == "google.protobuf.Duration" ||
      name == "google.protobuf.FieldMask") {
    return Quoted(value);
  }
  if (name == "google.protobuf.Int32Value" || name == "google.protobuf.Int64Value" ||
      name == "google.protobuf.UInt32Value" || name == "google.protobuf.UInt64Value" ||
      name == "google.protobuf.DoubleValue" || name == "google.protobuf.FloatValue") {
    return IsJsonNumber(value) ? std::string(value) : Quoted(value);
  }
  if (name == "google.protobuf.BoolValue") return std::string(value);
  if (name == "google.protobuf.Value") {
    if (value == "null" || value == "true" || value == "false" || IsJsonNumber(value))
      return std::string(value);
    return Quoted(value);
  }
  return std::nullopt;
}

// True when `value` is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF), as
// a proto3 string field requires.
bool IsValidUtf8(absl::string_view value) {
  size_t i = 0;
  while (i < value.size()) {
    const unsigned char c = static_cast<unsigned char>(value[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t length = 0;
    unsigned char min_second = 0x80, max_second = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      if (c == 0xE0) min_second = 0xA0;  // overlong
      if (c == 0xED) max_second = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      if (c == 0xF0) min_second = 0x90;  // overlong
      if (c == 0xF4) max_second = 0x8F;  // past U+10FFFF
    } else {
      return false;
    }
    if (i + length > value.size()) return false;
    const unsigned char second = static_cast<unsigned char>(value[i + 1]);
    if (second < min_second || second > max_second) return false;
    for (size_t k = 2; k < length; ++k) {
      const unsigned char next = static_cast<unsigned char>(value[i + k]);
      if (next < 0x80 || next > 0xBF) return false;
    }
    i += length;
  }
  return true;
}

template <typename T>
bool ParseInteger(absl::string_view value, T* out) {
  return absl::SimpleAtoi(value, out);
}

// Sets a singular or appends to a repeated scalar/enum field. Returns a description of what is wrong.
std::optional<std::string> SetScalar(Message& message, const FieldDescriptor& field,
                                     absl::string_view value) {
  const Reflection& r = *message.GetReflection();
  const bool repeated = field.is_repeated();
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string text(value);
      if (field.type() == FieldDescriptor::TYPE_BYTES) {
        if (!absl::WebSafeBase64Unescape(value, &text) && !absl::Base64Unescape(value, &text))
          return "must be base64";
      } else if (!IsValidUtf8(value)) {
        return "must be valid UTF-8";
      }
      repeated ? r.AddString(&message, &field, std::move(text))
               : r.SetString(&message, &field, std::move(text));
      return std::nullopt;
    }
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t v;
      if (!ParseInteger(value, &v)) return "must be a 32-bit integer";
      repeated ? r.AddInt32(&message, &field, v) : r.SetInt32(&message, &field, v);
      return std::nullopt;
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t v;
      if (!ParseInteger(value, &v)) return "must be a 64-bit integer";
      repeated ? r.AddInt64(&message, &field, v) : r.SetInt64(&message, &field, v);
      return std::nullopt;
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t v;
      if (!ParseInteger(value, &v)) return "must be an unsigned 32-bit integer";
      repeated ? r.AddUInt32(&message, &field, v) : r.SetUInt32(&message, &field, v);
      return std::nullopt;
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t v;
      if (!ParseInteger(value, &v)) return "must be an unsigned 64-bit integer";
      repeated ? r.AddUInt64(&message, &field, v) : r.SetUInt64(&message, &field, v);
      return std::nullopt;
    }
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT: {
      double v;
      if (!absl::SimpleAtod(value, &v)) return "must be a number";
      if (field.cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE) {
        repeated ? r.AddDouble(&message, &field, v) : r.SetDouble(&message, &field, v);
      } else {
        if (std::isfinite(v) && std::abs(v) > std::numeric_limits<float>::max()) return "is out of range";
        const float f = static_cast<float>(v);
        repeated ? r.AddFloat(&message, &field, f) : r.SetFloat(&message, &field, f);
      }
      return std::nullopt;
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool v;
      if (value == "true" || value == "1") {
        v = true;
      } else if (value == "false" || value == "0") {
        v = false;
      } else {
        return "must be true or false";
      }
      repeated ? r.AddBool(&message, &field, v) : r.SetBool(&message, &field, v);
      return std::nullopt;
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const google::protobuf::EnumValueDescriptor* ev =
          field.enum_type()->FindValueByName(std::string(value));
      int number;
      if (ev == nullptr && absl::SimpleAtoi(value, &number))
        ev = field.enum_type()->FindValueByNumber(number);
      if (ev == nullptr) {
        std::vector<std::string> names;
        for (int i = 0; i < field.enum_type()->value_count(); ++i)
          names.push_back(field.enum_type()->value(i)->name());
        return absl::StrCat("must be one of ", absl::StrJoin(names, ", "));
      }
      repeated ? r.AddEnum(&message, &field, ev) : r.SetEnum(&message, &field, ev);
      return std::nullopt;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  return "cannot be set from a URL";
}

}  // namespace

std::optional<std::vector<QueryParameter>> ParseQuery(absl::string_view raw_query) {
  std::vector<QueryParameter> out;
  for (absl::string_view pair : absl::StrSplit(raw_query, '&', absl::SkipEmpty())) {
    std::string text(pair);
    for (char& c : text) {
      if (c == '+') c = ' ';
    }
    absl::string_view key = text;
    absl::string_view value;
    if (size_t eq = key.find('='); eq != absl::string_view::npos) {
      value = key.substr(eq + 1);
      key = key.substr(0, eq);
    }
    std::optional<std::string> k = PercentDecode(key);
    std::optional<std::string> v = PercentDecode(value);
    if (!k.has_value() || !v.has_value()) return std::nullopt;
    if (k->empty()) continue;
    out.push_back({*std::move(k), *std::move(v)});
  }
  return out;
}

const FieldDescriptor* FindField(const Descriptor& descriptor, absl::string_view name) {
  for (int i = 0; i < descriptor.field_count(); ++i) {
    const FieldDescriptor* f = descriptor.field(i);
    if (f->json_name() == name || f->name() == name) return f;
  }
  return nullptr;
}

std::optional<ResolvedField> ResolveField(const Descriptor& descriptor, absl::string_view path,
                                          FieldViolation* violation) {
  ResolvedField resolved;
  std::vector<std::string> json_parts;
  const Descriptor* current = &descriptor;
  std::vector<absl::string_view> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    const FieldDescriptor* field = current != nullptr ? FindField(*current, parts[i]) : nullptr;
    if (field == nullptr) {
      json_parts.emplace_back(parts[i]);
      *violation = {absl::StrJoin(json_parts, "."), "is not a field of this request"};
      return std::nullopt;
    }
    json_parts.push_back(field->json_name());
    resolved.fields.push_back(field);
    const bool last = i + 1 == parts.size();
    if (!last) {
      if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || field->is_repeated() ||
          WellKnownJson(*field->message_type(), "").has_value()) {
        *violation = {absl::StrJoin(json_parts, "."), "has no fields to set"};
        return std::nullopt;
      }
      current = field->message_type();
    }
  }
  if (resolved.fields.back()->is_map()) {
    *violation = {absl::StrJoin(json_parts, "."), "is a map; it cannot be set from a URL"};
    return std::nullopt;
  }
  resolved.json_path = absl::StrJoin(json_parts, ".");
  return resolved;
}

std::optional<FieldViolation> BindField(Message& message, absl::string_view path, absl::string_view value) {
  FieldViolation violation;
  std::optional<ResolvedField> resolved = ResolveField(*message.GetDescriptor(), path, &violation);
  if (!resolved.has_value()) return violation;
  Message* target = &message;
  for (size_t i = 0; i + 1 < resolved->fields.size(); ++i)
    target = target->GetReflection()->MutableMessage(target, resolved->fields[i]);
  const FieldDescriptor& leaf = *resolved->fields.back();

  if (leaf.cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
    std::optional<std::string> problem = SetScalar(*target, leaf, value);
    if (problem.has_value()) return FieldViolation{resolved->json_path, *problem};
    return std::nullopt;
  }
  std::optional<std::string> json = WellKnownJson(*leaf.message_type(), value);
  if (!json.has_value())
    return FieldViolation{resolved->json_path, "is a message; it cannot be set from a URL"};
  std::unique_ptr<Message> parsed(
      target->GetReflection()->GetMessageFactory()->GetPrototype(leaf.message_type())->New());
  if (!google::protobuf::util::JsonStringToMessage(*json, parsed.get()).ok())
    return FieldViolation{resolved->json_path, absl::StrCat("cannot be read from \"", value, "\"")};
  const Reflection& r = *target->GetReflection();
  if (leaf.is_repeated()) {
    r.AddMessage(target, &leaf)->CopyFrom(*parsed);
  } else {
    r.MutableMessage(target, &leaf)->CopyFrom(*parsed);
  }
  return std::nullopt;
}

}  // namespace syncd::gateway::transcode
