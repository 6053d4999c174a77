#include "common/pg_pool.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace syncd {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(CheckDatabaseUrlTest, APasswordThatShiftsIntoTheHostOrPortIsRefusedWithoutQuotingIt) {
  EXPECT_TRUE(CheckDatabaseUrl("postgresql://syncd:s3cret@db.internal:5432/syncd").ok());
  EXPECT_TRUE(CheckDatabaseUrl("postgresql://syncd:p%40ss%23w0rd@127.0.0.1:5432/syncd").ok());
  EXPECT_TRUE(CheckDatabaseUrl("postgresql://u@[::1]:5432,other:5433/db?host=%2Ftmp%2Fsock").ok());
  EXPECT_TRUE(CheckDatabaseUrl("host=/dev/shm/pg/socket port=5432 dbname=bench user=postgres").ok());
  // libpq reads these as meant: ? and # before the last @ belong to the password.
  EXPECT_TRUE(CheckDatabaseUrl("postgresql://postgres:a?b@db/syncd").ok());
  EXPECT_TRUE(CheckDatabaseUrl("postgresql://postgres:p#s@db:5432/syncd").ok());
  // What libpq would make of these: host "ss#w0rd@127.0.0.1"; host "ss@db"; host "postgres" with port "sec"
  // (and dbname "ret@db:5432/syncd"); a percent sign that starts no escape.
  const std::vector<std::string> shifted = {
      "postgresql://postgres:p@ss#w0rd@127.0.0.1:55432/syncd", "postgresql://postgres:p@ss@db/syncd",
      "postgresql://postgres:sec/ret@db:5432/syncd", "postgres://x:%zz@db/syncd"};
  for (const std::string& url : shifted) {
    absl::Status status = CheckDatabaseUrl(url);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << url;
    EXPECT_THAT(status.message(), HasSubstr("%40")) << url;
    for (const char* piece : {"w0rd", "ss@", "sec", "ret", "zz"}) {
      EXPECT_THAT(status.message(), Not(HasSubstr(piece))) << url;
    }
  }
}

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
