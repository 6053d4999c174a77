#include "gateway/transcode/default_fields.h"

#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/duration.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/wrappers.pb.h>
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "syncd/v1/sync_service.pb.h"

namespace syncd::gateway::transcode {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

std::string Json(const Message& m, bool defaults) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = defaults;
  std::string out;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(m, &out, options).ok());
  return out;
}

// Sets each field of `m` with probability `p` to a value that is not its default, message fields
// recursively; well-known types get values of their own kind.
void Fill(Message& m, std::mt19937& rng, double p, int depth) {
  const Descriptor& type = *m.GetDescriptor();
  const Reflection& r = *m.GetReflection();
  std::bernoulli_distribution take(p);
  const std::string name = type.full_name();
  if (name == "google.protobuf.Timestamp" || name == "google.protobuf.Duration") {
    r.SetInt64(&m, type.FindFieldByName("seconds"), 1700000000 + rng() % 1000);
    if (take(rng)) r.SetInt32(&m, type.FindFieldByName("nanos"), 5000);
    return;
  }
  if (name == "google.protobuf.Value") {
    auto& v = static_cast<google::protobuf::Value&>(m);
    if (take(rng)) {
      v.set_number_value(rng() % 100);
    } else {
      v.set_null_value(google::protobuf::NULL_VALUE);
    }
    return;
  }
  if (name == "google.protobuf.Struct") {
    auto& s = static_cast<google::protobuf::Struct&>(m);
    (*s.mutable_fields())["records"].set_number_value(3);
    if (take(rng)) (*s.mutable_fields())["url"].set_string_value("https://example.com");
    return;
  }
  if (name == "google.protobuf.ListValue" || name == "google.protobuf.Any" ||
      name == "google.protobuf.FieldMask" || name == "google.protobuf.Empty") {
    return;
  }
  for (int i = 0; i < type.field_count(); ++i) {
    const FieldDescriptor* f = type.field(i);
    if (!take(rng)) continue;
    const int copies = f->is_repeated() ? 1 + static_cast<int>(rng() % 2) : 1;
    for (int c = 0; c < copies; ++c) {
      switch (f->cpp_type()) {
        case FieldDescriptor::CPPTYPE_MESSAGE: {
          if (depth > 4) break;
          Message* sub = f->is_repeated() ? r.AddMessage(&m, f) : r.MutableMessage(&m, f);
          Fill(*sub, rng, f->is_map() ? 1.0 : p, depth + 1);
          break;
        }
        case FieldDescriptor::CPPTYPE_STRING:
          f->is_repeated() ? r.AddString(&m, f, "x") : r.SetString(&m, f, "x");
          break;
        case FieldDescriptor::CPPTYPE_BOOL:
          f->is_repeated() ? r.AddBool(&m, f, true) : r.SetBool(&m, f, true);
          break;
        case FieldDescriptor::CPPTYPE_ENUM: {
          const auto* value = f->enum_type()->value(f->enum_type()->value_count() - 1);
          f->is_repeated() ? r.AddEnum(&m, f, value) : r.SetEnum(&m, f, value);
          break;
        }
        case FieldDescriptor::CPPTYPE_INT32:
          f->is_repeated() ? r.AddInt32(&m, f, 7) : r.SetInt32(&m, f, 7);
          break;
        case FieldDescriptor::CPPTYPE_INT64:
          f->is_repeated() ? r.AddInt64(&m, f, 7) : r.SetInt64(&m, f, 7);
          break;
        case FieldDescriptor::CPPTYPE_UINT32:
          f->is_repeated() ? r.AddUInt32(&m, f, 7) : r.SetUInt32(&m, f, 7);
          break;
        case FieldDescriptor::CPPTYPE_UINT64:
          f->is_repeated() ? r.AddUInt64(&m, f, 7) : r.SetUInt64(&m, f, 7);
          break;
        case FieldDescriptor::CPPTYPE_DOUBLE:
          f->is_repeated() ? r.AddDouble(&m, f, 1.5) : r.SetDouble(&m, f, 1.5);
          break;
        case FieldDescriptor::CPPTYPE_FLOAT:
          f->is_repeated() ? r.AddFloat(&m, f, 1.5) : r.SetFloat(&m, f, 1.5);
          break;
      }
    }
  }
}

