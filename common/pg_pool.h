// A fixed-size pool of libpqxx connections with prepared statements, and a transaction runner that maps
// libpqxx exceptions to absl::Status once, here:
//
//   PgPool pool({.url = database_url, .size = 8}, [](pqxx::connection& c) { c.prepare("q", "..."); });
//   absl::StatusOr<int> n = pool.Transact<int>([](pqxx::work& tx) { return
//   tx.exec_prepared1("q")[0].as<int>(); });
//
// Connections are opened lazily and replaced when they break. A transaction that fails with a
// serialization failure or deadlock is retried; a connection lost before commit is retried on a fresh one.
// Failures to reach the database are UNAVAILABLE.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace syncd {

// Maps an exception thrown by libpqxx (or by code inside a transaction) to a status.
absl::Status PgExceptionToStatus(const std::exception& e);
// The first line of a PostgreSQL error without its severity: "duplicate key value violates ...". The DETAIL,
// CONTEXT and HINT lines that follow may quote the data at fault.
std::string PgPrimaryMessage(absl::string_view what);

// Whether `url` (a PostgreSQL URL or key=value string) says what its writer meant, checked with libpq's own
// parser: a password with a raw @ # ? or / shifts the rest into the host or port, and libpq's connection
// errors would then quote those parts, a piece of the password among them. INVALID_ARGUMENT, quoting
// nothing, when it cannot parse or its host or port is not one.
absl::Status CheckDatabaseUrl(const std::string& url);

class PgPool {
 public:
  struct Options {
    std::string url;
    int size = 8;
    // How long Acquire waits for a free connection before giving up with UNAVAILABLE.
    absl::Duration acquire_timeout = absl::Seconds(10);
  };
  // Called on every new connection, e.g. to prepare statements.
  using OnConnect = std::function<void(pqxx::connection&)>;

  PgPool(Options options, OnConnect on_connect);
  ~PgPool();
  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;

  // A borrowed connection, returned to the pool on destruction. Call MarkBroken() after an error that may
  // have left the connection unusable; it is then closed instead of reused.
  class Lease {
   public:
    Lease(PgPool* pool, std::unique_ptr<pqxx::connection> conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    pqxx::connection& operator*() { return *conn_; }
    pqxx::connection* operator->() { return conn_.get(); }
    void MarkBroken() { broken_ = true; }

   private:
    PgPool* pool_;
    std::unique_ptr<pqxx::connection> conn_;
    bool broken_ = false;
  };

  absl::StatusOr<Lease> Acquire();

  // Runs fn(tx) in a read-write transaction and commits it. fn returns T or absl::StatusOr<T>; a non-OK
  // status rolls back. Exceptions are mapped with PgExceptionToStatus.
  template <typename T, typename Fn>
  absl::StatusOr<T> Transact(Fn&& fn) {
    return Run<pqxx::work, T>(std::forward<Fn>(fn));
  }

  // Runs fn(tx) without BEGIN and COMMIT: each statement commits on its own. For reads of one statement,
  // which see one snapshot anyway; saves two round trips per call. fn takes a pqxx::nontransaction&.
  template <typename T, typename Fn>
  absl::StatusOr<T> Read(Fn&& fn) {
    return Run<pqxx::nontransaction, T>(std::forward<Fn>(fn));
  }

  // Checks that the database answers.
  absl::Status Ping();

 private:
  template <typename Tx, typename T, typename Fn>
  absl::StatusOr<T> Run(Fn&& fn) {
    constexpr int kMaxAttempts = 3;
    absl::Status last;
    for (int attempt = 1; attempt <= kMaxAttempts; ++attempt) {
      absl::StatusOr<Lease> lease = Acquire();
      if (!lease.ok()) return lease.status();
      bool retryable = false;
      try {
        Tx tx(**lease);
        absl::StatusOr<T> result = fn(tx);
        if (!result.ok()) return result.status();  // a transaction rolls back in its destructor
        tx.commit();
        return result;
      } catch (const pqxx::broken_connection& e) {
        lease->MarkBroken();
        last = PgExceptionToStatus(e);
        retryable = true;
      } catch (const pqxx::in_doubt_error& e) {
        lease->MarkBroken();
        return PgExceptionToStatus(e);
      } catch (const pqxx::sql_error& e) {
        last = PgExceptionToStatus(e);
        const std::string& state = e.sqlstate();
        retryable = state == "40001" || state == "40P01";
        if (!(**lease).is_open()) lease->MarkBroken();
      } catch (const std::exception& e) {
        return PgExceptionToStatus(e);
      }
      if (!retryable) return last;
    }
    return last;
  }

  void Release(std::unique_ptr<pqxx::connection> conn, bool broken);

  const Options options_;
  const OnConnect on_connect_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;  // idle + borrowed
};

}  // namespace syncd
