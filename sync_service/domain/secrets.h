// Secret connector settings (tokens, passwords, API keys) are write-only: stored and handed to the worker,
// never returned by the API. Responses show "********" where a secret is set; an update that leaves a
// secret out, or sends "********" back, keeps the stored one — unless the update moves config.url to
// another scheme, host or port: then each stored secret must be sent again, so whoever may edit an
// integration cannot point it at their own server and receive the secret.
//
//   nlohmann::json shown = RedactSecrets(integration.config);          // for responses
//   nlohmann::json stored = KeepUnchangedSecrets(current.config, new_config, violations);  // on update
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/field_violation.h"

namespace syncd::domain {

// What a response shows instead of a secret's value.
inline constexpr char kSecretMask[] = "********";

// The paths of secret settings: auth.token, auth.password, auth.key (any integration type).
bool IsSecretKey(const std::string& object_key, const std::string& key);

// A copy of `config` with every set secret replaced by kSecretMask.
nlohmann::json RedactSecrets(const nlohmann::json& config);

// `incoming` with each secret that is missing or kSecretMask taken from `stored` (when it had one), and
// the same auth kind. A secret sent as null or "" is removed. When the url's scheme, host or port differs
// from the stored one, a secret that would be kept is not: a violation "config.auth.<key>" is added.
nlohmann::json KeepUnchangedSecrets(const nlohmann::json& stored, const nlohmann::json& incoming,
                                    FieldViolations& violations);

}  // namespace syncd::domain
