// Ids of sync runs: UUIDs with the version 7 layout (RFC 9562): the Unix time in milliseconds, then random
// bits. Runs made later sort later, so new rows append to the primary-key index of sync_runs instead of
// landing on random pages of it. The same layout as the database's syncd_uuid_v7() (migration V002), made
// here for the claim's runs because computing it in SQL cost more than the rest of the insert.
#pragma once

#include <string>

#include "absl/random/bit_gen_ref.h"
#include "absl/time/time.h"

namespace syncd::domain {

// Canonical lower-case text, e.g. "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".
std::string NewRunId(absl::Time now, absl::BitGenRef gen);

}  // namespace syncd::domain
