// The host an integration's syncs talk to, for the per-host concurrency limit: computed when an
// integration is saved and stored with it, so the dispatcher can count running syncs per host in SQL.
//
//   TargetHost(IntegrationType::kHttpJson, {{"url", "https://me@API.Example.com:8443/v1"}})
//       == "api.example.com"
//   TargetHost(IntegrationType::kDemo, {...}) == std::nullopt  // a DEMO sync talks to no one
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "sync_service/domain/model.h"

namespace syncd::domain {

// The host of an absolute URL ("scheme://[user[:password]@]host[:port][/...]"), lower-cased, without port,
// user info, IPv6 brackets or a trailing dot: the ports of one server share its capacity, and
// "API.example.com." is the same server as "api.example.com". nullopt when the URL has no host.
// The SQL backfill in V004__concurrency_limits.sql follows the same rules.
std::optional<std::string> HostOfUrl(std::string_view url);

// The target host of an integration: the host of an HTTP_JSON config's "url"; nullopt for DEMO and for a
// config without a usable url.
std::optional<std::string> TargetHost(IntegrationType type, const nlohmann::json& config);

}  // namespace syncd::domain
