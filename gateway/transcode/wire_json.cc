#include "gateway/transcode/wire_json.h"

#include <google/protobuf/stubs/strutil.h>

#include <cmath>
#include <cstring>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"

namespace syncd::gateway::transcode {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;

struct WireJsonPrinter::Plan {
  // kObject: a message printed member by member. The well-known types protobuf prints as themselves have
  // their own shapes; kDeclined is every type this printer leaves to protobuf.
  enum class Shape { kObject, kTimestamp, kStruct, kValue, kListValue, kDeclined };
  struct Field {
    FieldDescriptor::Type type = FieldDescriptor::TYPE_INT32;
    uint32_t wire_type = 0;  // how the type is written; packable fields may also come packed
    bool repeated = false;
    bool packable = false;
    bool printable = false;  // false: a field this printer declines when the bytes hold it
    std::string key;         // "\"jsonName\":"
    const Plan* message = nullptr;
    const EnumDescriptor* enum_type = nullptr;
  };

  Shape shape = Shape::kObject;
  std::vector<Field> fields;
  std::vector<int> by_number;  // index into fields, -1 for numbers the type does not have

  const Field* Find(uint32_t number) const {
    if (number >= by_number.size() || by_number[number] < 0) return nullptr;
    return &fields[by_number[number]];
  }
};

namespace {

using Plan = WireJsonPrinter::Plan;

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kStartGroup = 3, kFixed32 = 5 };

constexpr uint32_t Tag(uint32_t number, WireType wire_type) { return number << 3 | wire_type; }

// protobuf's converter fails beyond 64 nested message fields; declining a little earlier is always safe.
constexpr int kMaxDepth = 60;

// google.protobuf.Timestamp's range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;

const Plan kStructPlan{Plan::Shape::kStruct, {}, {}};
const Plan kValuePlan{Plan::Shape::kValue, {}, {}};
const Plan kListValuePlan{Plan::Shape::kListValue, {}, {}};

uint32_t WireTypeOf(FieldDescriptor::Type type) {
  switch (type) {
    case FieldDescriptor::TYPE_FIXED64:
    case FieldDescriptor::TYPE_SFIXED64:
    case FieldDescriptor::TYPE_DOUBLE:
      return kFixed64;
    case FieldDescriptor::TYPE_FIXED32:
    case FieldDescriptor::TYPE_SFIXED32:
    case FieldDescriptor::TYPE_FLOAT:
      return kFixed32;
    case FieldDescriptor::TYPE_STRING:
    case FieldDescriptor::TYPE_BYTES:
    case FieldDescriptor::TYPE_MESSAGE:
      return kLengthDelimited;
    case FieldDescriptor::TYPE_GROUP:
      return kStartGroup;
    default:
      return kVarint;
  }
}

// A bounded view of wire-format bytes. Every read fails, rather than guesses, on bytes that do not parse.
class Reader {
 public:
  explicit Reader(absl::string_view bytes) : p_(bytes.data()), end_(bytes.data() + bytes.size()) {}

  bool done() const { return p_ == end_; }

  bool Varint(uint64_t* value) {
    uint64_t result = 0;
    for (int i = 0; i < 10 && p_ < end_; ++i) {
      const auto byte = static_cast<uint8_t>(*p_++);
      if (i == 9 && byte > 1) return false;  // more than 64 bits
      result |= static_cast<uint64_t>(byte & 0x7f) << (7 * i);
      if (byte < 0x80) {
        *value = result;
        return true;
      }
    }
    return false;
  }

  // A field's tag: field numbers start at 1 and fit in 29 bits.
  bool Tag(uint32_t* tag) {
    uint64_t value = 0;
    if (!Varint(&value) || value > UINT32_MAX || (value >> 3) == 0) return false;
    *tag = static_cast<uint32_t>(value);
    return true;
  }

  bool Fixed32(uint32_t* value) { return Copy(value, 4); }
  bool Fixed64(uint64_t* value) { return Copy(value, 8); }

  bool Delimited(absl::string_view* bytes) {
    uint64_t size = 0;
    if (!Varint(&size) || size > static_cast<uint64_t>(end_ - p_)) return false;
    *bytes = absl::string_view(p_, size);
    p_ += size;
    return true;
  }

