#include "sync_service/store/dispatch_store.h"

#include <map>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "sync_service/domain/run_id.h"
#include "sync_service/store/queries.h"
#include "sync_service/store/rows.h"

namespace syncd::store {
namespace {

// A claimed run from its row, with the integration from `snapshot` (the same row, or a snapshot row of the
// same result). `c`: the result's columns.
ClaimedRun ClaimedFromRow(const pqxx::row& row, const pqxx::row& snapshot, Columns& c) {
  ClaimedRun claimed;
  claimed.run = RunFromRow(row, c);
  claimed.integration_name = c(snapshot, "integration_name").as<std::string>();
  claimed.integration_type = domain::ParseIntegrationType(c(snapshot, "integration_type").as<std::string>())
                                 .value_or(domain::IntegrationType::kDemo);
  claimed.integration_config = c(snapshot, "integration_config").as<std::string>();
  claimed.deadline = TimeOf(c(row, "deadline_at")).value_or(absl::InfiniteFuture());
  return claimed;
}

ClaimedRun ClaimedFromRow(const pqxx::row& row, Columns& c) { return ClaimedFromRow(row, row, c); }

// The runs of a claim that returns integration snapshots as rows of their own (run id NULL; see
// kSnapshotRunColumns), some perhaps without a run (its insert met another run).
void AppendClaimed(const pqxx::result& rows, std::vector<ClaimedRun>& out) {
  Columns c;
  absl::flat_hash_map<std::string, pqxx::row> snapshots;  // by integration id
  for (const auto& row : rows) {
    if (c(row, "id").is_null()) snapshots.emplace(c(row, "integration_id").as<std::string>(), row);
  }
  for (const auto& row : rows) {
    if (c(row, "id").is_null()) continue;
    out.push_back(ClaimedFromRow(row, snapshots.at(c(row, "integration_id").as<std::string>()), c));
  }
}

FinishedRun FinishedFromRow(const pqxx::row& row, const RunEnd& end, Columns& c) {
  FinishedRun f;
  f.run_id = end.run_id;
  f.integration_id = c(row, "integration_id").as<std::string>();
  f.trigger =
      domain::ParseRunTrigger(c(row, "trigger").as<std::string>()).value_or(domain::RunTrigger::kScheduled);
  f.success = end.finish.success;
  f.error_code = end.finish.error_code;
  f.duration = absl::Milliseconds(Opt<int32_t>(c(row, "duration_ms")).value_or(0));
  f.records_inserted = Opt<int32_t>(c(row, "records_inserted")).value_or(0);
  f.records_updated = Opt<int32_t>(c(row, "records_updated")).value_or(0);
  return f;
}

// Ids for the runs a claim may start (one per slot offered), as a uuid[] literal.
std::string RunIds(absl::Time now, size_t n) {
  thread_local absl::BitGen gen;
  std::vector<std::string> ids;
  ids.reserve(n);
  for (size_t i = 0; i < n; ++i) ids.push_back(domain::NewRunId(now, gen));
  return TextArray(ids);
}

std::string LateNote(const schedule::RunFinish& finish) {
  return finish.success ? "(The worker later reported success, after its lease had ended; not applied.)"
                        : "(The worker later reported a failure, after its lease had ended; not applied.)";
}

}  // namespace

DispatchStore::DispatchStore(PgPool& pool, const Clock& clock, schedule::RetryPolicy policy,
                             std::string replica_id, std::function<double()> uniform01,
                             schedule::ConcurrencyLimits limits)
    : pool_(pool),
      clock_(clock),
      policy_(policy),
      replica_id_(std::move(replica_id)),
      limits_(limits),
      started_at_(clock.Now()),
      uniform01_(std::move(uniform01)) {}

absl::StatusOr<Claimed> DispatchStore::Claim(const std::vector<std::string>& slots, absl::Duration lease,
                                             absl::Duration default_timeout) {
  if (slots.empty()) return Claimed{};
  const double timeout_s = absl::ToDoubleSeconds(default_timeout);
  return pool_.Transact<Claimed>([&](pqxx::work& tx) {
    pqxx::row begin = tx.exec_prepared1(sql::kClaimBegin.name);
    const schedule::ConcurrencyLimits in_force = schedule::Strictest(
        limits_,
        {begin["max_concurrent_syncs"].as<int32_t>(), begin["max_concurrent_syncs_per_host"].as<int32_t>()});
    if (!in_force.any()) {
      const absl::Time now = clock_.Now();
      return ClaimUnlimited(tx, slots, absl::ToUnixMicros(now), absl::ToUnixMicros(now + lease), timeout_s);
    }
    // After the lock, so the count includes every run an earlier limited claim started (see queries.h).
    tx.exec_prepared1(sql::kClaimLock.name);
    schedule::ClaimRoom room(in_force, CountRunning(tx));
    // The time after the count: a run's started_at is then never before the completion of the run whose
    // end made room for it (that end committed before the count began).
    const absl::Time now = clock_.Now();
    const int64_t now_us = absl::ToUnixMicros(now);
    const int64_t lease_us = absl::ToUnixMicros(now + lease);
    Claimed out;
    for (const Statement* claim : {&sql::kClaimPendingRunsLimited, &sql::kClaimDueRunsLimited}) {
      const int n = room.Slots(static_cast<int>(slots.size() - out.runs.size()));
      if (n == 0) break;
      // Workers whose slots earlier runs took are not offered again.
      const std::vector<std::string> offered(slots.begin() + out.runs.size(),
                                             slots.begin() + out.runs.size() + n);
      std::vector<std::optional<std::string>> hosts;
      std::vector<std::optional<int64_t>> counts;
      for (const auto& [host, count] : room.running().by_host) {
        hosts.push_back(host);
        counts.push_back(count);
      }
      // Only the due claim starts new runs ($10: their ids); manual runs waiting have theirs.
      std::vector<std::string> run_ids;
      if (claim == &sql::kClaimDueRunsLimited) run_ids.push_back(RunIds(now, offered.size()));
      Columns columns;
      const pqxx::result rows = tx.exec_prepared(claim->name, TextArray(offered), now_us, lease_us,
                                                 replica_id_, TextArray(room.FullHosts()), TextArray(hosts),
                                                 IntArray(counts), in_force.max_concurrent_syncs_per_host,
                                                 timeout_s, pqxx::prepare::make_dynamic_params(run_ids));
      for (const auto& row : rows) {
        ClaimedRun c = ClaimedFromRow(row, columns);
        c.target_host = Opt<std::string>(columns(row, "run_target_host"));
        room.Started(c.target_host);
        out.runs.push_back(std::move(c));
      }
    }
    out.globally_full = room.GloballyFull();
    out.full_hosts = room.FullHosts();
    return out;
  });
}

schedule::RunningSyncs DispatchStore::CountRunning(pqxx::work& tx) {
  schedule::RunningSyncs running;
  for (const auto& row : tx.exec_prepared(sql::kRunningByHost.name)) {
    const int64_t n = row["running"].as<int64_t>();
    running.total += n;
    if (auto host = Opt<std::string>(row["host"])) running.by_host[*host] += n;
  }
  return running;
}

Claimed DispatchStore::ClaimUnlimited(pqxx::work& tx, const std::vector<std::string>& slots, int64_t now_us,
                                      int64_t lease_us, double timeout_s) {
  Claimed out;
  Columns columns;
  for (const auto& row : tx.exec_prepared(sql::kClaimPendingRuns.name, TextArray(slots), now_us, lease_us,
                                          replica_id_, timeout_s)) {
    out.runs.push_back(ClaimedFromRow(row, columns));
  }
  if (out.runs.size() < slots.size()) {
    // The workers of the slots the manual runs took are not offered again.
    std::map<std::string, int> taken;
    for (const auto& c : out.runs) ++taken[*c.run.worker_id];
    std::vector<std::string> rest;
    for (const std::string& w : slots) {
      auto it = taken.find(w);
      if (it != taken.end() && it->second > 0) {
        --it->second;
      } else {
        rest.push_back(w);
      }
    }
    AppendClaimed(tx.exec_prepared(sql::kClaimDueRuns.name, TextArray(rest), now_us, lease_us, replica_id_,
                                   timeout_s, RunIds(absl::FromUnixMicros(now_us), rest.size())),
                  out.runs);
  }
  return out;
}

absl::StatusOr<std::optional<absl::Time>> DispatchStore::NextDue(const std::vector<std::string>& full_hosts) {
  return pool_.Transact<std::optional<absl::Time>>([&](pqxx::work& tx) {
    if (full_hosts.empty()) return TimeOf(tx.exec_prepared1(sql::kNextDue.name)[0]);
    return TimeOf(tx.exec_prepared1(sql::kNextDueOutsideHosts.name, TextArray(full_hosts))[0]);
  });
}

absl::StatusOr<RunsFinished> DispatchStore::FinishRuns(const std::vector<RunEnd>& ends) {
  if (ends.empty()) return RunsFinished{};
  // Run ids are UUIDv7 texts that share their first dozen characters within a batch: hash maps, not ordered
  // ones, which would compare those prefixes at every step.
  std::vector<std::string> ids;
  std::vector<std::optional<std::string>> statuses, codes, messages, suggestions;
  std::vector<std::optional<int64_t>> completed;
  std::vector<std::optional<int32_t>> records;
  std::vector<bool> only_if_expired;
  absl::flat_hash_map<absl::string_view, const RunEnd*> by_id;
  by_id.reserve(ends.size());
  ids.reserve(ends.size());
  for (const RunEnd& e : ends) {
    if (!by_id.emplace(e.run_id, &e).second) continue;  // the same result twice in one batch
    ids.push_back(e.run_id);
    statuses.push_back(std::string(
        domain::Name(e.finish.success ? domain::RunStatus::kSuccess : domain::RunStatus::kFailed)));
    completed.push_back(absl::ToUnixMicros(e.finish.completed_at));
    records.push_back(e.records_count);
    auto optional_text = [](const std::string& s) -> std::optional<std::string> {
      if (s.empty()) return std::nullopt;
      return s;
    };
    codes.push_back(optional_text(e.finish.error_code));
    messages.push_back(optional_text(e.finish.error_message));
    suggestions.push_back(optional_text(e.finish.suggestion));
    only_if_expired.push_back(e.only_if_expired);
  }
  const int64_t now_us = absl::ToUnixMicros(clock_.Now());
  std::vector<FinishedRun> observed;
  absl::StatusOr<RunsFinished> result =
      pool_.Transact<RunsFinished>([&](pqxx::work& tx) -> absl::StatusOr<RunsFinished> {
        observed.clear();
        tx.exec_prepared1(sql::kCustomPlans.name);
        const std::string id_array = TextArray(ids);
        pqxx::result finished =
            tx.exec_prepared(sql::kFinishRuns.name, id_array, TextArray(statuses), IntArray(completed),
                             IntArray(records), TextArray(codes), TextArray(messages), TextArray(suggestions),
                             now_us, BoolArray(only_if_expired));

        // An integration's schedule after its run: the state as read, and the row version (xmin) read.
        struct Pending {
          std::string integration_id;
          const RunEnd* end;
          schedule::ScheduleState state;
          std::string version;
          // Index in `observed`, or -1 without an observer.
          int observed;
        };
        std::vector<Pending> pending;
        pending.reserve(finished.size());
        RunsFinished done;
        done.reserve(finished.size());
        Columns c;
        for (const auto& row : finished) {
          std::string run_id = c(row, "id").as<std::string>();
          std::string integration_id = c(row, "integration_id").as<std::string>();
          const RunEnd* end = by_id.at(run_id);
          int seen = -1;
          if (finished_observer_) {
            seen = static_cast<int>(observed.size());
            observed.push_back(FinishedFromRow(row, *end, c));
          }
          // A success's schedule is written by kFinishRuns itself.
          if (!c(row, "scheduled").as<bool>()) {
            pending.push_back({integration_id, end,
                               schedule::ScheduleState{Opt<int32_t>(c(row, "sync_interval_seconds")),
                                                       c(row, "sync_enabled").as<bool>(),
                                                       c(row, "retry_count").as<int32_t>()},
                               c(row, "version").as<std::string>(), seen});
          }
          done.emplace(std::move(run_id), std::move(integration_id));
        }
        // One run per integration is active, so each integration is here once. In id order: concurrent
        // transactions then lock integrations in the same order.
        std::sort(pending.begin(), pending.end(),
                  [](const Pending& a, const Pending& b) { return a.integration_id < b.integration_id; });
        // Optimistically against the versions read; what an admin changed meanwhile is redone under a lock.
        for (int round = 0; round < 2 && !pending.empty(); ++round) {
          if (round == 1) {
            absl::flat_hash_map<std::string, Pending*> changed;
            std::vector<std::string> changed_ids;
            for (Pending& p : pending) {
              changed.emplace(p.integration_id, &p);
              changed_ids.push_back(p.integration_id);
            }
            for (const auto& row : tx.exec_prepared(sql::kLockSchedules.name, TextArray(changed_ids))) {
              Pending& p = *changed.at(row["id"].as<std::string>());
              p.state = {Opt<int32_t>(row["sync_interval_seconds"]), row["sync_enabled"].as<bool>(),
                         row["retry_count"].as<int32_t>()};
              p.version = row["version"].as<std::string>();
            }
          }
          std::vector<std::string> integration_ids, versions;
          std::vector<std::optional<int64_t>> next_us, last_us;
          std::vector<std::optional<int32_t>> retry_counts;
          std::vector<bool> enabled;
          std::vector<std::optional<std::string>> paused_reasons, last_status, last_error;
          for (const Pending& p : pending) {
            const schedule::RunFinish& finish = p.end->finish;
            const schedule::ScheduleAfterRun after = schedule::AfterRun(p.state, finish, policy_, uniform01_);
            if (p.observed >= 0) {
              FinishedRun& seen = observed[p.observed];
              seen.paused = after.paused_reason.has_value();
              seen.retry_scheduled = !finish.success && !seen.paused && after.retry_count > 0;
            }
            integration_ids.push_back(p.integration_id);
            versions.push_back(p.version);
            next_us.push_back(MicrosOf(after.next_sync_at));
            retry_counts.push_back(after.retry_count);
            enabled.push_back(after.sync_enabled);
            paused_reasons.push_back(after.paused_reason);
            last_us.push_back(absl::ToUnixMicros(finish.completed_at));
            last_status.push_back(std::string(finish.success ? "SUCCESS" : "FAILED"));
            last_error.push_back(finish.success ? std::nullopt
                                                : std::optional<std::string>(finish.error_message));
          }
          absl::flat_hash_set<std::string> updated;
          for (const auto& row : tx.exec_prepared(
                   sql::kUpdateSchedules.name, TextArray(integration_ids), IntArray(next_us),
                   IntArray(retry_counts), BoolArray(enabled), TextArray(paused_reasons), IntArray(last_us),
                   TextArray(last_status), TextArray(last_error), TextArray(versions))) {
            updated.insert(row[0].as<std::string>());
          }
          pending.erase(std::remove_if(pending.begin(), pending.end(),
                                       [&](const Pending& p) { return updated.count(p.integration_id) > 0; }),
                        pending.end());
        }
        if (!pending.empty()) {
          // Under the lock the versions match; only a deleted integration (its runs went with it) gets here.
          return absl::AbortedError("integrations changed while their runs finished; retrying");
        }
        if (!done.empty()) tx.exec_prepared(sql::kNotifyDispatch.name);
        if (done.size() < ids.size()) {
          std::vector<std::string> late_ids;
          std::vector<std::string> notes;
          for (const std::string& id : ids) {
            if (done.count(id) > 0 || by_id.at(id)->only_if_expired) continue;
            late_ids.push_back(id);
            notes.push_back(LateNote(by_id.at(id)->finish));
          }
          if (!late_ids.empty())
            tx.exec_prepared0(sql::kNoteLateResults.name, TextArray(late_ids), TextArray(notes));
        }
        return done;
      });
  if (result.ok() && finished_observer_ && !observed.empty()) finished_observer_(observed);
  return result;
}

absl::StatusOr<RecordCounts> DispatchStore::ApplyRecordBatch(const RecordBatchIn& batch) {
  // A source may repeat an id within a page: the last one wins, and it counts once.
  std::map<std::string, const std::string*> by_id;
  for (const auto& [id, json] : batch.records) by_id[id] = &json;
  std::vector<std::string> ids, data;
  for (const auto& [id, json] : by_id) {
    ids.push_back(id);
    data.push_back(*json);
  }
  const int64_t now_us = absl::ToUnixMicros(clock_.Now());
  return pool_.Transact<RecordCounts>([&](pqxx::work& tx) -> absl::StatusOr<RecordCounts> {
    pqxx::result run = tx.exec_prepared(sql::kRunningRunIntegration.name, batch.run_id);
    if (run.empty()) {
      return absl::FailedPreconditionError(absl::StrCat("run ", batch.run_id, " is not running"));
    }
    const std::string integration_id = run[0][0].as<std::string>();
    pqxx::result applied = tx.exec_prepared(sql::kAppliedBatch.name, batch.run_id, batch.sequence);
    if (!applied.empty()) {
      return RecordCounts{applied[0][0].as<int32_t>(), applied[0][1].as<int32_t>(),
                          applied[0][2].as<int32_t>()};
    }
    tx.exec_prepared1(sql::kCustomPlans.name);
    pqxx::row counts = tx.exec_prepared1(sql::kUpsertRecords.name, integration_id, batch.run_id,
                                         TextArray(ids), TextArray(data), now_us);
    RecordCounts c;
    c.inserted = counts[0].as<int32_t>();
    c.updated = counts[1].as<int32_t>();
    c.unchanged = static_cast<int32_t>(ids.size()) - c.inserted - c.updated;
    tx.exec_prepared0(sql::kRecordBatch.name, batch.run_id, batch.sequence, c.inserted, c.updated,
                      c.unchanged);
    return c;
  });
}

absl::StatusOr<std::vector<ReapedRun>> DispatchStore::FailExpiredLeases(int limit,
                                                                        absl::Duration deadline_grace) {
  const absl::Time now = clock_.Now();
  absl::StatusOr<std::vector<RunEnd>> expired = pool_.Transact<std::vector<RunEnd>>([&](pqxx::work& tx) {
    std::vector<RunEnd> out;
    for (const auto& row : tx.exec_prepared(sql::kExpiredRuns.name, absl::ToUnixMicros(now), limit,
                                            absl::ToDoubleSeconds(deadline_grace))) {
      RunEnd e;
      e.run_id = row["id"].as<std::string>();
      e.only_if_expired = true;
      e.finish.completed_at = now;
      const std::string worker = Opt<std::string>(row["worker_id"]).value_or("unknown");
      if (row["past_deadline"].as<bool>()) {
        e.finish.error_code = "TIMEOUT";
        e.finish.error_message =
            absl::StrCat("The sync ran past its deadline (", row["timeout_seconds"].as<int64_t>(),
                         " s after it started) and worker ", worker, " had not stopped it ",
                         absl::FormatDuration(deadline_grace), " later; sync_service ended it.");
        e.finish.suggestion =
            "The source is slow or the sync reads too much: raise syncTimeoutSeconds in the integration's "
            "config, or lower maxPages/maxRecords. If the worker's log shows this sync stuck, report it with "
            "that log.";
      } else {
        e.finish.error_code = "WORKER_LOST";
        e.finish.error_message = absl::StrCat(
            "Worker ", worker,
            " stopped reporting on this sync (its process exited or lost its connection) and did "
            "not come back before the lease ended.");
        e.finish.suggestion =
            "Nothing to change in the integration: the sync is retried on another worker. If this repeats, "
            "check the workers' logs and resources (memory limits, restarts).";
      }
      out.push_back(std::move(e));
    }
    return out;
  });
  if (!expired.ok()) return expired.status();
  if (expired->empty()) return std::vector<ReapedRun>{};
  absl::StatusOr<RunsFinished> finished = FinishRuns(*expired);
  if (!finished.ok()) return finished.status();
  std::vector<ReapedRun> reaped;
  for (const RunEnd& e : *expired) {
    auto it = finished->find(e.run_id);
    if (it != finished->end()) reaped.push_back({e.run_id, it->second, e.finish.error_code});
  }
  return reaped;
}

absl::StatusOr<std::vector<std::string>> DispatchStore::ExtendLeases(const std::vector<std::string>& run_ids,
                                                                     const std::string& worker_id,
                                                                     absl::Duration lease,
                                                                     absl::Duration deadline_grace) {
  if (run_ids.empty()) return std::vector<std::string>{};
  const int64_t until = absl::ToUnixMicros(clock_.Now() + lease);
  return pool_.Transact<std::vector<std::string>>([&](pqxx::work& tx) {
    std::vector<std::string> alive;
    for (const auto& row : tx.exec_prepared(sql::kExtendLeases.name, TextArray(run_ids), until, replica_id_,
                                            worker_id, absl::ToDoubleSeconds(deadline_grace))) {
      alive.push_back(row[0].as<std::string>());
    }
    return alive;
  });
}

absl::StatusOr<int> DispatchStore::PruneHistory(absl::Time cutoff, int limit) {
  return pool_.Transact<int>([&](pqxx::work& tx) {
    return tx.exec_prepared1(sql::kPruneHistory.name, absl::ToUnixMicros(cutoff), limit)[0].as<int>();
  });
}

absl::Status DispatchStore::Heartbeat(const std::vector<WorkerInfo>& workers, absl::Duration stale_after) {
  const absl::Time now = clock_.Now();
  return pool_
      .Transact<bool>([&](pqxx::work& tx) {
        const int64_t now_us = absl::ToUnixMicros(now);
        tx.exec_prepared0(sql::kUpsertReplica.name, replica_id_, absl::ToUnixMicros(started_at_), now_us,
                          limits_.max_concurrent_syncs, limits_.max_concurrent_syncs_per_host);
        for (const WorkerInfo& w : workers) {
          tx.exec_prepared0(sql::kUpsertWorker.name, w.id, w.name, w.version, w.capacity, replica_id_, now_us,
                            w.draining);
        }
        const int64_t stale_us = absl::ToUnixMicros(now - stale_after);
        tx.exec_prepared0(sql::kDeleteStaleWorkers.name, stale_us);
        tx.exec_prepared0(sql::kDeleteStaleReplicas.name, stale_us);
        tx.exec_prepared0(sql::kFoldRunTotals.name);
        return true;
      })
      .status();
}

absl::Status DispatchStore::WorkerConnected(const WorkerInfo& w) {
  const int64_t now_us = absl::ToUnixMicros(clock_.Now());
  return pool_
      .Transact<bool>([&](pqxx::work& tx) {
        tx.exec_prepared0(sql::kUpsertWorker.name, w.id, w.name, w.version, w.capacity, replica_id_, now_us,
                          w.draining);
        return true;
      })
      .status();
}

absl::Status DispatchStore::WorkerDisconnected(const std::string& worker_id) {
  return pool_
      .Transact<bool>([&](pqxx::work& tx) {
        tx.exec_prepared0(sql::kDeleteWorker.name, worker_id, replica_id_);
        return true;
      })
      .status();
}

absl::Status DispatchStore::ReplicaStopped() {
  return pool_
      .Transact<bool>([&](pqxx::work& tx) {
        tx.exec_prepared0(sql::kDeleteReplica.name, replica_id_);
        return true;
      })
      .status();
}

absl::StatusOr<std::vector<WorkerRow>> DispatchStore::ListWorkers(absl::Duration fresh) {
  const int64_t since = absl::ToUnixMicros(clock_.Now() - fresh);
  return pool_.Transact<std::vector<WorkerRow>>([&](pqxx::work& tx) {
    std::vector<WorkerRow> out;
    for (const auto& row : tx.exec_prepared(sql::kListWorkers.name, since)) {
      WorkerRow w;
      w.info.id = row["id"].as<std::string>();
      w.info.name = row["name"].as<std::string>();
      w.info.version = row["version"].as<std::string>();
      w.info.capacity = row["capacity"].as<int32_t>();
      w.info.draining = row["draining"].as<bool>();
      w.connected_at = *TimeOf(row["connected_at"]);
      w.last_heartbeat_at = *TimeOf(row["last_heartbeat_at"]);
      if (auto running = Opt<std::string>(row["running"])) {
        w.running_run_ids = absl::StrSplit(*running, ',', absl::SkipEmpty());
      }
      out.push_back(std::move(w));
    }
    return out;
  });
}

absl::StatusOr<bool> DispatchStore::SchedulerRunning(absl::Duration fresh) {
  const int64_t since = absl::ToUnixMicros(clock_.Now() - fresh);
  return pool_.Transact<bool>(
      [&](pqxx::work& tx) { return tx.exec_prepared1(sql::kSchedulerRunning.name, since)[0].as<bool>(); });
}

absl::StatusOr<int32_t> DispatchStore::DueBacklog() {
  const int64_t now_us = absl::ToUnixMicros(clock_.Now());
  return pool_.Transact<int32_t>(
      [&](pqxx::work& tx) { return tx.exec_prepared1(sql::kDueBacklog.name, now_us)[0].as<int32_t>(); });
}

absl::StatusOr<ConcurrencyStatus> DispatchStore::Concurrency() {
  return pool_.Transact<ConcurrencyStatus>([&](pqxx::work& tx) {
    ConcurrencyStatus status;
    pqxx::row limits = tx.exec_prepared1(sql::kLimitsInForce.name);
    status.limits = {limits[0].as<int32_t>(), limits[1].as<int32_t>()};
    status.running = CountRunning(tx);
    return status;
  });
}

}  // namespace syncd::store
