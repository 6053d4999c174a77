// Flag defaults taken from the environment, so every flag can be set either way (compose files set
// environment variables, people type flags):
//
//   ABSL_FLAG(std::string, listen, syncd::EnvOr("SYNC_SERVICE_LISTEN", "0.0.0.0:50051"),
//             "gRPC listen address [env SYNC_SERVICE_LISTEN]");
#pragma once

#include <cstdint>
#include <string>

#include "absl/time/time.h"

namespace syncd {

std::string EnvOr(const char* name, const std::string& fallback);
int64_t EnvOr(const char* name, int64_t fallback);
int EnvOr(const char* name, int fallback);
bool EnvOr(const char* name, bool fallback);
double EnvOr(const char* name, double fallback);
// Durations as Go-style strings: "30s", "1m", "250ms".
absl::Duration EnvOr(const char* name, absl::Duration fallback);

// Sets the usage message and parses the command line, so that --help lists this program's own flags
// (abseil's default shows only flags defined in a file named after the binary) and --version prints
// `version` ("sync_service 0.1.0"; abseil's default is the build mode of abseil itself).
void ParseFlags(int argc, char** argv, const char* usage, std::string version = "");

}  // namespace syncd
