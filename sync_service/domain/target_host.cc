#include "sync_service/domain/target_host.h"

#include "absl/strings/ascii.h"

namespace syncd::domain {

std::optional<std::string> HostOfUrl(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0 || !absl::ascii_isalpha(url[0])) {
    return std::nullopt;
  }
  for (char c : url.substr(0, scheme_end)) {
    if (!absl::ascii_isalnum(c) && c != '+' && c != '.' && c != '-') return std::nullopt;
  }
  std::string_view authority = url.substr(scheme_end + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority = authority.substr(at + 1);
  }
  std::string_view host;
  if (!authority.empty() && authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(1, close - 1);
  } else {
    host = authority.substr(0, authority.find(':'));
  }
  while (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (host.empty()) return std::nullopt;
  return absl::AsciiStrToLower(std::string(host));
}

std::optional<std::string> TargetHost(IntegrationType type, const nlohmann::json& config) {
  if (type != IntegrationType::kHttpJson || !config.is_object()) return std::nullopt;
  auto url = config.find("url");
  if (url == config.end() || !url->is_string()) return std::nullopt;
  return HostOfUrl(url->get_ref<const std::string&>());
}

}  // namespace syncd::domain
