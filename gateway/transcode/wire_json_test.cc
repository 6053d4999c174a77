#include "gateway/transcode/wire_json.h"

#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/type_resolver_util.h>
#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/transcode/type_cache.h"
#include "syncd/v1/sync_service.pb.h"

namespace syncd::gateway::transcode {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// What the gateway printed before this printer: protobuf's converter, without the default-filling pass.
struct Reference {
  explicit Reference(const google::protobuf::DescriptorPool* pool) : types(pool) {}
  std::optional<std::string> Json(const Descriptor& type, const std::string& wire) {
    std::string out;
    if (!google::protobuf::util::BinaryToJsonString(&types, TypeUrl(type), wire, &out, {}).ok())
      return std::nullopt;
    return out;
  }
  CachingTypeResolver types;
};

// Text that exercises the escaping: ASCII, the characters JSON and HTML need escaped, C0 and C1 controls,
// the invisible code points protobuf escapes (one of them beyond the BMP), and plain multi-byte text.
std::string RandomText(std::mt19937& rng) {
  static const std::vector<std::string> kPieces = {"orders",
                                                   " ",
                                                   "\"",
                                                   "\\",
                                                   "<",
                                                   ">",
                                                   "/",
                                                   "\n",
                                                   "\t",
                                                   "\r",
                                                   "\b",
                                                   "\f",
                                                   "\x01",
                                                   "\x1f",
                                                   "\x7f",
                                                   "\xc2\x85",
                                                   "\xc2\xa0",
                                                   "\xc2\xad",
                                                   "\xd8\x80",
                                                   "\xdb\x9d",
                                                   "\xe2\x80\x8b",
                                                   "\xe2\x80\xa8",
                                                   "\xe2\x81\xa0",
                                                   "\xef\xbb\xbf",
                                                   "\xef\xbf\xb9",
                                                   "\xe4\xb8\xad",
                                                   "\xf0\x9f\x98\x80",
                                                   "\xf3\xa0\x80\x81",
                                                   "\xf0\x9d\x85\xb3",
                                                   "\xc3\xa9",
                                                   "'",
                                                   "&",
                                                   "=",
                                                   "\xe2\x80\xae",
                                                   "\xe1\x9e\xb4",
                                                   "\xdc\x8f"};
  std::string out;
  const int n = static_cast<int>(rng() % 6);
  for (int i = 0; i < n; ++i) out += kPieces[rng() % kPieces.size()];
  return out;
}

double RandomDouble(std::mt19937& rng) {
  static const std::vector<double> kValues = {0.0,
                                              -0.0,
                                              1.0,
                                              -3.0,
                                              0.1,
                                              1.5,
                                              123456789.125,
                                              1e21,
                                              1e-7,
                                              3.14159,
                                              1e300,
                                              -1e-300,
                                              5e-324,
                                              2.5e15,
                                              1e15,
                                              1e16,
                                              9007199254740993.0,
                                              std::numeric_limits<double>::max()};
  if (rng() % 3 == 0) {
    // Any finite bit pattern.
    for (;;) {
      const uint64_t bits = (static_cast<uint64_t>(rng()) << 32) | rng();
      double d = 0;
      std::memcpy(&d, &bits, sizeof d);
      if (std::isfinite(d)) return d;
    }
  }
  return kValues[rng() % kValues.size()];
}

void FillValue(google::protobuf::Value& v, std::mt19937& rng, int depth);

void FillStruct(google::protobuf::Struct& s, std::mt19937& rng, int depth) {
  const int n = static_cast<int>(rng() % 4);
  for (int i = 0; i < n; ++i) FillValue((*s.mutable_fields())[RandomText(rng)], rng, depth + 1);
}

void FillValue(google::protobuf::Value& v, std::mt19937& rng, int depth) {
  switch (rng() % (depth > 3 ? 5 : 7)) {
    case 0:
      v.set_null_value(google::protobuf::NULL_VALUE);
      break;
    case 1:
      v.set_number_value(RandomDouble(rng));
      break;
    case 2:
      v.set_string_value(RandomText(rng));
      break;
    case 3:
      v.set_bool_value(rng() % 2 == 0);
      break;
    case 4:
      break;  // no kind: protobuf prints nothing for it, not even the key
    case 5:
      FillStruct(*v.mutable_struct_value(), rng, depth);
      break;
    default: {
      google::protobuf::ListValue* list = v.mutable_list_value();
      const int n = static_cast<int>(rng() % 4);
      for (int i = 0; i < n; ++i) FillValue(*list->add_values(), rng, depth + 1);
    }
  }
}

void FillTimestamp(google::protobuf::Timestamp& t, std::mt19937& rng) {
  static const std::vector<int64_t> kSeconds = {0, 1700000000, -62135596800, 253402300799, 951782400, -1};
  t.set_seconds(rng() % 2 == 0
                    ? kSeconds[rng() % kSeconds.size()]
                    : static_cast<int64_t>(rng() % 253402300799) - static_cast<int64_t>(rng() % 62135596800));
  static const std::vector<int32_t> kNanos = {0, 5000000, 120000, 999999999, 1, 500, 100000000};
  t.set_nanos(kNanos[rng() % kNanos.size()]);
}

// Sets each field of `m` with probability `p`, with values drawn to reach the printer's corners.
void Fill(Message& m, std::mt19937& rng, double p, int depth) {
  const Descriptor& type = *m.GetDescriptor();
  const Reflection& r = *m.GetReflection();
  const std::string& name = type.full_name();
  // Well-known types are filled as generated messages and copied through their bytes (`m` may be a
  // dynamic message of another pool).
  auto fill_as = [&m](auto generated, auto fill) {
    fill(generated);
    ASSERT_TRUE(m.ParseFromString(generated.SerializeAsString()));
  };
  if (name == "google.protobuf.Timestamp") {
    return fill_as(google::protobuf::Timestamp(), [&](auto& t) { FillTimestamp(t, rng); });
  }
  if (name == "google.protobuf.Struct") {
    return fill_as(google::protobuf::Struct(), [&](auto& s) { FillStruct(s, rng, 0); });
  }
  if (name == "google.protobuf.Value") {
    return fill_as(google::protobuf::Value(), [&](auto& v) { FillValue(v, rng, 0); });
  }
  std::bernoulli_distribution take(p);
  for (int i = 0; i < type.field_count(); ++i) {
    const FieldDescriptor* f = type.field(i);
    if (!take(rng)) continue;
    const int copies = f->is_repeated() ? static_cast<int>(rng() % 4) : 1;
    for (int c = 0; c < copies; ++c) {
      const bool rep = f->is_repeated();
      const uint64_t bits = (static_cast<uint64_t>(rng()) << 32) | rng();
      switch (f->cpp_type()) {
        case FieldDescriptor::CPPTYPE_MESSAGE:
          if (depth < 4) Fill(rep ? *r.AddMessage(&m, f) : *r.MutableMessage(&m, f), rng, p, depth + 1);
          break;
        case FieldDescriptor::CPPTYPE_STRING:
          rep ? r.AddString(&m, f, RandomText(rng)) : r.SetString(&m, f, RandomText(rng));
          break;
        case FieldDescriptor::CPPTYPE_BOOL:
          rep ? r.AddBool(&m, f, bits % 2 == 0) : r.SetBool(&m, f, bits % 2 == 0);
          break;
        case FieldDescriptor::CPPTYPE_ENUM: {
          const auto* value = f->enum_type()->value(static_cast<int>(bits % f->enum_type()->value_count()));
          rep ? r.AddEnum(&m, f, value) : r.SetEnum(&m, f, value);
          break;
        }
        case FieldDescriptor::CPPTYPE_INT32:
          rep ? r.AddInt32(&m, f, static_cast<int32_t>(bits)) : r.SetInt32(&m, f, static_cast<int32_t>(bits));
          break;
        case FieldDescriptor::CPPTYPE_INT64:
          rep ? r.AddInt64(&m, f, static_cast<int64_t>(bits)) : r.SetInt64(&m, f, static_cast<int64_t>(bits));
          break;
        case FieldDescriptor::CPPTYPE_UINT32:
          rep ? r.AddUInt32(&m, f, static_cast<uint32_t>(bits))
              : r.SetUInt32(&m, f, static_cast<uint32_t>(bits));
          break;
        case FieldDescriptor::CPPTYPE_UINT64:
          rep ? r.AddUInt64(&m, f, bits) : r.SetUInt64(&m, f, bits);
          break;
        case FieldDescriptor::CPPTYPE_DOUBLE:
          rep ? r.AddDouble(&m, f, RandomDouble(rng)) : r.SetDouble(&m, f, RandomDouble(rng));
          break;
        case FieldDescriptor::CPPTYPE_FLOAT: {
          const auto value = static_cast<float>(RandomDouble(rng));
          if (std::isfinite(value)) rep ? r.AddFloat(&m, f, value) : r.SetFloat(&m, f, value);
          break;
        }
      }
    }
  }
}

// Every field kind the printer handles, packed and unpacked lists, a recursive message, and the
// well-known types it prints itself.
constexpr char kKinds[] = R"pb(
  name: "kinds.proto"
  package: "kinds"
  syntax: "proto3"
  dependency: "google/protobuf/struct.proto"
  dependency: "google/protobuf/timestamp.proto"
  message_type {
    name: "Kinds"
    field { name: "i32" number: 1 type: TYPE_INT32 label: LABEL_OPTIONAL json_name: "i32" }
    field { name: "i64" number: 2 type: TYPE_INT64 label: LABEL_OPTIONAL json_name: "i64" }
    field { name: "u32" number: 3 type: TYPE_UINT32 label: LABEL_OPTIONAL json_name: "u32" }
    field { name: "u64" number: 4 type: TYPE_UINT64 label: LABEL_OPTIONAL json_name: "u64" }
    field { name: "s32" number: 5 type: TYPE_SINT32 label: LABEL_OPTIONAL json_name: "s32" }
    field { name: "s64" number: 6 type: TYPE_SINT64 label: LABEL_OPTIONAL json_name: "s64" }
    field { name: "f32" number: 7 type: TYPE_FIXED32 label: LABEL_OPTIONAL json_name: "f32" }
    field { name: "f64" number: 8 type: TYPE_FIXED64 label: LABEL_OPTIONAL json_name: "f64" }
    field { name: "sf32" number: 9 type: TYPE_SFIXED32 label: LABEL_OPTIONAL json_name: "sf32" }
    field { name: "sf64" number: 10 type: TYPE_SFIXED64 label: LABEL_OPTIONAL json_name: "sf64" }
    field { name: "dbl" number: 11 type: TYPE_DOUBLE label: LABEL_OPTIONAL json_name: "dbl" }
    field { name: "flt" number: 12 type: TYPE_FLOAT label: LABEL_OPTIONAL json_name: "flt" }
    field { name: "flag" number: 13 type: TYPE_BOOL label: LABEL_OPTIONAL json_name: "flag" }
    field { name: "text" number: 14 type: TYPE_STRING label: LABEL_OPTIONAL json_name: "text" }
    field {
      name: "color"
      number: 15
      type: TYPE_ENUM
      label: LABEL_OPTIONAL
      type_name: ".kinds.Color"
      json_name: "color"
    }
    field {
      name: "child"
      number: 16
      type: TYPE_MESSAGE
      label: LABEL_OPTIONAL
      type_name: ".kinds.Kinds"
      json_name: "child"
    }
    field { name: "ints" number: 17 type: TYPE_INT32 label: LABEL_REPEATED json_name: "ints" }
    field {
      name: "longs"
      number: 18
      type: TYPE_SINT64
      label: LABEL_REPEATED
      json_name: "longs"
      options { packed: false }
    }
    field { name: "doubles" number: 19 type: TYPE_DOUBLE label: LABEL_REPEATED json_name: "doubles" }
    field { name: "texts" number: 20 type: TYPE_STRING label: LABEL_REPEATED json_name: "texts" }
    field {
      name: "colors"
      number: 21
      type: TYPE_ENUM
      label: LABEL_REPEATED
      type_name: ".kinds.Color"
      json_name: "colors"
    }
    field {
      name: "children"
      number: 22
      type: TYPE_MESSAGE
      label: LABEL_REPEATED
      type_name: ".kinds.Kinds"
      json_name: "children"
    }
    field {
      name: "at"
      number: 23
      type: TYPE_MESSAGE
      label: LABEL_OPTIONAL
      type_name: ".google.protobuf.Timestamp"
      json_name: "at"
    }
    field {
      name: "config"
      number: 24
      type: TYPE_MESSAGE
      label: LABEL_OPTIONAL
      type_name: ".google.protobuf.Struct"
      json_name: "config"
    }
    field {
      name: "value"
      number: 25
      type: TYPE_MESSAGE
      label: LABEL_OPTIONAL
      type_name: ".google.protobuf.Value"
      json_name: "value"
    }
    field {
      name: "opt"
      number: 26
      type: TYPE_INT32
      label: LABEL_OPTIONAL
      json_name: "opt"
      proto3_optional: true
      oneof_index: 0
    }
    field {
      name: "snake_case_name"
      number: 28
      type: TYPE_STRING
      label: LABEL_OPTIONAL
      json_name: "snakeCaseName"
    }
    field { name: "flags" number: 29 type: TYPE_BOOL label: LABEL_REPEATED json_name: "flags" }
    field {
      name: "stamps"
      number: 30
      type: TYPE_MESSAGE
      label: LABEL_REPEATED
      type_name: ".google.protobuf.Timestamp"
      json_name: "stamps"
    }
    oneof_decl { name: "_opt" }
  }
  enum_type {
    name: "Color"
    value { name: "COLOR_UNSPECIFIED" number: 0 }
    value { name: "RED" number: 1 }
    value { name: "NEGATIVE" number: -2 }
  }
)pb";

class WireJsonPrinterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    google::protobuf::FileDescriptorProto kinds;
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(kKinds, &kinds));
    for (const Descriptor* d :
         {google::protobuf::Struct::descriptor(), google::protobuf::Timestamp::descriptor()}) {
      google::protobuf::FileDescriptorProto dep;
      d->file()->CopyTo(&dep);
      ASSERT_NE(pool_.BuildFile(dep), nullptr);
    }
    ASSERT_NE(pool_.BuildFile(kinds), nullptr);
  }

  // Prints `count` random messages of `prototype`'s type (and damaged copies of each) both ways. Whenever
  // the printer prints, its JSON is protobuf's, byte for byte; whenever protobuf fails, the printer has
  // declined. Returns how many of the undamaged messages the printer printed.
  int Compare(const Message& prototype, Reference& reference, int count, uint32_t seed) {
    const Descriptor& type = *prototype.GetDescriptor();
    WireJsonPrinter printer(type);
    std::mt19937 rng(seed);
    int printed = 0;
    for (int i = 0; i < count; ++i) {
      std::unique_ptr<Message> m(prototype.New());
      Fill(*m, rng, 0.2 + 0.8 * (i % 5) / 4.0, 0);
      const std::string wire = m->SerializeAsString();
      std::string json;
      const bool ok = printer.Print(wire, &json);
      printed += ok ? 1 : 0;
      ExpectSame(type, reference, wire, ok, json, m->ShortDebugString());
      for (int d = 0; d < 4 && !wire.empty(); ++d) {
        std::string damaged = wire;
        switch (rng() % 3) {
          case 0:
            damaged[rng() % damaged.size()] = static_cast<char>(rng());
            break;
          case 1:
            damaged.resize(rng() % damaged.size());
            break;
          default:
            damaged.insert(rng() % damaged.size(), 1, static_cast<char>(rng()));
        }
        const bool damaged_ok = printer.Print(damaged, &json);
        ExpectSame(type, reference, damaged, damaged_ok, json, "damaged bytes");
      }
    }
    return printed;
  }

  static void ExpectSame(const Descriptor& type, Reference& reference, const std::string& wire, bool printed,
                         const std::string& json, const std::string& what) {
    if (!printed) return;  // declined: protobuf's converter prints it, as before
    std::optional<std::string> expected = reference.Json(type, wire);
    ASSERT_TRUE(expected.has_value()) << "printed bytes protobuf refuses: " << json << "\n" << what;
    ASSERT_EQ(json, *expected) << what;
  }

  google::protobuf::DescriptorPool pool_;
};