// The same JSON object: the same members with the same values. (The default-filling pass lists the
// fields it fills first, in declaration order, then the others; without it members come in field number
// order.)
void ExpectSameObject(const std::string& with_pass, const std::string& without, const std::string& what) {
  EXPECT_EQ(nlohmann::json::parse(with_pass), nlohmann::json::parse(without))
      << what << "\n  with the pass: " << with_pass << "\n  without:       " << without;
}

// For many messages of `prototype`'s type, filled more or less: whenever the check says the
// default-filling pass adds nothing, the JSON with and without it is the same object. Returns how many
// messages the check let through without the pass.
int ExpectSameJsonWhenNoDefaultsMissing(const Message& prototype) {
  DefaultFieldsCheck check(*prototype.GetDescriptor());
  int skipped = 0;
  std::mt19937 rng(42);
  for (double p : {0.0, 0.3, 0.6, 0.9, 1.0}) {
    for (int round = 0; round < 40; ++round) {
      std::unique_ptr<Message> m(prototype.New());
      Fill(*m, rng, p, 0);
      if (check.MayAddDefaults(m->SerializeAsString())) continue;
      ++skipped;
      ExpectSameObject(
          Json(*m, /*defaults=*/true), Json(*m, /*defaults=*/false),
          absl::StrCat(prototype.GetDescriptor()->full_name(), " p=", p, ": ", m->ShortDebugString()));
    }
  }
  return skipped;
}

TEST(DefaultFieldsCheckTest, EveryResponseOfTheApiPrintsTheSameWithoutThePassWhenLetThrough) {
  const google::protobuf::ServiceDescriptor* service =
      v1::ListIntegrationsResponse::descriptor()->file()->FindServiceByName("SyncService");
  ASSERT_NE(service, nullptr);
  int skipped = 0;
  for (int i = 0; i < service->method_count(); ++i) {
    const Descriptor* output = service->method(i)->output_type();
    const Message* prototype = google::protobuf::MessageFactory::generated_factory()->GetPrototype(output);
    ASSERT_NE(prototype, nullptr);
    skipped += ExpectSameJsonWhenNoDefaultsMissing(*prototype);
  }
  // Not vacuous: fully filled responses go without the pass.
  EXPECT_GT(skipped, 50);
}

TEST(DefaultFieldsCheckTest, AnIntegrationAsTheServiceSendsItSkipsThePassAndKeepsItsZeros) {
  v1::Integration integration;
  integration.set_id("3f1c0000-0000-4000-8000-000000000001");
  integration.set_name("orders");
  integration.set_type(v1::Integration::DEMO);
  (*integration.mutable_config()->mutable_fields())["records"].set_number_value(0);
  integration.set_status(v1::Integration::ACTIVE);
  integration.mutable_sync_interval()->set_number_value(3600);
  integration.set_sync_enabled(false);
  integration.set_retry_count(0);
  integration.mutable_created_at()->set_seconds(1700000000);
  integration.mutable_updated_at()->set_seconds(1700000000);
  DefaultFieldsCheck check(*v1::Integration::descriptor());
  const std::string wire = integration.SerializeAsString();
  EXPECT_FALSE(check.MayAddDefaults(wire));
  const std::string json = Json(integration, /*defaults=*/false);
  EXPECT_NE(json.find("\"retryCount\":0"), std::string::npos) << json;
  EXPECT_NE(json.find("\"syncEnabled\":false"), std::string::npos) << json;
  ExpectSameObject(Json(integration, /*defaults=*/true), json, "integration");

  // Without an id (a field without presence) the pass runs: it prints "id": "".
  integration.clear_id();
  EXPECT_TRUE(check.MayAddDefaults(integration.SerializeAsString()));
}

