#include "common/logging.h"

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "spdlog/sinks/base_sink.h"
#include "spdlog/spdlog.h"

namespace syncd {
namespace {

void Append(spdlog::memory_buf_t& dest, std::string_view s) { dest.append(s.data(), s.data() + s.size()); }

// Length of the valid UTF-8 sequence at s[i], or 0 when the bytes there are not one.
size_t Utf8Length(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  size_t n = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  }
  const auto c1 = static_cast<unsigned char>(s[i + 1]);
  if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F) || (c == 0xF0 && c1 < 0x90) ||
      (c == 0xF4 && c1 > 0x8F)) {
    return 0;  // overlong, surrogate or beyond U+10FFFF
  }
  return n;
}

// A JSON string: quotes, backslashes and control characters escaped; bytes that are not UTF-8 (a message
// may quote what a remote API sent) become U+FFFD, so every line is valid JSON.
void AppendJsonString(spdlog::memory_buf_t& dest, std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  dest.push_back('"');
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const size_t n = Utf8Length(s, i);
      if (n == 0) {
        Append(dest, "\\ufffd");
        ++i;
      } else {
        Append(dest, s.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"':
        Append(dest, "\\\"");
        break;
      case '\\':
        Append(dest, "\\\\");
        break;
      case '\n':
        Append(dest, "\\n");
        break;
      case '\r':
        Append(dest, "\\r");
        break;
      case '\t':
        Append(dest, "\\t");
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          const char esc[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
          dest.append(esc, esc + sizeof(esc));
        } else {
          dest.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  dest.push_back('"');
}

bool IsKey(std::string_view key) {
  if (key.empty() || key.size() > 40 || !(key[0] >= 'a' && key[0] <= 'z')) return false;
  for (char c : key) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

bool Reserved(std::string_view key) {
  return key == "ts" || key == "level" || key == "service" || key == "msg" || key == "thread";
}

class JsonLogFormatter final : public spdlog::formatter {
 public:
  explicit JsonLogFormatter(std::string service) : service_(std::move(service)) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    Append(dest, R"({"ts":")");
    Append(dest, absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromChrono(msg.time), absl::UTCTimeZone()));
    Append(dest, R"(","level":)");
    const auto level = spdlog::level::to_string_view(msg.level);
    AppendJsonString(dest, std::string_view(level.data(), level.size()));
    Append(dest, R"(,"service":)");
    AppendJsonString(dest, service_);
    Append(dest, R"(,"msg":)");
    AppendJsonString(dest, payload);
    AppendFields(payload, dest);
    Append(dest, "}\n");
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonLogFormatter>(service_);
  }

 private:
  // key=value tokens of the message as fields; the first of each key wins.
  static void AppendFields(std::string_view payload, spdlog::memory_buf_t& dest) {
    std::string_view seen[16];
    size_t seen_count = 0;
    size_t pos = 0;
    while (pos < payload.size() && seen_count < 16) {
      const size_t start = payload.find_first_not_of(' ', pos);
      if (start == std::string_view::npos) break;
      size_t end = payload.find(' ', start);
      if (end == std::string_view::npos) end = payload.size();
      pos = end;
      const std::string_view token = payload.substr(start, end - start);
      const size_t eq = token.find('=');
      if (eq == std::string_view::npos) continue;
      const std::string_view key = token.substr(0, eq);
      if (!IsKey(key) || Reserved(key)) continue;
      std::string_view value = token.substr(eq + 1);
      const bool rest_of_line = key == "error";
      if (rest_of_line) value = payload.substr(start + eq + 1);
      bool duplicate = false;
      for (size_t i = 0; i < seen_count; ++i) duplicate = duplicate || seen[i] == key;
      if (!duplicate) {
        seen[seen_count++] = key;
        dest.push_back(',');
        AppendJsonString(dest, key);
        dest.push_back(':');
        AppendJsonString(dest, value);
      }
      if (rest_of_line) break;
    }
  }

  const std::string service_;
};

// stderr through its stdio buffer. spdlog's own stderr sink calls fflush after every line (one write(2) per
// line: a few µs of a busy service's request, and a system call per RPC); this one leaves flushing to the
// logger (flush_on, flush_every) and to the process's exit.
//
// In text, a message that holds a line break (a remote API's text, an admin's input) would print a second
// line that looks like one of ours: control characters are written escaped (\n, \r, \t, \xNN). JSON
// escapes them itself.
class BufferedStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit BufferedStderrSink(bool escape_controls) : escape_controls_(escape_controls) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    if (escape_controls_ &&
        std::any_of(payload.begin(), payload.end(), [](char c) { return IsControl(c); })) {
      std::string escaped = EscapeControls(payload);
      spdlog::details::log_msg copy = msg;
      copy.payload = spdlog::string_view_t(escaped.data(), escaped.size());
      formatter_->format(copy, formatted);
    } else {
      formatter_->format(msg, formatted);
    }
    std::fwrite(formatted.data(), 1, formatted.size(), stderr);
  }
  void flush_() override { std::fflush(stderr); }

 private:
  static bool IsControl(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

  static std::string EscapeControls(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 8);
    for (char c : text) {
      if (!IsControl(c)) {
        out.push_back(c);
      } else if (c == '\n') {
        out += "\\n";
      } else if (c == '\r') {
        out += "\\r";
      } else if (c == '\t') {
        out += "\\t";
      } else {
        absl::StrAppend(&out, "\\x", absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
      }
    }
    return out;
  }

  const bool escape_controls_;
};

}  // namespace

std::unique_ptr<spdlog::formatter> MakeJsonLogFormatter(std::string service) {
  return std::make_unique<JsonLogFormatter>(std::move(service));
}

absl::Status InitLogging(const std::string& service, const std::string& format, const std::string& level) {
  if (format != "text" && format != "json") {
    return absl::InvalidArgumentError(absl::StrCat("log format must be text or json, not \"", format, "\""));
  }
  spdlog::level::level_enum lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off") {
    return absl::InvalidArgumentError(absl::StrCat("unknown log level \"", level, "\""));
  }
  // stderr is unbuffered: one write(2) per line. Buffer it; flush_on/flush_every below bound the delay.
  static char buffer[1 << 16];
  std::setvbuf(stderr, buffer, _IOFBF, sizeof(buffer));
  auto logger = std::make_shared<spdlog::logger>(
      service, std::make_shared<BufferedStderrSink>(/*escape_controls=*/format == "text"));
  spdlog::register_logger(logger);  // for flush_every
  if (format == "json") {
    logger->set_formatter(MakeJsonLogFormatter(service));
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
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
