#include "sync_service/domain/secrets.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "common/http_json_config.h"

namespace syncd::domain {
namespace {

constexpr const char* kSecretAuthKeys[] = {"token", "password", "key"};

// Where a config sends its secrets: lower-case scheme, host and port of `config.url` ("https://h:8443"),
// "" when there is no usable url. Two configs with the same origin send a secret to the same server.
std::string SecretOrigin(const nlohmann::json& config) {
  if (!config.is_object()) return "";
  auto url_field = config.find("url");
  if (url_field == config.end() || !url_field->is_string()) return "";
  const std::string url = url_field->get<std::string>();
  const std::string host = UrlHost(url);
  const size_t scheme_end = url.find("://");
  if (host.empty() || scheme_end == std::string::npos) return "";
  std::string authority = url.substr(scheme_end + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (const size_t at = authority.rfind('@'); at != std::string::npos) authority = authority.substr(at + 1);
  std::string port;
  if (const size_t host_at = authority.find(host); host_at != std::string::npos) {
    port = authority.substr(host_at + host.size());  // ":8443" or ""
  }
  std::string origin = url.substr(0, scheme_end) + "://" + host + port;
  std::transform(origin.begin(), origin.end(), origin.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return origin;
}

// The secret an auth kind sends ("" for none).
std::string SecretOfKind(const nlohmann::json& auth) {
  auto kind = auth.find("kind");
  if (kind == auth.end() || !kind->is_string()) return "";
  if (*kind == "bearer") return "token";
  if (*kind == "basic") return "password";
  if (*kind == "apiKey") return "key";
  return "";
}

}  // namespace

bool IsSecretKey(const std::string& object_key, const std::string& key) {
  if (object_key != "auth") return false;
  for (const char* k : kSecretAuthKeys) {
    if (key == k) return true;
  }
  return false;
}

nlohmann::json RedactSecrets(const nlohmann::json& config) {
  nlohmann::json out = config;
  auto auth = out.find("auth");
  if (auth == out.end() || !auth->is_object()) return out;
  for (auto& [key, value] : auth->items()) {
    if (IsSecretKey("auth", key) && !value.is_null()) value = kSecretMask;
  }
  return out;
}

nlohmann::json KeepUnchangedSecrets(const nlohmann::json& stored, const nlohmann::json& incoming,
                                    FieldViolations& violations) {
  nlohmann::json out = incoming;
  auto out_auth = out.find("auth");
  if (out_auth == out.end() || !out_auth->is_object()) return out;
  auto stored_auth = stored.find("auth");
  const bool had_auth = stored_auth != stored.end() && stored_auth->is_object();
  // A stored secret only goes to the server it was written for: a new destination needs it sent again.
  const bool same_destination = SecretOrigin(stored) == SecretOrigin(incoming);
  // A stored secret of another auth kind (a token after switching to basic) is not kept: it would stay
  // behind unseen and come back with a switch back.
  const std::string in_use = SecretOfKind(*out_auth);
  for (const char* key : kSecretAuthKeys) {
    auto new_value = out_auth->find(key);
    const bool masked = new_value != out_auth->end() && new_value->is_string() && *new_value == kSecretMask;
    const bool cleared =
        new_value != out_auth->end() &&
        (new_value->is_null() || (new_value->is_string() && new_value->get<std::string>().empty()));
    auto old_value = had_auth ? stored_auth->find(key) : stored.end();
    const bool had_secret = had_auth && old_value != stored_auth->end() && !old_value->is_null();
    if ((new_value == out_auth->end() || masked) && had_secret) {
      if (key != in_use) {
        out_auth->erase(key);
        continue;
      }
      if (!same_destination) {
        violations.push_back({std::string("config.auth.") + key,
                              "must be sent again when the url's scheme, host or port changes"});
        out_auth->erase(key);
        continue;
      }
      (*out_auth)[key] = *old_value;
    } else if (masked || cleared) {
      // A mask with nothing behind it, or an explicit removal: never store the mask itself.
      out_auth->erase(key);
    }
  }
  return out;
}

}  // namespace syncd::domain
