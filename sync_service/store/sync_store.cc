#include "sync_service/store/sync_store.h"

#include <algorithm>
#include <limits>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "sync_service/domain/target_host.h"
#include "sync_service/store/queries.h"
#include "sync_service/store/rows.h"

namespace syncd::store {
namespace {

using domain::Integration;
using domain::SyncRun;

absl::Status NotFound(const std::string& id) {
  return absl::NotFoundError(absl::StrCat("integration ", id, " not found"));
}

// A taken name is the user's to fix: say which name, as a field error.
absl::Status NameTakenIfDuplicate(absl::Status status, const std::string& name) {
  if (status.code() != absl::StatusCode::kAlreadyExists) return status;
  return absl::AlreadyExistsError(absl::StrCat("name: an integration named \"", name, "\" already exists"));
}

void WriteIntegration(pqxx::work& tx, const Integration& i) {
  tx.exec_prepared0(sql::kUpdateIntegration.name, i.id, i.name, std::string(domain::Name(i.type)),
                    i.config.dump(), i.sync_interval_seconds, i.sync_enabled, MicrosOf(i.next_sync_at),
                    i.retry_count, i.paused_reason, absl::ToUnixMicros(i.updated_at),
                    domain::TargetHost(i.type, i.config));
}

}  // namespace

void SyncStore::PrepareStatements(pqxx::connection& conn) {
  for (const Statement* s : AllStatements()) conn.prepare(s->name, s->sql);
}

absl::StatusOr<Integration> SyncStore::CreateIntegration(const domain::IntegrationChanges& changes) {
  Integration fresh;
  FieldViolations violations = domain::NewIntegration(changes, clock_.Now(), fresh, rules_);
  if (!violations.empty()) return InvalidArgumentError(violations);
  absl::StatusOr<Integration> created = pool_.Transact<Integration>([&](pqxx::work& tx) {
    const std::string id =
        tx.exec_prepared1(sql::kInsertIntegration.name, fresh.name, std::string(domain::Name(fresh.type)),
                          fresh.config.dump(), fresh.sync_interval_seconds, fresh.sync_enabled,
                          MicrosOf(fresh.next_sync_at), absl::ToUnixMicros(fresh.created_at),
                          domain::TargetHost(fresh.type, fresh.config))[0]
            .as<std::string>();
    tx.exec_prepared(sql::kNotifyDispatch.name);
    return IntegrationFromRow(tx.exec_prepared1(sql::kGetIntegration.name, id));
  });
  if (!created.ok()) return NameTakenIfDuplicate(created.status(), fresh.name);
  return created;
}

SyncStore::SyncStore(PgPool& pool, const Clock& clock, domain::IntervalRules rules, int integration_readers)
    : pool_(pool),
      clock_(clock),
      rules_(rules),
      integration_reads_(integration_readers,
                         [this](const std::vector<std::string>& ids) { return ReadIntegrations(ids); }) {}

absl::StatusOr<Integration> SyncStore::GetIntegration(const std::string& id) {
  if (!domain::IsUuid(id)) {
    // Not an id PostgreSQL's uuid type takes: on its own, so that it fails alone.
    return pool_.Read<Integration>([&](pqxx::nontransaction& tx) -> absl::StatusOr<Integration> {
      pqxx::result r = tx.exec_prepared(sql::kGetIntegration.name, id);
      if (r.empty()) return NotFound(id);
      return IntegrationFromRow(r[0]);
    });
  }
  // The batch matches rows by id::text, which PostgreSQL prints in lower case.
  absl::StatusOr<Integration> integration = integration_reads_.Get(absl::AsciiStrToLower(id));
  if (absl::IsNotFound(integration.status())) return NotFound(id);
  return integration;
}

void SyncStore::GetIntegration(const std::string& id, std::function<void(absl::StatusOr<Integration>)> done) {
  if (!domain::IsUuid(id)) {
    done(absl::InvalidArgumentError(absl::StrCat("integration id \"", id, "\" is not a UUID")));
    return;
  }
  integration_reads_.Get(absl::AsciiStrToLower(id),
                         [id, done = std::move(done)](absl::StatusOr<Integration> integration) {
                           if (absl::IsNotFound(integration.status())) integration = NotFound(id);
                           done(std::move(integration));
                         });
}

std::vector<absl::StatusOr<Integration>> SyncStore::ReadIntegrations(const std::vector<std::string>& ids) {
  absl::StatusOr<std::vector<absl::StatusOr<Integration>>> results =
      pool_.Read<std::vector<absl::StatusOr<Integration>>>([&](pqxx::nontransaction& tx) {
        std::vector<absl::StatusOr<Integration>> out;
        out.reserve(ids.size());
        // The hot read path: each statement's columns are looked up once per reader thread (a statement's
        // columns never change).
        if (ids.size() == 1) {
          // Alone: the single-row statement, as before batching.
          static thread_local Columns single_columns;
          pqxx::result r = tx.exec_prepared(sql::kGetIntegration.name, ids[0]);
          out.push_back(r.empty() ? absl::StatusOr<Integration>(NotFound(ids[0]))
                                  : IntegrationFromRow(r[0], single_columns));
          return out;
        }
        static thread_local Columns batch_columns;
        absl::flat_hash_map<std::string, Integration> found;
        for (const auto& row : tx.exec_prepared(sql::kGetIntegrations.name, TextArray(ids))) {
          Integration i = IntegrationFromRow(row, batch_columns);
          std::string key = i.id;
          found.emplace(std::move(key), std::move(i));
        }
        for (const std::string& id : ids) {
          auto it = found.find(id);
          out.push_back(it == found.end() ? absl::StatusOr<Integration>(NotFound(id))
                                          : std::move(it->second));
        }
        return out;
      });
  if (!results.ok()) return std::vector<absl::StatusOr<Integration>>(ids.size(), results.status());
  return *std::move(results);
}

absl::StatusOr<IntegrationPage> SyncStore::ListIntegrations(const domain::PageRequest& page) {
  return pool_.Transact<IntegrationPage>([&](pqxx::work& tx) {
    IntegrationPage out;
    out.total = tx.exec_prepared1(sql::kCountIntegrations.name)[0].as<int32_t>();
    const int64_t offset = static_cast<int64_t>(page.page - 1) * page.page_size;
    if (offset < out.total) {
      Columns c;
      for (const auto& row : tx.exec_prepared(sql::kListIntegrations.name, page.page_size, offset)) {
        out.integrations.push_back(IntegrationFromRow(row, c));
      }
    }
    return out;
  });
}

absl::StatusOr<Integration> SyncStore::UpdateIntegration(const std::string& id,
                                                         const domain::IntegrationChanges& changes) {
  std::string name;
  absl::StatusOr<Integration> updated =
      pool_.Transact<Integration>([&](pqxx::work& tx) -> absl::StatusOr<Integration> {
        pqxx::result r = tx.exec_prepared(sql::kLockIntegration.name, id);
        if (r.empty()) return NotFound(id);
        Integration next;
        FieldViolations violations =
            domain::ApplyChanges(IntegrationFromRow(r[0]), changes, clock_.Now(), next, rules_);
        if (!violations.empty()) return InvalidArgumentError(violations);
        name = next.name;
        WriteIntegration(tx, next);
        return IntegrationFromRow(tx.exec_prepared1(sql::kGetIntegration.name, id));
      });
  if (!updated.ok()) return NameTakenIfDuplicate(updated.status(), name);
  return updated;
}

absl::Status SyncStore::DeleteIntegration(const std::string& id) {
  return pool_
      .Transact<bool>([&](pqxx::work& tx) -> absl::StatusOr<bool> {
        // The lock keeps claims and triggers from adding a run between the two deletes.
        if (tx.exec_prepared(sql::kLockIntegration.name, id).empty()) return NotFound(id);
        tx.exec_prepared0(sql::kDeleteRecordsOfIntegration.name, id);
        tx.exec_prepared0(sql::kDeleteBatchesOfIntegration.name, id);
        tx.exec_prepared0(sql::kDeleteRunsOfIntegration.name, id);
        tx.exec_prepared1(sql::kDeleteIntegration.name, id);
        return true;
      })
      .status();
}

absl::StatusOr<TriggerResult> SyncStore::TriggerSync(const std::string& id) {
  return pool_.Transact<TriggerResult>([&](pqxx::work& tx) -> absl::StatusOr<TriggerResult> {
    // The row lock serialises triggers of one integration; the primary key of active_runs backs it up.
    if (tx.exec_prepared(sql::kLockIntegration.name, id).empty()) return NotFound(id);
    pqxx::result active = tx.exec_prepared(sql::kActiveRun.name, id);
    if (!active.empty()) return TriggerResult{RunFromRow(active[0]), /*already_running=*/true};
    const int64_t now = absl::ToUnixMicros(clock_.Now());
    tx.exec_prepared(sql::kNotifyDispatch.name);
    pqxx::row row = tx.exec_prepared1(sql::kInsertPendingRun.name, id,
                                      std::string(domain::Name(domain::RunTrigger::kManual)),
                                      /*attempt=*/1, now, now);
    return TriggerResult{RunFromRow(row), /*already_running=*/false};
  });
}

absl::StatusOr<RunPage> SyncStore::SyncHistory(const std::string& id, const domain::PageRequest& page) {
  return pool_.Transact<RunPage>([&](pqxx::work& tx) -> absl::StatusOr<RunPage> {
    if (tx.exec_prepared(sql::kGetIntegration.name, id).empty()) return NotFound(id);
    RunPage out;
    out.total = tx.exec_prepared1(sql::kRunHistoryCount.name, id)[0].as<int32_t>();
    const int64_t offset = static_cast<int64_t>(page.page - 1) * page.page_size;
    if (offset < out.total) {
      Columns c;
      for (const auto& row : tx.exec_prepared(sql::kRunHistoryPage.name, id, page.page_size, offset)) {
        out.runs.push_back(RunFromRow(row, c));
      }
    }
    return out;
  });
}

absl::StatusOr<RecordPage> SyncStore::ListRecords(const std::string& id, const domain::PageRequest& page) {
  return pool_.Transact<RecordPage>([&](pqxx::work& tx) -> absl::StatusOr<RecordPage> {
    if (tx.exec_prepared(sql::kGetIntegration.name, id).empty()) return NotFound(id);
    RecordPage out;
    out.total = tx.exec_prepared1(sql::kRecordsCount.name, id)[0].as<int32_t>();
    const int64_t offset = static_cast<int64_t>(page.page - 1) * page.page_size;
    if (offset < out.total) {
      for (const auto& row : tx.exec_prepared(sql::kRecordsPage.name, id, page.page_size, offset)) {
        domain::SyncedRecord r;
        r.external_id = row["external_id"].as<std::string>();
        r.data_json = row["data"].as<std::string>();
        r.first_synced_at = *TimeOf(row["first_synced_at"]);
        r.last_synced_at = *TimeOf(row["last_synced_at"]);
        r.last_run_id = row["last_run_id"].as<std::string>();
        out.records.push_back(std::move(r));
      }
    }
    return out;
  });
}

absl::StatusOr<std::vector<SyncRun>> SyncStore::RecentRuns(int32_t limit) {
  return pool_.Transact<std::vector<SyncRun>>([&](pqxx::work& tx) {
    std::vector<SyncRun> out;
    Columns c;
    for (const auto& row : tx.exec_prepared(sql::kRecentRuns.name, limit)) out.push_back(RunFromRow(row, c));
    return out;
  });
}

absl::StatusOr<domain::SyncSummary> SyncStore::Summary() {
  return pool_.Transact<domain::SyncSummary>([&](pqxx::work& tx) {
    tx.exec_prepared(sql::kNotifyDispatch.name);
    pqxx::row row = tx.exec_prepared1(sql::kRunSummary.name);
    // The API's counts are int32: a history past two billion runs shows the largest one.
    auto count = [](const pqxx::field& f) {
      return static_cast<int32_t>(std::min<int64_t>(f.as<int64_t>(), std::numeric_limits<int32_t>::max()));
    };
    domain::SyncSummary s;
    s.total = count(row["total"]);
    s.successful = count(row["successful"]);
    s.failed = count(row["failed"]);
    s.in_progress = count(row["in_progress"]);
    s.last_sync_at = TimeOf(row["last_completed_at"]);
    return s;
  });
}

absl::StatusOr<std::optional<absl::Time>> SyncStore::NextScheduledSync() {
  return pool_.Transact<std::optional<absl::Time>>(
      [&](pqxx::work& tx) { return TimeOf(tx.exec_prepared1(sql::kNextScheduledSync.name)[0]); });
}

}  // namespace syncd::store
