#include "sync_service/store/migrations.h"

#include <cstdint>
#include <map>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/pg_pool.h"
#include "spdlog/spdlog.h"

namespace syncd::store {
namespace {

// "syncd" in ASCII: the advisory lock that serialises migrations across replicas.
constexpr int64_t kMigrationLockKey = 0x73796e6364;

// FNV-1a: stable across compilers and runs, unlike std::hash.
std::string Checksum(const std::string& text) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return absl::StrFormat("%016x", h);
}

}  // namespace

absl::Status ApplyMigrations(const std::string& database_url, const std::vector<Migration>& migrations) {
  try {
    pqxx::connection conn(database_url);
    {
      pqxx::nontransaction tx(conn);
      tx.exec_params("SELECT pg_advisory_lock($1)", kMigrationLockKey);
      tx.exec(
          "CREATE TABLE IF NOT EXISTS schema_migrations ("
          "  version integer PRIMARY KEY,"
          "  name text NOT NULL,"
          "  checksum text NOT NULL,"
          "  applied_at timestamptz NOT NULL DEFAULT now())");
    }
    std::map<int, std::string> applied;  // version -> checksum
    {
      pqxx::nontransaction tx(conn);
      for (const auto& row : tx.exec("SELECT version, checksum FROM schema_migrations")) {
        applied[row[0].as<int>()] = row[1].as<std::string>();
      }
    }
    absl::Status result = absl::OkStatus();
    for (const Migration& m : migrations) {
      const std::string checksum = Checksum(m.sql);
      auto it = applied.find(m.version);
      if (it != applied.end()) {
        if (it->second != checksum) {
          result = absl::FailedPreconditionError(
              absl::StrCat("migration V", m.version, "__", m.name,
                           " was changed after it was applied; add a new migration instead of editing it"));
          break;
        }
        continue;
      }
      pqxx::work tx(conn);
      tx.exec(m.sql);
      tx.exec_params("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", m.version,
                     m.name, checksum);
      tx.commit();
      spdlog::info("applied migration V{:03d}__{}", m.version, m.name);
    }
    if (!applied.empty() && !migrations.empty() && applied.rbegin()->first > migrations.back().version) {
      spdlog::warn("the database has migrations up to V{:03d}, newer than this build knows (V{:03d})",
                   applied.rbegin()->first, migrations.back().version);
    }
    pqxx::nontransaction unlock(conn);
    unlock.exec_params("SELECT pg_advisory_unlock($1)", kMigrationLockKey);
    return result;
  } catch (const std::exception& e) {
    // The session lock ends with the connection.
    absl::Status status = PgExceptionToStatus(e);
    return absl::Status(status.code(), absl::StrCat("applying migrations: ", status.message()));
  }
}

}  // namespace syncd::store
