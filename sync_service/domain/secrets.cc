#include "sync_service/domain/secrets.h"

namespace syncd::domain {
namespace {

constexpr const char* kSecretAuthKeys[] = {"token", "password", "key"};

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

nlohmann::json KeepUnchangedSecrets(const nlohmann::json& stored, const nlohmann::json& incoming) {
  nlohmann::json out = incoming;
  auto out_auth = out.find("auth");
  if (out_auth == out.end() || !out_auth->is_object()) return out;
  auto stored_auth = stored.find("auth");
  const bool had_auth = stored_auth != stored.end() && stored_auth->is_object();
  for (const char* key : kSecretAuthKeys) {
    auto new_value = out_auth->find(key);
    const bool masked = new_value != out_auth->end() && new_value->is_string() && *new_value == kSecretMask;
    const bool cleared =
        new_value != out_auth->end() &&
        (new_value->is_null() || (new_value->is_string() && new_value->get<std::string>().empty()));
    auto old_value = had_auth ? stored_auth->find(key) : stored.end();
    const bool had_secret = had_auth && old_value != stored_auth->end() && !old_value->is_null();
    if ((new_value == out_auth->end() || masked) && had_secret) {
      (*out_auth)[key] = *old_value;
    } else if (masked || cleared) {
      // A mask with nothing behind it, or an explicit removal: never store the mask itself.
      out_auth->erase(key);
    }
  }
  return out;
}

}  // namespace syncd::domain
