#include "common/pg_pool.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace syncd {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(PgPrimaryMessageTest, KeepsTheFirstLineWithoutItsSeverity) {
  EXPECT_EQ(
      PgPrimaryMessage("ERROR:  unsupported Unicode escape sequence\nDETAIL:  \\u0000 cannot be converted "
                       "to text.\nCONTEXT:  JSON data, line 1: {\"auth\":{\"token\":\"s3cr3t\"},...\n"),
      "unsupported Unicode escape sequence");
  EXPECT_EQ(PgPrimaryMessage("FATAL:  terminating connection due to administrator command"),
            "terminating connection due to administrator command");
  EXPECT_EQ(PgPrimaryMessage("no severity\nsecond line"), "no severity");
  EXPECT_EQ(PgPrimaryMessage(""), "");
}

// What reaches the API's caller and the logs carries no value quoted in DETAIL or CONTEXT.
TEST(PgExceptionToStatusTest, DataErrorsAreInvalidArgumentWithoutTheData) {
  const pqxx::data_exception e(
      "ERROR:  unsupported Unicode escape sequence\nDETAIL:  x\nCONTEXT:  JSON data: "
      "{\"token\":\"s3cr3t\"}\n",
      "SELECT $1::jsonb", "22P05");
  const absl::Status status = PgExceptionToStatus(e);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "unsupported Unicode escape sequence");
  EXPECT_THAT(std::string(status.message()), Not(HasSubstr("s3cr3t")));
}

TEST(PgExceptionToStatusTest, ConstraintDetailsStayOut) {
  const pqxx::unique_violation e(
      "ERROR:  duplicate key value violates unique constraint \"integrations_name_key\"\nDETAIL:  Key "
      "(lower(name))=(stripe) already exists.\n",
      "INSERT ...", "23505");
  const absl::Status status = PgExceptionToStatus(e);
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(status.message(), "duplicate key value violates unique constraint \"integrations_name_key\"");
}

}  // namespace
}  // namespace syncd
