// grpc.health.v1.Health, implemented with generated code (not gRPC's built-in service) so that server
// reflection can describe it, and tied to the database: SERVING only while PostgreSQL answers.
#pragma once

#include <atomic>
#include <functional>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace syncd::api {

class HealthService final : public grpc::health::v1::Health::Service {
 public:
  // `check` says whether the process can do its work (e.g. pings the database). `services` are the names a
  // client may ask about besides "" (the whole server).
  HealthService(std::function<absl::Status()> check, std::set<std::string> services)
      : check_(std::move(check)), services_(std::move(services)) {}

  grpc::Status Check(grpc::ServerContext* ctx, const grpc::health::v1::HealthCheckRequest* req,
                     grpc::health::v1::HealthCheckResponse* resp) override;
  grpc::Status Watch(grpc::ServerContext* ctx, const grpc::health::v1::HealthCheckRequest* req,
                     grpc::ServerWriter<grpc::health::v1::HealthCheckResponse>* writer) override;

  // Reports NOT_SERVING from now on and ends Watch streams (called when the server starts shutting down, so
  // load balancers stop sending work).
  void Shutdown() { shutting_down_ = true; }

 private:
  grpc::health::v1::HealthCheckResponse::ServingStatus Current(const std::string& service);

  const std::function<absl::Status()> check_;
  const std::set<std::string> services_;
  std::atomic<bool> shutting_down_{false};
};

}  // namespace syncd::api