TEST_F(WireJsonPrinterTest, EveryResponseOfTheApiPrintsAsProtobufPrintsIt) {
  const google::protobuf::ServiceDescriptor* service =
      v1::ListIntegrationsResponse::descriptor()->file()->FindServiceByName("SyncService");
  ASSERT_NE(service, nullptr);
  Reference reference(google::protobuf::DescriptorPool::generated_pool());
  for (int i = 0; i < service->method_count(); ++i) {
    const Descriptor* output = service->method(i)->output_type();
    const Message* prototype = google::protobuf::MessageFactory::generated_factory()->GetPrototype(output);
    ASSERT_NE(prototype, nullptr);
    const int printed = Compare(*prototype, reference, 150, 17 + i);
    // Not vacuous: most undamaged messages are printed, not declined.
    EXPECT_GT(printed, 100) << output->full_name();
  }
}

TEST_F(WireJsonPrinterTest, EveryFieldKindPrintsAsProtobufPrintsIt) {
  google::protobuf::DynamicMessageFactory factory(&pool_);
  const Descriptor* kinds = pool_.FindMessageTypeByName("kinds.Kinds");
  ASSERT_NE(kinds, nullptr);
  Reference reference(&pool_);
  EXPECT_GT(Compare(*factory.GetPrototype(kinds), reference, 1500, 5), 1000);
}