  // Groups are not skipped: the printer declines them.
  bool Skip(uint32_t wire_type) {
    uint64_t u64 = 0;
    uint32_t u32 = 0;
    absl::string_view bytes;
    switch (wire_type) {
      case kVarint:
        return Varint(&u64);
      case kFixed64:
        return Fixed64(&u64);
      case kLengthDelimited:
        return Delimited(&bytes);
      case kFixed32:
        return Fixed32(&u32);
      default:
        return false;
    }
  }

  // Whether the next tag is `tag`; the position moves past it only then.
  bool NextTagIs(uint32_t tag) {
    const char* mark = p_;
    uint32_t next = 0;
    if (!done() && Tag(&next) && next == tag) return true;
    p_ = mark;
    return false;
  }

 private:
  template <typename T>
  bool Copy(T* value, size_t size) {
    if (static_cast<size_t>(end_ - p_) < size) return false;
    std::memcpy(value, p_, size);  // wire format and x86-64 are both little-endian
    p_ += size;
    return true;
  }

  const char* p_;
  const char* end_;
};

void AppendHex4(uint32_t unit, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  const char escape[6] = {
      '\\', 'u', kHex[(unit >> 12) & 15], kHex[(unit >> 8) & 15], kHex[(unit >> 4) & 15], kHex[unit & 15]};
  out->append(escape, 6);
}

// protobuf's JSON escaping (util/internal/json_escaping.cc): the two JSON requires, < and > for HTML, C0
// and C1 controls and DEL, and the invisible or direction-changing code points it names. False when the
// code point is written as it is.
bool AppendEscape(uint32_t cp, std::string* out) {
  static constexpr std::pair<char, const char*> kShort[] = {{'\b', "\\b"}, {'\t', "\\t"}, {'\n', "\\n"},
                                                            {'\f', "\\f"}, {'\r', "\\r"}, {'"', "\\\""},
                                                            {'\\', "\\\\"}};
  for (const auto& [c, escaped] : kShort) {
    if (cp == static_cast<uint32_t>(c)) {
      out->append(escaped);
      return true;
    }
  }
  auto in = [cp](uint32_t low, uint32_t high) { return cp >= low && cp <= high; };
  if (cp < 0x20 || cp == '<' || cp == '>' || in(0x7f, 0x9f) || cp == 0xad || in(0x600, 0x603) ||
      cp == 0x6dd || cp == 0x70f || in(0x17b4, 0x17b5) || in(0x200b, 0x200f) || in(0x2028, 0x202e) ||
      in(0x2060, 0x2064) || in(0x206a, 0x206f) || cp == 0xfeff || in(0xfff9, 0xfffb)) {
    AppendHex4(cp, out);
    return true;
  }
  if (cp == 0xe0001 || in(0x1d173, 0x1d17a) || in(0xe0020, 0xe007f)) {
    const uint32_t v = cp - 0x10000;
    AppendHex4(0xd800 + (v >> 10), out);
    AppendHex4(0xdc00 + (v & 0x3ff), out);
    return true;
  }
  return false;
}

// The code point of the UTF-8 sequence at s[*i], moving *i past it; false for bytes that are not strict
// UTF-8 (protobuf drops or passes those in ways this printer does not copy).
bool DecodeUtf8(absl::string_view s, size_t* i, uint32_t* cp) {
  const auto lead = static_cast<uint8_t>(s[*i]);
  size_t extra = 0;
  uint32_t c = 0;
  uint32_t min = 0;
  if (lead < 0x80) {
    *cp = lead;
    ++*i;
    return true;
  } else if ((lead & 0xe0) == 0xc0) {
    extra = 1, c = lead & 0x1f, min = 0x80;
  } else if ((lead & 0xf0) == 0xe0) {
    extra = 2, c = lead & 0x0f, min = 0x800;
  } else if ((lead & 0xf8) == 0xf0) {
    extra = 3, c = lead & 0x07, min = 0x10000;
  } else {
    return false;
  }
  if (s.size() - *i <= extra) return false;
  for (size_t k = 1; k <= extra; ++k) {
    const auto byte = static_cast<uint8_t>(s[*i + k]);
    if ((byte & 0xc0) != 0x80) return false;
    c = c << 6 | (byte & 0x3f);
  }
  if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) return false;
  *i += extra + 1;
  *cp = c;
  return true;
}

