// Versioned schema migrations (sync_service/migrations/V###__name.sql, compiled into the binary) applied at
// startup. Replicas starting together serialise on a PostgreSQL advisory lock, so each migration runs once.
//
//   RETURN_IF_ERROR(store::ApplyMigrations(database_url));
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace syncd::store {

struct Migration {
  int version;
  std::string name;
  std::string sql;
};

// All migrations of this build, by version (generated from sync_service/migrations/).
const std::vector<Migration>& EmbeddedMigrations();

// Applies the migrations not yet recorded in schema_migrations, each in its own transaction. Fails with
// FAILED_PRECONDITION when an applied migration's text differs from this build's (someone edited a released
// migration); UNAVAILABLE when the database cannot be reached.
absl::Status ApplyMigrations(const std::string& database_url, const std::vector<Migration>& migrations);

}  // namespace syncd::store
