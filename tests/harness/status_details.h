// Reads what a failed RPC tells its caller: the code, the message and the google.rpc.BadRequest field
// violations carried in the status details.
//
//   grpc::Status status = stub.CreateIntegration(&context, request, &response);
//   EXPECT_THAT(BadRequestFields(status), ElementsAre("syncInterval")) << Describe(status);
#pragma once

#include <grpcpp/support/status.h>

#include <ostream>
#include <string>
#include <vector>

namespace syncd::testing {

// The `field` of each google.rpc.BadRequest violation in the status details, in order; empty when the
// details hold none (or cannot be parsed).
std::vector<std::string> BadRequestFields(const grpc::Status& status);

// "INVALID_ARGUMENT: <message> [violations: name: is required; ...]" for failure messages.
std::string Describe(const grpc::Status& status);

// The canonical name of a code: "NOT_FOUND".
std::string CodeName(grpc::StatusCode code);

}  // namespace syncd::testing

namespace grpc {
// Lets gtest print a grpc::Status as "NOT_FOUND: ..." instead of its bytes (found by ADL).
inline void PrintTo(const Status& status, std::ostream* out) { *out << syncd::testing::Describe(status); }
}  // namespace grpc
