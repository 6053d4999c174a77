// demo_seed: creates scripts/run's demo integrations through the SyncService API, once: an integration
// whose name is taken already (ALREADY_EXISTS) is kept, so running it again duplicates nothing (an HTTP_JSON
// one is only pointed at the demo source's current URL, and one its failures paused is resumed).
//
//   demo_seed --sync_service_address=localhost:50051 --demo_source_url=http://127.0.0.1:8090
#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "absl/flags/flag.h"
#include "common/env_flags.h"
#include "google/protobuf/util/json_util.h"
#include "syncd/v1/sync_service.grpc.pb.h"

ABSL_FLAG(std::string, sync_service_address,
          syncd::EnvOr("SYNC_SERVICE_ADDRESS", std::string("localhost:50051")),
          "sync_service gRPC address host:port [env SYNC_SERVICE_ADDRESS]");
ABSL_FLAG(std::string, demo_source_url, syncd::EnvOr("DEMO_SOURCE_URL", std::string("http://127.0.0.1:8090")),
          "Base URL of demo_source [env DEMO_SOURCE_URL]");

namespace syncd::demo {
namespace {

// An integration as the API's JSON (the same shape the HTTP API takes).
struct Demo {
  const char* what;
  nlohmann::json integration;
};

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return context;
}

// An existing demo integration is kept, except that an HTTP_JSON one is pointed at this run's demo_source
// (its port may differ from the last run's).
bool PointAtSource(v1::SyncService::Stub& stub, const v1::Integration& wanted) {
  v1::ListIntegrationsRequest list_request;
  list_request.set_page_size(1000);
  v1::ListIntegrationsResponse list;
  if (grpc::Status s = stub.ListIntegrations(Context().get(), list_request, &list); !s.ok()) {
    std::fprintf(stderr, "failed   listing integrations: %s\n", s.error_message().c_str());
    return false;
  }
  for (const v1::Integration& existing : list.integrations()) {
    if (existing.name() != wanted.name()) continue;
    // A demo paused by its failures on an earlier run syncs again on this one.
    if (existing.has_sync_enabled() && !existing.sync_enabled()) {
      v1::UpdateSyncSettingsRequest resume;
      resume.set_id(existing.id());
      resume.set_sync_enabled(true);
      v1::Integration resumed;
      if (grpc::Status s = stub.UpdateSyncSettings(Context().get(), resume, &resumed); !s.ok()) {
        std::fprintf(stderr, "failed   resuming \"%s\": %s\n", wanted.name().c_str(),
                     s.error_message().c_str());
        return false;
      }
      std::fprintf(stderr, "resumed  \"%s\" (paused on an earlier run)\n", wanted.name().c_str());
    }
    const auto& have = existing.config().fields();
    const auto& want = wanted.config().fields();
    const bool same_url = have.count("url") == 0 || want.count("url") == 0 ||
                          have.at("url").string_value() == want.at("url").string_value();
    if (existing.type() != v1::Integration::HTTP_JSON || same_url) {
      std::fprintf(stderr, "exists   \"%s\": left as it is\n", wanted.name().c_str());
      return true;
    }
    v1::UpdateIntegrationRequest update;
    update.set_id(existing.id());
    *update.mutable_integration()->mutable_config() = wanted.config();
    v1::Integration updated;
    if (grpc::Status s = stub.UpdateIntegration(Context().get(), update, &updated); !s.ok()) {
      std::fprintf(stderr, "failed   \"%s\": %s\n", wanted.name().c_str(), s.error_message().c_str());
      return false;
    }
    std::fprintf(stderr, "exists   \"%s\": pointed at %s\n", wanted.name().c_str(),
                 want.at("url").string_value().c_str());
    return true;
  }
  std::fprintf(stderr, "exists   \"%s\": left as it is\n", wanted.name().c_str());
  return true;
}

int Run() {
  const std::string source = absl::GetFlag(FLAGS_demo_source_url);
  const std::vector<Demo> demos = {
      {"HTTP_JSON against demo_source: pages by next link; inserts, then updates as prices change",
       {{"name", "Demo shop products"},
        {"type", "HTTP_JSON"},
        {"syncInterval", 20},
        {"config",
         {{"url", source + "/products"},
          {"method", "GET"},
          {"headers", {{"Accept", "application/json"}}},
          {"auth", {{"kind", "none"}}},
          {"recordsPath", "/data/items"},
          {"idField", "/id"},
          {"pagination", {{"nextUrlPath", "/next"}}},
          {"timeoutSeconds", 10},
          {"maxRequestsPerMinute", 120}}}}},
      {"DEMO that fails about one sync in three (SERVER_ERROR): retries with backoff",
       {{"name", "Demo flaky CRM"},
        {"type", "DEMO"},
        {"syncInterval", 15},
        {"config",
         {{"records", 40}, {"latencyMs", 1500}, {"failureRate", 0.35}, {"errorCode", "SERVER_ERROR"}}}}},
      {"HTTP_JSON with a wrong path: fails NOT_FOUND with a suggestion",
       {{"name", "Demo broken endpoint"},
        {"type", "HTTP_JSON"},
        {"syncInterval", 30},
        {"config",
         {{"url", source + "/v2/products"},
          {"recordsPath", "/data/items"},
          {"idField", "/id"},
          {"timeoutSeconds", 10}}}}},
  };

  auto stub = v1::SyncService::NewStub(
      grpc::CreateChannel(absl::GetFlag(FLAGS_sync_service_address), grpc::InsecureChannelCredentials()));
  int failed = 0;
  for (const Demo& demo : demos) {
    v1::CreateIntegrationRequest request;
    auto parsed =
        google::protobuf::util::JsonStringToMessage(demo.integration.dump(), request.mutable_integration());
    if (!parsed.ok()) {
      std::fprintf(stderr, "demo_seed: bad demo definition: %s\n", parsed.ToString().c_str());
      return 1;
    }
    v1::Integration created;
    const grpc::Status status = stub->CreateIntegration(Context().get(), request, &created);
    const std::string name = demo.integration["name"];
    if (status.ok()) {
      std::fprintf(stderr, "created  \"%s\" (%s): %s\n", name.c_str(), created.id().c_str(), demo.what);
    } else if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS) {
      if (!PointAtSource(*stub, request.integration())) ++failed;
    } else {
      std::fprintf(stderr, "failed   \"%s\": %s\n", name.c_str(), status.error_message().c_str());
      ++failed;
    }
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace
}  // namespace syncd::demo

int main(int argc, char** argv) {
  syncd::ParseFlags(
      argc, argv,
      "syncd demo_seed: creates scripts/run's demo integrations (once; existing names are kept).\n"
      "Every flag can also be set by the environment variable named in its help.");
  return syncd::demo::Run();
}
