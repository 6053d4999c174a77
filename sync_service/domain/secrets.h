// Secret connector settings (tokens, passwords, API keys) are write-only: stored and handed to the worker,
// never returned by the API. Responses show "********" where a secret is set; an update that leaves a
// secret out, or sends "********" back, keeps the stored one.
//
//   nlohmann::json shown = RedactSecrets(integration.config);          // for responses
//   nlohmann::json stored = KeepUnchangedSecrets(current.config, new_config);  // on update
#pragma once

#include <nlohmann/json.hpp>

namespace syncd::domain {

// What a response shows instead of a secret's value.
inline constexpr char kSecretMask[] = "********";

// The paths of secret settings: auth.token, auth.password, auth.key (any integration type).
bool IsSecretKey(const std::string& object_key, const std::string& key);

// A copy of `config` with every set secret replaced by kSecretMask.
nlohmann::json RedactSecrets(const nlohmann::json& config);

// `incoming` with each secret that is missing or kSecretMask taken from `stored` (when it had one), and
// the same auth kind. A secret sent as null or "" is removed.
nlohmann::json KeepUnchangedSecrets(const nlohmann::json& stored, const nlohmann::json& incoming);

}  // namespace syncd::domain
