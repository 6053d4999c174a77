#include "sync_service/api/sync_service_impl.h"

#include <algorithm>

#include "common/grpc_status.h"
#include "sync_service/api/convert.h"

namespace syncd::api {
namespace {

constexpr int32_t kDefaultRecentRuns = 20;
constexpr int32_t kMaxRecentRuns = 100;

// Ids are UUIDs; anything else cannot name an integration and is the caller's mistake.
absl::Status CheckId(const std::string& id) {
  if (id.empty()) return InvalidArgumentError({{"id", "is required"}});
  if (!domain::IsUuid(id)) return InvalidArgumentError({{"id", "must be a UUID"}});
  return absl::OkStatus();
}

// For paged reads of one integration's data: the id and the page, all violations at once.
template <typename Request>
absl::Status CheckIdAndPage(const Request& req, domain::PageRequest& page) {
  FieldViolations violations;
  if (absl::Status s = CheckId(req.id()); !s.ok()) violations = ViolationsOf(s);
  for (auto& v : domain::ValidatePage(req.page(), req.page_size(), page)) violations.push_back(v);
  return violations.empty() ? absl::OkStatus() : InvalidArgumentError(violations);
}

}  // namespace

grpc::Status SyncServiceImpl::ListIntegrations(grpc::ServerContext*, const v1::ListIntegrationsRequest* req,
                                               v1::ListIntegrationsResponse* resp) {
  domain::PageRequest page;
  FieldViolations violations =
      domain::ValidatePage(req->page(), req->page_size(), page, domain::kDefaultIntegrationPageSize,
                           domain::kMaxIntegrationPageSize);
  if (!violations.empty()) return ToGrpcStatus(InvalidArgumentError(violations));
  absl::StatusOr<store::IntegrationPage> list = store_.ListIntegrations(page);
  if (!list.ok()) return ToGrpcStatus(list.status());
  for (const auto& i : list->integrations) ToProto(i, *resp->add_integrations());
  resp->set_total(list->total);
  resp->set_page(page.page);
  resp->set_page_size(page.page_size);
  return grpc::Status::OK;
}

grpc::Status SyncServiceImpl::CreateIntegration(grpc::ServerContext*, const v1::CreateIntegrationRequest* req,
                                                v1::Integration* resp) {
  if (!req->has_integration()) {
    return ToGrpcStatus(InvalidArgumentError({{"integration", "is required"}}));
  }
  absl::StatusOr<domain::Integration> created =
      store_.CreateIntegration(ChangesFromProto(req->integration()));
  if (!created.ok()) return ToGrpcStatus(created.status());
  ToProto(*created, *resp);
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* SyncServiceImpl::GetIntegration(grpc::CallbackServerContext* ctx,
                                                          const v1::GetIntegrationRequest* req,
                                                          v1::Integration* resp) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  if (absl::Status s = CheckId(req->id()); !s.ok()) {
    reactor->Finish(ToGrpcStatus(s));
    return reactor;
  }
  // Runs on a reader thread of the store; Finish() does not block.
  store_.GetIntegration(req->id(), [reactor, resp](absl::StatusOr<domain::Integration> integration) {
    if (!integration.ok()) {
      reactor->Finish(ToGrpcStatus(integration.status()));
      return;
    }
    ToProto(*integration, *resp);
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::Status SyncServiceImpl::UpdateIntegration(grpc::ServerContext*, const v1::UpdateIntegrationRequest* req,
                                                v1::Integration* resp) {
  if (absl::Status s = CheckId(req->id()); !s.ok()) return ToGrpcStatus(s);
  if (!req->has_integration()) {
    return ToGrpcStatus(InvalidArgumentError({{"integration", "is required"}}));
  }
  absl::StatusOr<domain::Integration> updated =
      store_.UpdateIntegration(req->id(), ChangesFromProto(req->integration()));
  if (!updated.ok()) return ToGrpcStatus(updated.status());
  ToProto(*updated, *resp);
  return grpc::Status::OK;
}

grpc::Status SyncServiceImpl::DeleteIntegration(grpc::ServerContext*, const v1::DeleteIntegrationRequest* req,
                                                v1::DeleteIntegrationResponse*) {
  if (absl::Status s = CheckId(req->id()); !s.ok()) return ToGrpcStatus(s);
  return ToGrpcStatus(store_.DeleteIntegration(req->id()));
}

grpc::Status SyncServiceImpl::UpdateSyncSettings(grpc::ServerContext*,
                                                 const v1::UpdateSyncSettingsRequest* req,
                                                 v1::Integration* resp) {
  if (absl::Status s = CheckId(req->id()); !s.ok()) return ToGrpcStatus(s);
  absl::StatusOr<domain::Integration> updated = store_.UpdateIntegration(req->id(), ChangesFromProto(*req));
  if (!updated.ok()) return ToGrpcStatus(updated.status());
  ToProto(*updated, *resp);
  return grpc::Status::OK;
}

grpc::Status SyncServiceImpl::TriggerSync(grpc::ServerContext*, const v1::TriggerSyncRequest* req,
                                          v1::TriggerSyncResponse* resp) {
  if (absl::Status s = CheckId(req->id()); !s.ok()) return ToGrpcStatus(s);
  absl::StatusOr<store::TriggerResult> result = store_.TriggerSync(req->id());
  if (!result.ok()) return ToGrpcStatus(result.status());
  ToProto(result->run, *resp->mutable_run());
  resp->set_already_running(result->already_running);
  return grpc::Status::OK;
}

grpc::Status SyncServiceImpl::GetSyncHistory(grpc::ServerContext*, const v1::GetSyncHistoryRequest* req,
                                             v1::GetSyncHistoryResponse* resp) {
  domain::PageRequest page;
  if (absl::Status s = CheckIdAndPage(*req, page); !s.ok()) return ToGrpcStatus(s);
  absl::StatusOr<store::RunPage> result = store_.SyncHistory(req->id(), page);
  if (!result.ok()) return ToGrpcStatus(result.status());
  for (const auto& run : result->runs) ToProto(run, *resp->add_logs());
  resp->set_total(result->total);
  resp->set_page(page.page);
  resp->set_page_size(page.page_size);
  return grpc::Status::OK;
}

grpc::Status SyncServiceImpl::ListRecords(grpc::ServerContext*, const v1::ListRecordsRequest* req,
                                          v1::ListRecordsResponse* resp) {
  domain::PageRequest page;
  if (absl::Status s = CheckIdAndPage(*req, page); !s.ok()) return ToGrpcStatus(s);
  absl::StatusOr<store::RecordPage> result = store_.ListRecords(req->id(), page);
  if (!result.ok()) return ToGrpcStatus(result.status());
  for (const auto& r : result->records) ToProto(r, *resp->add_records());
  resp->set_total(result->total);
  resp->set_page(page.page);
  resp->set_page_size(page.page_size);
  return grpc::Status::OK;
}

grpc::Status SyncServiceImpl::GetSyncStatus(grpc::ServerContext*, const v1::GetSyncStatusRequest* req,
                                            v1::GetSyncStatusResponse* resp) {
  if (req->limit() < 0 || req->limit() > kMaxRecentRuns) {
    return ToGrpcStatus(InvalidArgumentError({{"limit", "must be between 1 and 100"}}));
  }
  const int32_t limit = req->limit() == 0 ? kDefaultRecentRuns : req->limit();
  absl::StatusOr<std::vector<domain::SyncRun>> runs = store_.RecentRuns(limit);
  if (!runs.ok()) return ToGrpcStatus(runs.status());
  absl::StatusOr<domain::SyncSummary> summary = store_.Summary();
  if (!summary.ok()) return ToGrpcStatus(summary.status());
  for (const auto& run : *runs) ToProto(run, *resp->add_recent_runs());
  v1::SyncSummary* s = resp->mutable_summary();
  s->set_total(summary->total);
  s->set_successful(summary->successful);
  s->set_failed(summary->failed);
  s->set_in_progress(summary->in_progress);
  if (summary->last_sync_at) *s->mutable_last_sync_at() = TimestampOf(*summary->last_sync_at);
  return grpc::Status::OK;
}

grpc::Status SyncServiceImpl::GetWorkerStatus(grpc::ServerContext*, const v1::GetWorkerStatusRequest*,
                                              v1::GetWorkerStatusResponse* resp) {
  absl::StatusOr<std::optional<absl::Time>> next = store_.NextScheduledSync();
  if (!next.ok()) return ToGrpcStatus(next.status());
  absl::StatusOr<std::vector<store::WorkerRow>> workers = dispatch_.ListWorkers(presence_window_);
  if (!workers.ok()) return ToGrpcStatus(workers.status());
  absl::StatusOr<bool> running = dispatch_.SchedulerRunning(presence_window_);
  if (!running.ok()) return ToGrpcStatus(running.status());
  absl::StatusOr<int32_t> backlog = dispatch_.DueBacklog();
  if (!backlog.ok()) return ToGrpcStatus(backlog.status());
  absl::StatusOr<store::ConcurrencyStatus> concurrency = dispatch_.Concurrency();
  if (!concurrency.ok()) return ToGrpcStatus(concurrency.status());
  if (next->has_value()) *resp->mutable_next_scheduled_sync_at() = TimestampOf(**next);
  for (const store::WorkerRow& w : *workers) {
    v1::Worker* out = resp->add_workers();
    out->set_id(w.info.id);
    out->set_name(w.info.name);
    out->set_version(w.info.version);
    out->set_capacity(w.info.capacity);
    out->set_draining(w.info.draining);
    for (const auto& id : w.running_run_ids) out->add_running_run_ids(id);
    *out->mutable_connected_at() = TimestampOf(w.connected_at);
    *out->mutable_last_heartbeat_at() = TimestampOf(w.last_heartbeat_at);
  }
  resp->set_scheduler_running(*running);
  resp->set_due_backlog(*backlog);
  resp->set_max_concurrent_syncs(concurrency->limits.max_concurrent_syncs);
  resp->set_max_concurrent_syncs_per_host(concurrency->limits.max_concurrent_syncs_per_host);
  resp->set_running_syncs(static_cast<int32_t>(concurrency->running.total));
  std::vector<std::pair<std::string, int64_t>> by_host(concurrency->running.by_host.begin(),
                                                       concurrency->running.by_host.end());
  std::stable_sort(by_host.begin(), by_host.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [host, running] : by_host) {
    v1::HostConcurrency* h = resp->add_running_by_host();
    h->set_host(host);
    h->set_running(static_cast<int32_t>(running));
  }
  return grpc::Status::OK;
}

}  // namespace syncd::api
