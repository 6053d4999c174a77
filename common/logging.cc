#include "common/logging.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "spdlog/sinks/stdout_sinks.h"
#include "spdlog/spdlog.h"

namespace syncd {

absl::Status InitLogging(const std::string& service, const std::string& format, const std::string& level) {
  // stderr is unbuffered: one write(2) per line. Buffer it; flush_on/flush_every below bound the delay.
  static char buffer[1 << 16];
  std::setvbuf(stderr, buffer, _IOFBF, sizeof(buffer));
  auto logger = spdlog::stderr_logger_mt(service);
  if (format == "text") {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  } else {
    return absl::InvalidArgumentError(absl::StrCat("log format must be text, not \"", format, "\""));
  }
  spdlog::level::level_enum lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off") {
    return absl::InvalidArgumentError(absl::StrCat("unknown log level \"", level, "\""));
  }
  logger->set_level(lvl);
  // Flushing every line costs a write(2) per line, which busy services cannot afford: flush warnings and
  // errors at once, the rest every second.
  logger->flush_on(spdlog::level::warn);
  spdlog::flush_every(std::chrono::seconds(1));
  spdlog::set_default_logger(logger);
  return absl::OkStatus();
}

}  // namespace syncd
