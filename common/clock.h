// Time as a dependency: stores and the dispatcher take a Clock& rather than calling absl::Now(). The pure
// scheduling functions go further and take `now` as an argument, so their tests pass times in directly.
//
//   RealClock clock;
//   SyncStore store(pool, clock);
#pragma once

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace syncd {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

class RealClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

}  // namespace syncd
