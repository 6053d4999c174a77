#include "common/grpc_status.h"

#include <gtest/gtest.h>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace syncd {
namespace {

TEST(GrpcStatusTest, FieldViolationsBecomeBadRequestDetails) {
  absl::Status status =
      InvalidArgumentError({{"name", "is required"}, {"syncInterval", "must be at least 60"}});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "name: is required; syncInterval: must be at least 60");

  grpc::Status grpc_status = ToGrpcStatus(status);
  EXPECT_EQ(grpc_status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  google::rpc::Status rpc_status;
  ASSERT_TRUE(rpc_status.ParseFromString(grpc_status.error_details()));
  ASSERT_EQ(rpc_status.details_size(), 1);
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(rpc_status.details(0).UnpackTo(&bad_request));
  ASSERT_EQ(bad_request.field_violations_size(), 2);
  EXPECT_EQ(bad_request.field_violations(1).field(), "syncInterval");
}

TEST(GrpcStatusTest, ViolationsRoundTrip) {
  FieldViolations violations = {{"page", "must be at least 1"}};
  EXPECT_EQ(ViolationsOf(InvalidArgumentError(violations)), violations);
  EXPECT_TRUE(ViolationsOf(absl::NotFoundError("x")).empty());
}

TEST(GrpcStatusTest, OtherCodesKeepCodeAndMessageWithoutDetails) {
  grpc::Status s = ToGrpcStatus(absl::UnavailableError("database unavailable"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(s.error_message(), "database unavailable");
  EXPECT_TRUE(s.error_details().empty());
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
}

}  // namespace
}  // namespace syncd