bool NeedsLook(uint8_t c) { return c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c >= 0x7f; }

bool AppendEscaped(absl::string_view s, std::string* out) {
  size_t start = 0;
  size_t i = 0;
  while (i < s.size()) {
    if (!NeedsLook(static_cast<uint8_t>(s[i]))) {
      ++i;
      continue;
    }
    out->append(s.data() + start, i - start);
    const size_t at = i;
    uint32_t cp = 0;
    if (!DecodeUtf8(s, &i, &cp)) return false;
    if (!AppendEscape(cp, out)) out->append(s.data() + at, i - at);
    start = i;
  }
  out->append(s.data() + start, i - start);
  return true;
}

void AppendDigits(uint32_t value, int width, std::string* out) {
  char digits[10];
  for (int i = width - 1; i >= 0; --i) {
    digits[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  out->append(digits, width);
}

// protobuf's FormatTime: RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits.
void AppendTime(int64_t seconds, int32_t nanos, std::string* out) {
  const absl::CivilSecond t = absl::CivilSecond() + seconds;  // the default is the Unix epoch
  AppendDigits(static_cast<uint32_t>(t.year()), 4, out);
  out->push_back('-');
  AppendDigits(t.month(), 2, out);
  out->push_back('-');
  AppendDigits(t.day(), 2, out);
  out->push_back('T');
  AppendDigits(t.hour(), 2, out);
  out->push_back(':');
  AppendDigits(t.minute(), 2, out);
  out->push_back(':');
  AppendDigits(t.second(), 2, out);
  if (nanos != 0) {
    out->push_back('.');
    if (nanos % 1000000 == 0) {
      AppendDigits(nanos / 1000000, 3, out);
    } else if (nanos % 1000 == 0) {
      AppendDigits(nanos / 1000, 6, out);
    } else {
      AppendDigits(nanos, 9, out);
    }
  }
  out->push_back('Z');
}

// One printing of one message. Values are written through slots: a member's key in an object, or nothing
// for an element of a list. As in protobuf's writer, the key (and the comma before it) is written with the
// value, so a value that prints nothing (an empty Value) leaves no key behind.
class Printing {
 public:
  explicit Printing(std::string* out) : out_(*out) {}

  struct Slot {
    bool* first;                           // whether the enclosing object or list has printed nothing yet
    absl::string_view key;                 // "\"name\":" for a field, "" for a list element
    absl::string_view* map_key = nullptr;  // a Struct's key, escaped when written
  };

  bool Object(const Plan& plan, absl::string_view bytes, const Slot& slot) {
    if (!Open(slot)) return false;
    out_.push_back('{');
    bool first = true;
    Reader r(bytes);
    while (!r.done()) {
      uint32_t tag = 0;
      if (!r.Tag(&tag)) return false;
      const uint32_t wire_type = tag & 7;
      const Plan::Field* field = plan.Find(tag >> 3);
      if (field != nullptr && wire_type != field->wire_type &&
          !(field->packable && wire_type == kLengthDelimited)) {
        field = nullptr;  // protobuf skips a field whose wire type does not match, as an unknown one
      }
      if (field == nullptr) {
        if (!r.Skip(wire_type)) return false;
        continue;
      }
      if (!field->printable) return false;
      const Slot member{&first, field->key};
      if (!field->repeated) {
        if (!Member(*field, r, member)) return false;
        continue;
      }
      // A run of the field's elements is one list; a later run would be another (protobuf does the same).
      if (!Open(member)) return false;
      out_.push_back('[');
      bool first_element = true;
      const Slot element{&first_element, {}};
      if (field->packable && wire_type == kLengthDelimited) {
        absl::string_view packed;
        if (!r.Delimited(&packed)) return false;
        Reader elements(packed);
        while (!elements.done()) {
          if (!Member(*field, elements, element)) return false;
        }
      } else {
        do {
          if (!Member(*field, r, element)) return false;
        } while (r.NextTagIs(tag));
      }
      out_.push_back(']');
    }
    out_.push_back('}');
    return true;
  }

 private:
  bool Open(const Slot& slot) {
    if (!*slot.first) out_.push_back(',');
    *slot.first = false;
    if (slot.map_key == nullptr) {
      out_.append(slot.key.data(), slot.key.size());
      return true;
    }
    out_.push_back('"');
    if (!AppendEscaped(*slot.map_key, &out_)) return false;
    out_.append("\":");
    return true;
  }

  bool String(absl::string_view text, const Slot& slot) {
    if (!Open(slot)) return false;
    out_.push_back('"');
    if (!AppendEscaped(text, &out_)) return false;
    out_.push_back('"');
    return true;
  }

  bool Raw(absl::string_view text, const Slot& slot) {
    if (!Open(slot)) return false;
    out_.append(text.data(), text.size());
    return true;
  }

  bool Quoted(absl::string_view text, const Slot& slot) {
    if (!Open(slot)) return false;
    out_.push_back('"');
    out_.append(text.data(), text.size());
    out_.push_back('"');
    return true;
  }

  bool Double(double value, const Slot& slot) {
    if (!std::isfinite(value)) return false;  // protobuf writes "NaN" and "Infinity" as strings: declined
    return Raw(google::protobuf::SimpleDtoa(value), slot);
  }

  // One value of `field` from `r`, read as its type says (elements of a packed run included).
  bool Member(const Plan::Field& field, Reader& r, const Slot& slot) {
    uint64_t u64 = 0;
    uint32_t u32 = 0;
    absl::string_view bytes;
    switch (field.type) {
      case FieldDescriptor::TYPE_MESSAGE:
        return r.Delimited(&bytes) && Nested(*field.message, bytes, slot);
      case FieldDescriptor::TYPE_STRING:
        return r.Delimited(&bytes) && String(bytes, slot);
      case FieldDescriptor::TYPE_BOOL:
        return r.Varint(&u64) && Raw(u64 != 0 ? "true" : "false", slot);
      case FieldDescriptor::TYPE_INT32:
        return r.Varint(&u64) && Raw(absl::StrCat(static_cast<int32_t>(static_cast<uint32_t>(u64))), slot);
      case FieldDescriptor::TYPE_UINT32:
        return r.Varint(&u64) && Raw(absl::StrCat(static_cast<uint32_t>(u64)), slot);
      case FieldDescriptor::TYPE_SINT32: {
        if (!r.Varint(&u64)) return false;
        const auto n = static_cast<uint32_t>(u64);
        return Raw(absl::StrCat(static_cast<int32_t>(n >> 1) ^ -static_cast<int32_t>(n & 1)), slot);
      }
      case FieldDescriptor::TYPE_INT64:
        return r.Varint(&u64) && Quoted(absl::StrCat(static_cast<int64_t>(u64)), slot);
      case FieldDescriptor::TYPE_UINT64:
        return r.Varint(&u64) && Quoted(absl::StrCat(u64), slot);
      case FieldDescriptor::TYPE_SINT64:
        return r.Varint(&u64) &&
               Quoted(absl::StrCat(static_cast<int64_t>(u64 >> 1) ^ -static_cast<int64_t>(u64 & 1)), slot);
      case FieldDescriptor::TYPE_FIXED32:
        return r.Fixed32(&u32) && Raw(absl::StrCat(u32), slot);
      case FieldDescriptor::TYPE_SFIXED32:
        return r.Fixed32(&u32) && Raw(absl::StrCat(static_cast<int32_t>(u32)), slot);
      case FieldDescriptor::TYPE_FIXED64:
        return r.Fixed64(&u64) && Quoted(absl::StrCat(u64), slot);
      case FieldDescriptor::TYPE_SFIXED64:
        return r.Fixed64(&u64) && Quoted(absl::StrCat(static_cast<int64_t>(u64)), slot);
      case FieldDescriptor::TYPE_DOUBLE: {
        double d = 0;
        if (!r.Fixed64(&u64)) return false;
        std::memcpy(&d, &u64, sizeof d);
        return Double(d, slot);
      }
      case FieldDescriptor::TYPE_FLOAT: {
        float f = 0;
        if (!r.Fixed32(&u32)) return false;
        std::memcpy(&f, &u32, sizeof f);
        return std::isfinite(f) && Raw(google::protobuf::SimpleFtoa(f), slot);
      }
      case FieldDescriptor::TYPE_ENUM: {
        if (!r.Varint(&u64)) return false;
        if (field.enum_type->full_name() == "google.protobuf.NullValue") return Raw("null", slot);
        const auto* value =
            field.enum_type->FindValueByNumber(static_cast<int32_t>(static_cast<uint32_t>(u64)));
        return value != nullptr && String(value->name(), slot);  // protobuf prints an unknown number as one
      }
      default:
        return false;  // bytes and groups: not printable, never reached
    }
  }

  bool Nested(const Plan& plan, absl::string_view bytes, const Slot& slot) {
    if (++depth_ > kMaxDepth) return false;
    bool ok = false;
    switch (plan.shape) {
      case Plan::Shape::kObject:
        ok = Object(plan, bytes, slot);
        break;
      case Plan::Shape::kTimestamp:
        ok = Timestamp(bytes, slot);
        break;
      case Plan::Shape::kStruct:
        ok = Struct(bytes, slot);
        break;
      case Plan::Shape::kValue:
        ok = Value(bytes, slot);
        break;
      case Plan::Shape::kListValue:
        ok = ListValue(bytes, slot);
        break;
      case Plan::Shape::kDeclined:
        break;
    }
    --depth_;
    return ok;
  }

  bool Timestamp(absl::string_view bytes, const Slot& slot) {
    uint64_t seconds = 0;
    uint64_t nanos = 0;
    Reader r(bytes);
    while (!r.done()) {
      uint32_t tag = 0;
      if (!r.Tag(&tag)) return false;
      if (tag == Tag(1, kVarint)) {
        if (!r.Varint(&seconds)) return false;
      } else if (tag == Tag(2, kVarint)) {
        if (!r.Varint(&nanos)) return false;
      } else if (!r.Skip(tag & 7)) {
        return false;
      }
    }
    const auto s = static_cast<int64_t>(seconds);
    const auto n = static_cast<int32_t>(static_cast<uint32_t>(nanos));
    if (s < kMinTimestampSeconds || s > kMaxTimestampSeconds || n < 0 || n > 999999999) return false;
    if (!Open(slot)) return false;
    out_.push_back('"');
    AppendTime(s, n, &out_);
    out_.push_back('"');
    return true;
  }

  // google.protobuf.Struct: map<string, Value> fields = 1, entries printed in the order of the bytes.
  bool Struct(absl::string_view bytes, const Slot& slot) {
    if (!Open(slot)) return false;
    out_.push_back('{');
    bool first = true;
    Reader r(bytes);
    while (!r.done()) {
      uint32_t tag = 0;
      if (!r.Tag(&tag)) return false;
      if (tag != Tag(1, kLengthDelimited)) {
        if (!r.Skip(tag & 7)) return false;
        continue;
      }
      absl::string_view entry;
      if (!r.Delimited(&entry)) return false;
      // The key read so far names each value (protobuf's rule; "" before any key).
      absl::string_view key;
      Reader e(entry);
      while (!e.done()) {
        uint32_t entry_tag = 0;
        if (!e.Tag(&entry_tag)) return false;
        absl::string_view value;
        if (entry_tag == Tag(1, kLengthDelimited)) {
          if (!e.Delimited(&key)) return false;
        } else if (entry_tag == Tag(2, kLengthDelimited)) {
          if (!e.Delimited(&value) || !Nested(kValuePlan, value, Slot{&first, {}, &key})) return false;
        } else if (!e.Skip(entry_tag & 7)) {
          return false;
        }
      }
    }
    out_.push_back('}');
    return true;
  }

  // google.protobuf.Value: each kind present prints (none: nothing at all, not even the key).
  bool Value(absl::string_view bytes, const Slot& slot) {
    Reader r(bytes);
    while (!r.done()) {
      uint32_t tag = 0;
      if (!r.Tag(&tag)) return false;
      uint64_t u64 = 0;
      absl::string_view inner;
      bool ok = true;
      switch (tag) {
        case Tag(1, kVarint):  // null_value
          ok = r.Varint(&u64) && Raw("null", slot);
          break;
        case Tag(2, kFixed64): {  // number_value
          double d = 0;
          ok = r.Fixed64(&u64);
          std::memcpy(&d, &u64, sizeof d);
          ok = ok && Double(d, slot);
          break;
        }
        case Tag(3, kLengthDelimited):  // string_value
          ok = r.Delimited(&inner) && String(inner, slot);
          break;
        case Tag(4, kVarint):  // bool_value
          ok = r.Varint(&u64) && Raw(u64 != 0 ? "true" : "false", slot);
          break;
        case Tag(5, kLengthDelimited):  // struct_value
          ok = r.Delimited(&inner) && Nested(kStructPlan, inner, slot);
          break;
        case Tag(6, kLengthDelimited):  // list_value
          ok = r.Delimited(&inner) && Nested(kListValuePlan, inner, slot);
          break;
        default:
          ok = r.Skip(tag & 7);
      }
      if (!ok) return false;
    }
    return true;
  }

  // google.protobuf.ListValue: repeated Value values = 1.
  bool ListValue(absl::string_view bytes, const Slot& slot) {
    Reader r(bytes);
    if (r.done()) return Raw("[]", slot);
    while (!r.done()) {
      uint32_t tag = 0;
      if (!r.Tag(&tag)) return false;
      if (tag != Tag(1, kLengthDelimited)) {
        if (!r.Skip(tag & 7)) return false;
        continue;
      }
      if (!Open(slot)) return false;
      out_.push_back('[');
      bool first = true;
      do {
        absl::string_view value;
        if (!r.Delimited(&value) || !Nested(kValuePlan, value, Slot{&first, {}})) return false;
      } while (r.NextTagIs(tag));
      out_.push_back(']');
    }
    return true;
  }

  std::string& out_;
  int depth_ = 0;
};

}  // namespace

WireJsonPrinter::WireJsonPrinter(const Descriptor& type) : root_(PlanFor(type)) {}

WireJsonPrinter::~WireJsonPrinter() = default;

const Plan* WireJsonPrinter::PlanFor(const Descriptor& type) {
  auto [it, inserted] = plans_.try_emplace(&type);
  if (!inserted) return it->second.get();
  it->second = std::make_unique<Plan>();
  Plan* plan = it->second.get();  // stays put while the map grows below
  const std::string& name = type.full_name();
  if (name == "google.protobuf.Timestamp") {
    plan->shape = Plan::Shape::kTimestamp;
  } else if (name == "google.protobuf.Struct") {
    plan->shape = Plan::Shape::kStruct;
  } else if (name == "google.protobuf.Value") {
    plan->shape = Plan::Shape::kValue;
  } else if (name == "google.protobuf.ListValue") {
    plan->shape = Plan::Shape::kListValue;
  } else if (absl::StartsWith(name, "google.protobuf.") && name != "google.protobuf.Empty") {
    plan->shape = Plan::Shape::kDeclined;  // Any, Duration, FieldMask, the wrappers
  }
  if (plan->shape != Plan::Shape::kObject) return plan;

  int max_number = 0;
  for (int i = 0; i < type.field_count(); ++i) max_number = std::max(max_number, type.field(i)->number());
  if (max_number > (1 << 16)) {
    plan->shape = Plan::Shape::kDeclined;  // a sparse type: not worth a table
    return plan;
  }
  plan->by_number.assign(max_number + 1, -1);
  plan->fields.resize(type.field_count());
  for (int i = 0; i < type.field_count(); ++i) {
    const FieldDescriptor& f = *type.field(i);
    Plan::Field& field = plan->fields[i];
    field.type = f.type();
    field.wire_type = WireTypeOf(f.type());
    field.repeated = f.is_repeated();
    field.packable = f.is_packable();
    field.printable =
        !f.is_map() && f.type() != FieldDescriptor::TYPE_BYTES && f.type() != FieldDescriptor::TYPE_GROUP;
    field.key = "\"";
    if (!AppendEscaped(f.json_name(), &field.key)) field.printable = false;
    field.key += "\":";
    if (field.printable && f.type() == FieldDescriptor::TYPE_MESSAGE)
      field.message = PlanFor(*f.message_type());
    if (f.type() == FieldDescriptor::TYPE_ENUM) field.enum_type = f.enum_type();
    plan->by_number[f.number()] = i;
  }
  return plan;
}

bool WireJsonPrinter::Print(absl::string_view wire, std::string* out) const {
  if (root_->shape != Plan::Shape::kObject) return false;
  out->clear();
  out->reserve(wire.size() * 2 + 16);
  Printing printing(out);
  bool first = true;
  if (printing.Object(*root_, wire, Printing::Slot{&first, {}})) return true;
  out->clear();  // nothing half-printed is left for the caller to append to
  return false;
}

}  // namespace syncd::gateway::transcode
