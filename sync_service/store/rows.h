// Reading domain values from result rows and writing parameters for SQL: shared by the store's classes.
#pragma once

#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "sync_service/domain/model.h"

namespace syncd::store {

std::optional<absl::Time> TimeOf(const pqxx::field& f);
std::optional<int64_t> MicrosOf(std::optional<absl::Time> t);

template <typename T>
std::optional<T> Opt(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<T>();
}

// Fields by column name for the rows of one result, each name looked up once. pqxx finds a column by name
// by copying the name and comparing it with every column's name, on every access: a tenth of
// sync_service's CPU in the sync loop went there. Use one Columns per result.
class Columns {
 public:
  pqxx::field operator()(const pqxx::row& row, absl::string_view name) {
    auto it = numbers_.find(name);
    if (it == numbers_.end()) it = numbers_.emplace(name, row.column_number(std::string(name))).first;
    return row[it->second];
  }

 private:
  absl::flat_hash_map<std::string, pqxx::row::size_type> numbers_;
};

domain::Integration IntegrationFromRow(const pqxx::row& row, Columns& c);
domain::Integration IntegrationFromRow(const pqxx::row& row);
domain::SyncRun RunFromRow(const pqxx::row& row, Columns& c);
domain::SyncRun RunFromRow(const pqxx::row& row);

// PostgreSQL array literals for unnest()/ANY() parameters: one round trip for a whole batch.
std::string TextArray(const std::vector<std::optional<std::string>>& values);
std::string TextArray(const std::vector<std::string>& values);
template <typename Int>
std::string IntArray(const std::vector<std::optional<Int>>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += values[i].has_value() ? std::to_string(*values[i]) : "NULL";
  }
  return out + "}";
}
std::string BoolArray(const std::vector<bool>& values);

}  // namespace syncd::store
