#include "sync_service/domain/target_host.h"

#include "absl/strings/ascii.h"
#include "common/http_json_config.h"

namespace syncd::domain {

std::optional<std::string> HostOfUrl(std::string_view url) {
  // The connector's own URL parser finds the host; counting needs one spelling per host.
  std::string host = UrlHost(std::string(url));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  while (!host.empty() && host.back() == '.') host.pop_back();
  if (host.empty()) return std::nullopt;
  absl::AsciiStrToLower(&host);
  return host;
}

std::optional<std::string> TargetHost(IntegrationType type, const nlohmann::json& config) {
  if (type != IntegrationType::kHttpJson || !config.is_object()) return std::nullopt;
  auto url = config.find("url");
  if (url == config.end() || !url->is_string()) return std::nullopt;
  return HostOfUrl(url->get_ref<const std::string&>());
}

}  // namespace syncd::domain
