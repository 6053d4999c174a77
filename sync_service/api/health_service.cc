#include "sync_service/api/health_service.h"

#include <optional>

#include "absl/time/clock.h"
#include "spdlog/spdlog.h"

namespace syncd::api {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

HealthCheckResponse::ServingStatus HealthService::Current(const std::string& service) {
  if (!service.empty() && services_.count(service) == 0) return HealthCheckResponse::SERVICE_UNKNOWN;
  if (shutting_down_) return HealthCheckResponse::NOT_SERVING;
  absl::Status status = check_();
  if (!status.ok()) {
    spdlog::debug("health check failing: {}", std::string(status.message()));
    return HealthCheckResponse::NOT_SERVING;
  }
  return HealthCheckResponse::SERVING;
}

grpc::Status HealthService::Check(grpc::ServerContext*, const HealthCheckRequest* req,
                                  HealthCheckResponse* resp) {
  HealthCheckResponse::ServingStatus status = Current(req->service());
  if (status == HealthCheckResponse::SERVICE_UNKNOWN) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown service " + req->service());
  }
  resp->set_status(status);
  return grpc::Status::OK;
}

grpc::Status HealthService::Watch(grpc::ServerContext* ctx, const HealthCheckRequest* req,
                                  grpc::ServerWriter<HealthCheckResponse>* writer) {
  // Polls once a second and sends changes only, as the protocol asks.
  std::optional<HealthCheckResponse::ServingStatus> last;
  while (!ctx->IsCancelled()) {
    HealthCheckResponse::ServingStatus now = Current(req->service());
    if (now != last) {
      HealthCheckResponse resp;
      resp.set_status(now);
      if (!writer->Write(resp)) break;
      last = now;
    }
    if (shutting_down_) break;
    absl::SleepFor(absl::Seconds(1));
  }
  return grpc::Status::OK;
}

}  // namespace syncd::api
