#include "sync_service/schedule/concurrency_limits.h"

#include <algorithm>

namespace syncd::schedule {

int32_t Strictest(int32_t a, int32_t b) {
  if (a <= 0) return std::max(b, 0);
  if (b <= 0) return a;
  return std::min(a, b);
}

ConcurrencyLimits Strictest(const ConcurrencyLimits& a, const ConcurrencyLimits& b) {
  return {Strictest(a.max_concurrent_syncs, b.max_concurrent_syncs),
          Strictest(a.max_concurrent_syncs_per_host, b.max_concurrent_syncs_per_host)};
}

ClaimRoom::ClaimRoom(ConcurrencyLimits limits, RunningSyncs running)
    : limits_(limits), running_(std::move(running)) {}

int ClaimRoom::Slots(int wanted) const {
  if (wanted <= 0) return 0;
  if (limits_.max_concurrent_syncs <= 0) return wanted;
  const int64_t room = limits_.max_concurrent_syncs - running_.total;
  return static_cast<int>(std::clamp<int64_t>(room, 0, wanted));
}

std::vector<std::string> ClaimRoom::FullHosts() const {
  std::vector<std::string> full;
  if (limits_.max_concurrent_syncs_per_host <= 0) return full;
  for (const auto& [host, n] : running_.by_host) {
    if (n >= limits_.max_concurrent_syncs_per_host) full.push_back(host);
  }
  return full;
}

void ClaimRoom::Started(const std::optional<std::string>& host) {
  ++running_.total;
  if (host.has_value()) ++running_.by_host[*host];
}

bool ClaimRoom::GloballyFull() const {
  return limits_.max_concurrent_syncs > 0 && running_.total >= limits_.max_concurrent_syncs;
}

}  // namespace syncd::schedule
