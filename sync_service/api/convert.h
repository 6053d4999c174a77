// Conversions between syncd.v1 messages and domain values. Request fields that cannot be represented in the
// domain (an unknown enum, a sync interval that is not a number) become field violations, not crashes.
#pragma once

#include "common/field_violation.h"
#include "sync_service/domain/model.h"
#include "sync_service/domain/validation.h"
#include "syncd/v1/resources.pb.h"
#include "syncd/v1/sync_service.pb.h"

namespace syncd::api {

void ToProto(const domain::Integration& in, v1::Integration& out);
void ToProto(const domain::SyncRun& in, v1::SyncRun& out);
void ToProto(const domain::SyncedRecord& in, v1::SyncedRecord& out);

// The changes an Integration message in a create or update request asks for. Output-only fields are ignored.
domain::IntegrationChanges ChangesFromProto(const v1::Integration& in);
// The changes of an UpdateSyncSettings request.
domain::IntegrationChanges ChangesFromProto(const v1::UpdateSyncSettingsRequest& in);

google::protobuf::Struct StructFromJson(const nlohmann::json& json);
google::protobuf::Timestamp TimestampOf(absl::Time t);
absl::Time TimeOf(const google::protobuf::Timestamp& ts);

domain::IntervalInput IntervalFromProto(bool has_value, const google::protobuf::Value& value);

}  // namespace syncd::api
