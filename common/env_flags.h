// Flag defaults taken from the environment, so every flag can be set either way (compose files set
// environment variables, people type flags):
//
//   ABSL_FLAG(std::string, listen, syncd::EnvOr("SYNC_SERVICE_LISTEN", "0.0.0.0:50051"),
//             "gRPC listen address [env SYNC_SERVICE_LISTEN]");
#pragma once

#include <cstdint>
#include <string>

namespace syncd {

std::string EnvOr(const char* name, const std::string& fallback);
int64_t EnvOr(const char* name, int64_t fallback);
int EnvOr(const char* name, int fallback);
bool EnvOr(const char* name, bool fallback);

}  // namespace syncd