TEST_F(WireJsonPrinterTest, AnIntegrationAsTheServiceSendsIt) {
  v1::Integration integration;
  integration.set_id("3f1c0000-0000-4000-8000-000000000001");
  integration.set_name("Orders <EU>");
  integration.set_type(v1::Integration::DEMO);
  (*integration.mutable_config()->mutable_fields())["records"].set_number_value(10);
  integration.mutable_sync_interval()->set_number_value(3600);
  integration.set_sync_enabled(true);
  integration.set_retry_count(0);
  integration.mutable_created_at()->set_seconds(1700000000);
  integration.mutable_created_at()->set_nanos(120000000);
  std::string json;
  ASSERT_TRUE(WireJsonPrinter(*v1::Integration::descriptor()).Print(integration.SerializeAsString(), &json));
  EXPECT_EQ(json,
            R"({"id":"3f1c0000-0000-4000-8000-000000000001","name":"Orders \u003cEU\u003e","type":"DEMO",)"
            R"("config":{"records":10},"syncInterval":3600,"syncEnabled":true,"retryCount":0,)"
            R"("createdAt":"2023-11-14T22:13:20.120Z"})");
}

TEST_F(WireJsonPrinterTest, DeclinesWhatItLeavesToProtobuf) {
  google::protobuf::DynamicMessageFactory factory(&pool_);
  const Descriptor* kinds = pool_.FindMessageTypeByName("kinds.Kinds");
  WireJsonPrinter printer(*kinds);
  std::string json;
  std::unique_ptr<Message> m(factory.GetPrototype(kinds)->New());
  const Reflection& r = *m->GetReflection();

  r.SetEnumValue(m.get(), kinds->FindFieldByName("color"), 7);  // a number the enum does not name
  r.SetString(m.get(), kinds->FindFieldByName("text"), "printed before the enum");
  EXPECT_FALSE(printer.Print(m->SerializeAsString(), &json));
  EXPECT_EQ(json, "");  // nothing half-printed is left

  m->Clear();
  r.SetDouble(m.get(), kinds->FindFieldByName("dbl"), std::numeric_limits<double>::infinity());
  EXPECT_FALSE(printer.Print(m->SerializeAsString(), &json));

  m->Clear();
  r.SetString(m.get(), kinds->FindFieldByName("text"), "caf\xe9");  // Latin-1, not UTF-8
  EXPECT_FALSE(printer.Print(m->SerializeAsString(), &json));

  m->Clear();
  Message* at = r.MutableMessage(m.get(), kinds->FindFieldByName("at"));
  at->GetReflection()->SetInt64(at, at->GetDescriptor()->FindFieldByName("seconds"),
                                253402300800);  // year 10000
  EXPECT_FALSE(printer.Print(m->SerializeAsString(), &json));

  EXPECT_FALSE(printer.Print(std::string("\x72\x05\x01", 3), &json));  // a string longer than the bytes
  EXPECT_FALSE(printer.Print(std::string("\x00", 1), &json));          // field number 0

  // Nesting deeper than protobuf allows.
  m->Clear();
  Message* child = m.get();
  for (int i = 0; i < 70; ++i)
    child = child->GetReflection()->MutableMessage(child, kinds->FindFieldByName("child"));
  EXPECT_FALSE(printer.Print(m->SerializeAsString(), &json));
}

}  // namespace
}  // namespace syncd::gateway::transcode
