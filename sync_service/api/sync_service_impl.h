// SyncService handlers: request validation that needs no database, proto <-> domain conversion, and one
// store call each. Synchronous gRPC handlers (they run on gRPC's thread pool and may block on the
// database), except GetIntegration, the hot read: a callback handler that hands the read to the store's
// reader threads (which batch concurrent reads) and finishes from there, so no thread waits per call.
#pragma once

#include "sync_service/store/dispatch_store.h"
#include "sync_service/store/sync_store.h"
#include "syncd/v1/sync_service.grpc.pb.h"

namespace syncd::api {

class SyncServiceImpl final
    : public v1::SyncService::WithCallbackMethod_GetIntegration<v1::SyncService::Service> {
 public:
  // `presence_window`: how recently a worker or replica must have been heard from to count as alive.
  SyncServiceImpl(store::SyncStore& store, store::DispatchStore& dispatch, absl::Duration presence_window)
      : store_(store), dispatch_(dispatch), presence_window_(presence_window) {}

  grpc::Status ListIntegrations(grpc::ServerContext* ctx, const v1::ListIntegrationsRequest* req,
                                v1::ListIntegrationsResponse* resp) override;
  grpc::Status CreateIntegration(grpc::ServerContext* ctx, const v1::CreateIntegrationRequest* req,
                                 v1::Integration* resp) override;
  grpc::ServerUnaryReactor* GetIntegration(grpc::CallbackServerContext* ctx,
                                           const v1::GetIntegrationRequest* req,
                                           v1::Integration* resp) override;
  grpc::Status UpdateIntegration(grpc::ServerContext* ctx, const v1::UpdateIntegrationRequest* req,
                                 v1::Integration* resp) override;
  grpc::Status DeleteIntegration(grpc::ServerContext* ctx, const v1::DeleteIntegrationRequest* req,
                                 v1::DeleteIntegrationResponse* resp) override;
  grpc::Status UpdateSyncSettings(grpc::ServerContext* ctx, const v1::UpdateSyncSettingsRequest* req,
                                  v1::Integration* resp) override;
  grpc::Status TriggerSync(grpc::ServerContext* ctx, const v1::TriggerSyncRequest* req,
                           v1::TriggerSyncResponse* resp) override;
  grpc::Status GetSyncHistory(grpc::ServerContext* ctx, const v1::GetSyncHistoryRequest* req,
                              v1::GetSyncHistoryResponse* resp) override;
  grpc::Status ListRecords(grpc::ServerContext* ctx, const v1::ListRecordsRequest* req,
                           v1::ListRecordsResponse* resp) override;
  grpc::Status GetSyncStatus(grpc::ServerContext* ctx, const v1::GetSyncStatusRequest* req,
                             v1::GetSyncStatusResponse* resp) override;
  grpc::Status GetWorkerStatus(grpc::ServerContext* ctx, const v1::GetWorkerStatusRequest* req,
                               v1::GetWorkerStatusResponse* resp) override;

 private:
  store::SyncStore& store_;
  store::DispatchStore& dispatch_;
  const absl::Duration presence_window_;
};

}  // namespace syncd::api
