#include "common/pg_pool.h"

#include <libpq-fe.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "spdlog/spdlog.h"

namespace syncd {

std::string PgPrimaryMessage(absl::string_view what) {
  absl::string_view line = what.substr(0, what.find('\n'));
  for (absl::string_view severity : {"ERROR:", "FATAL:", "PANIC:"}) {
    if (absl::ConsumePrefix(&line, severity)) break;
  }
  return std::string(absl::StripAsciiWhitespace(line));
}

absl::Status CheckDatabaseUrl(const std::string& url) {
  static constexpr char kHowToWrite[] =
      "; write @ : / ? # % in its user name or password as %40 %3A %2F %3F %23 %25, or use a password of "
      "letters, digits and - _ . ~ only";
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (options == nullptr) {
    if (error != nullptr) PQfreemem(error);  // it may quote the string, password and all
    return absl::InvalidArgumentError(absl::StrCat(
        "--database_url (DATABASE_URL) is not a PostgreSQL URL that libpq can read", kHowToWrite));
  }
  // The part a shifted user name or password would land in ("" while none did).
  absl::string_view misread;
  for (const PQconninfoOption* o = options; o->keyword != nullptr && misread.empty(); ++o) {
    if (o->val == nullptr) continue;
    const absl::string_view keyword = o->keyword;
    const absl::string_view value = o->val;
    if (keyword == "host" && value.find_first_of("@#?") != absl::string_view::npos) misread = "host";
    if (keyword == "port" && value.find_first_not_of("0123456789,") != absl::string_view::npos)
      misread = "port";
  }
  PQconninfoFree(options);
  if (misread.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "--database_url (DATABASE_URL) would be read with part of its user name or password as the ", misread,
      kHowToWrite));
}

absl::Status PgExceptionToStatus(const std::exception& e) {
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) {
    return absl::UnavailableError(absl::StrCat("database unavailable: ", PgPrimaryMessage(e.what())));
  }
  if (dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr) {
    return absl::UnavailableError(
        "database connection lost during commit; the change may or may not be stored");
  }
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e); sql != nullptr) {
    const std::string& state = sql->sqlstate();
    // The first line only: DETAIL and CONTEXT quote the data of the row or value at fault (a config with
    // its secrets, a record), and the status travels to the API's caller and the logs.
    const std::string message = PgPrimaryMessage(sql->what());
    if (state == "23505") return absl::AlreadyExistsError(message);
    if (state.rfind("23", 0) == 0) return absl::FailedPreconditionError(message);
    if (state == "40001" || state == "40P01") return absl::AbortedError(message);
    // Class 08: connection exception; 57P: operator intervention (shutdown, admin); 53: resources.
    if (state.rfind("08", 0) == 0 || state.rfind("57P", 0) == 0 || state.rfind("53", 0) == 0) {
      return absl::UnavailableError(absl::StrCat("database unavailable: ", message));
    }
    // Class 22: data the database cannot take (an invalid value, a character it cannot store); retrying
    // the same data cannot help.
    if (state.rfind("22", 0) == 0) return absl::InvalidArgumentError(message);
    return absl::InternalError(absl::StrCat("database error ", state, ": ", message));
  }
  return absl::InternalError(PgPrimaryMessage(e.what()));
}

PgPool::PgPool(Options options, OnConnect on_connect)
    : options_(std::move(options)), on_connect_(std::move(on_connect)) {}

PgPool::~PgPool() = default;

PgPool::Lease::~Lease() {
  if (pool_ != nullptr && conn_ != nullptr) pool_->Release(std::move(conn_), broken_);
}

absl::StatusOr<PgPool::Lease> PgPool::Acquire() {
  {
    absl::MutexLock lock(&mu_);
    auto available = [this]()
                         ABSL_SHARED_LOCKS_REQUIRED(mu_) { return !idle_.empty() || open_ < options_.size; };
    if (!mu_.AwaitWithTimeout(absl::Condition(&available), options_.acquire_timeout)) {
      return absl::UnavailableError("no database connection free: the pool is exhausted");
    }
    if (!idle_.empty()) {
      std::unique_ptr<pqxx::connection> conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(conn));
    }
    ++open_;  // reserve the slot; connect outside the lock
  }
  try {
    auto conn = std::make_unique<pqxx::connection>(options_.url);
    if (on_connect_) on_connect_(*conn);
    return Lease(this, std::move(conn));
  } catch (const std::exception& e) {
    absl::MutexLock lock(&mu_);
    --open_;
    return PgExceptionToStatus(e);
  }
}

void PgPool::Release(std::unique_ptr<pqxx::connection> conn, bool broken) {
  if (broken || !conn->is_open()) {
    try {
      conn.reset();
    } catch (...) {
      // Closing a dead connection must not take the caller down.
    }
    absl::MutexLock lock(&mu_);
    --open_;
    return;
  }
  absl::MutexLock lock(&mu_);
  idle_.push_back(std::move(conn));
}

absl::Status PgPool::Ping() {
  absl::StatusOr<int> one = Transact<int>([](pqxx::work& tx) { return tx.exec1("SELECT 1")[0].as<int>(); });
  return one.status();
}

}  // namespace syncd
