// Global concurrency limits: how many syncs may run at once across all workers and replicas, in total and
// per target host, and how much of that room a claim may take. Pure arithmetic; the counts come from the
// database (see store::DispatchStore::Claim, which reads them under a lock that serialises limited claims).
//
//   ConcurrencyLimits in_force = Strictest(own_flags, strictest_of_other_replicas);
//   ClaimRoom room(in_force, running_now);           // running_now: RUNNING runs by target host
//   int n = room.Slots(free_worker_slots);           // how many runs this claim may start
//   ... claim at most n, skipping room.FullHosts() ...
//   room.Started(host_of_each_claimed_run);
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace syncd::schedule {

// 0 = unlimited.
struct ConcurrencyLimits {
  int32_t max_concurrent_syncs = 0;
  int32_t max_concurrent_syncs_per_host = 0;

  bool any() const { return max_concurrent_syncs > 0 || max_concurrent_syncs_per_host > 0; }
  friend bool operator==(const ConcurrencyLimits& a, const ConcurrencyLimits& b) {
    return a.max_concurrent_syncs == b.max_concurrent_syncs &&
           a.max_concurrent_syncs_per_host == b.max_concurrent_syncs_per_host;
  }
};

// The stricter of two limits (0 counts as unlimited): the limit in force when replicas are configured
// differently, so that no configured limit is ever exceeded.
int32_t Strictest(int32_t a, int32_t b);
ConcurrencyLimits Strictest(const ConcurrencyLimits& a, const ConcurrencyLimits& b);

// Syncs running now: in total, and per target host (runs of integrations without a host count only in the
// total).
struct RunningSyncs {
  int64_t total = 0;
  std::map<std::string, int64_t> by_host;
};

// The room a claim has under the limits, updated as it starts runs.
class ClaimRoom {
 public:
  ClaimRoom(ConcurrencyLimits limits, RunningSyncs running);

  // How many of `wanted` runs may start now under the global limit.
  int Slots(int wanted) const;
  // Hosts at their limit: nothing of theirs may start now.
  std::vector<std::string> FullHosts() const;
  // Call for every run a claim started (host nullopt: its integration has no target host).
  void Started(const std::optional<std::string>& host);
  // The global limit is reached: nothing may start until a run ends.
  bool GloballyFull() const;

  const RunningSyncs& running() const { return running_; }
  const ConcurrencyLimits& limits() const { return limits_; }

 private:
  ConcurrencyLimits limits_;
  RunningSyncs running_;
};

}  // namespace syncd::schedule