TEST(DefaultFieldsCheckTest, ListsNeedThePassWhenEmptyAndTheirElementsAreCheckedToo) {
  DefaultFieldsCheck check(*v1::ListIntegrationsResponse::descriptor());
  v1::ListIntegrationsResponse list;
  EXPECT_TRUE(check.MayAddDefaults(list.SerializeAsString()));  // "integrations": [] and the counts

  std::mt19937 rng(7);
  Fill(list, rng, 1.0, 0);
  ASSERT_GT(list.integrations_size(), 0);
  EXPECT_FALSE(check.MayAddDefaults(list.SerializeAsString()));
  // An element without an id (filled by the pass inside the list) needs the pass again.
  list.mutable_integrations(0)->clear_id();
  EXPECT_TRUE(check.MayAddDefaults(list.SerializeAsString()));
}

TEST(DefaultFieldsCheckTest, ShapesItDoesNotModelAlwaysGetThePass) {
  google::protobuf::FileDescriptorProto file;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(
        name: "shapes.proto"
        package: "shapes"
        syntax: "proto3"
        message_type {
          name: "OutOfOrder"
          field { name: "b" number: 2 type: TYPE_STRING label: LABEL_OPTIONAL json_name: "b" }
          field { name: "a" number: 1 type: TYPE_STRING label: LABEL_OPTIONAL json_name: "a" }
        }
        message_type {
          name: "Leaf"
          field { name: "x" number: 1 type: TYPE_INT32 label: LABEL_OPTIONAL json_name: "x" }
        }
        message_type {
          name: "MapOfMessages"
          field {
            name: "m"
            number: 1
            type: TYPE_MESSAGE
            label: LABEL_REPEATED
            type_name: ".shapes.MapOfMessages.MEntry"
            json_name: "m"
          }
          nested_type {
            name: "MEntry"
            options { map_entry: true }
            field { name: "key" number: 1 type: TYPE_STRING label: LABEL_OPTIONAL json_name: "key" }
            field {
              name: "value"
              number: 2
              type: TYPE_MESSAGE
              label: LABEL_OPTIONAL
              type_name: ".shapes.Leaf"
              json_name: "value"
            }
          }
        }
        message_type {
          name: "Recursive"
          field { name: "n" number: 1 type: TYPE_INT32 label: LABEL_OPTIONAL json_name: "n" }
          field {
            name: "child"
            number: 2
            type: TYPE_MESSAGE
            label: LABEL_OPTIONAL
            type_name: ".shapes.Recursive"
            json_name: "child"
          }
        }
      )pb",
      &file));
  google::protobuf::DescriptorPool pool;
  ASSERT_NE(pool.BuildFile(file), nullptr);
  google::protobuf::DynamicMessageFactory factory(&pool);

  const Descriptor* out_of_order = pool.FindMessageTypeByName("shapes.OutOfOrder");
  std::unique_ptr<Message> m(factory.GetPrototype(out_of_order)->New());
  m->GetReflection()->SetString(m.get(), out_of_order->FindFieldByName("a"), "x");
  m->GetReflection()->SetString(m.get(), out_of_order->FindFieldByName("b"), "y");
  EXPECT_TRUE(DefaultFieldsCheck(*out_of_order).MayAddDefaults(m->SerializeAsString()));

  const Descriptor* maps = pool.FindMessageTypeByName("shapes.MapOfMessages");
  EXPECT_TRUE(DefaultFieldsCheck(*maps).MayAddDefaults(""));

  // A recursive type is looked into level by level: a child without n needs the pass.
  const Descriptor* recursive = pool.FindMessageTypeByName("shapes.Recursive");
  DefaultFieldsCheck check(*recursive);
  std::unique_ptr<Message> root(factory.GetPrototype(recursive)->New());
  const Reflection& r = *root->GetReflection();
  r.SetInt32(root.get(), recursive->FindFieldByName("n"), 1);
  Message* child = r.MutableMessage(root.get(), recursive->FindFieldByName("child"));
  EXPECT_TRUE(check.MayAddDefaults(root->SerializeAsString()));
  child->GetReflection()->SetInt32(child, recursive->FindFieldByName("n"), 2);
  EXPECT_FALSE(check.MayAddDefaults(root->SerializeAsString()));

  // Bytes that do not parse go to the printer, which reports them.
  EXPECT_TRUE(check.MayAddDefaults("\x0a\xff"));
}

}  // namespace
}  // namespace syncd::gateway::transcode
