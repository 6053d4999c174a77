#include "common/env_flags.h"

#include <cstdio>
#include <cstdlib>

#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"

namespace syncd {
namespace {

const char* Get(const char* name) {
  const char* value = std::getenv(name);
  return (value != nullptr && *value != '\0') ? value : nullptr;
}

// A malformed value is a deployment mistake; say so loudly rather than silently using the default.
void WarnIgnored(const char* name, const char* value) {
  std::fprintf(stderr, "warning: ignoring %s=%s: not a valid value\n", name, value);
}

}  // namespace

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* value = Get(name);
  return value != nullptr ? std::string(value) : fallback;
}

int64_t EnvOr(const char* name, int64_t fallback) {
  const char* value = Get(name);
  if (value == nullptr) return fallback;
  int64_t parsed = 0;
  if (!absl::SimpleAtoi(value, &parsed)) {
    WarnIgnored(name, value);
    return fallback;
  }
  return parsed;
}

int EnvOr(const char* name, int fallback) {
  return static_cast<int>(EnvOr(name, static_cast<int64_t>(fallback)));
}

bool EnvOr(const char* name, bool fallback) {
  const char* value = Get(name);
  if (value == nullptr) return fallback;
  bool parsed = false;
  if (!absl::SimpleAtob(value, &parsed)) {
    WarnIgnored(name, value);
    return fallback;
  }
  return parsed;
}

double EnvOr(const char* name, double fallback) {
  const char* value = Get(name);
  if (value == nullptr) return fallback;
  double parsed = 0;
  if (!absl::SimpleAtod(value, &parsed)) {
    WarnIgnored(name, value);
    return fallback;
  }
  return parsed;
}

absl::Duration EnvOr(const char* name, absl::Duration fallback) {
  const char* value = Get(name);
  if (value == nullptr) return fallback;
  absl::Duration parsed;
  if (!absl::ParseDuration(value, &parsed)) {
    WarnIgnored(name, value);
    return fallback;
  }
  return parsed;
}

void ParseFlags(int argc, char** argv, const char* usage, std::string version) {
  absl::FlagsUsageConfig config;
  if (!version.empty()) config.version_string = [version] { return version + "\n"; };
  auto ours = [](absl::string_view file) { return absl::EndsWith(file, "main.cc"); };
  config.contains_help_flags = ours;
  config.contains_helpshort_flags = ours;
  absl::SetFlagsUsageConfig(config);
  absl::SetProgramUsageMessage(usage);
  absl::ParseCommandLine(argc, argv);
}

}  // namespace syncd
