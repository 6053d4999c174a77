// The one place where absl::Status becomes grpc::Status. Field violations travel inside an absl::Status
// as a google.rpc.BadRequest payload and come out as gRPC error details, so clients (and the gateway) can
// show an error next to the field it names.
//
//   return ToGrpcStatus(InvalidArgumentError({{"syncInterval", "must be at least 60 seconds"}}));
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "common/field_violation.h"

namespace syncd {

// INVALID_ARGUMENT whose message lists the violations and whose payload carries them as
// google.rpc.BadRequest.
absl::Status InvalidArgumentError(const FieldViolations& violations);

// The violations carried by a status made with InvalidArgumentError (empty for any other status).
FieldViolations ViolationsOf(const absl::Status& status);

// Same code and message; BadRequest payloads become google.rpc.Status details.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace syncd
