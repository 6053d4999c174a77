// The harness's own checks: the throwaway PostgreSQL gives each test a database, and survives a stop and
// restart with its data and port.

#include "tests/harness/postgres.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <pqxx/pqxx>

namespace syncd::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(PostgresTest, EachDatabaseIsFreshAndSeparate) {
  absl::StatusOr<PostgresServer*> postgres = SharedPostgres();
  ASSERT_TRUE(postgres.ok()) << postgres.status();
  absl::StatusOr<std::string> first = (*postgres)->CreateDatabase("first");
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<std::string> second = (*postgres)->CreateDatabase(DatabaseNameForCurrentTest());
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_THAT(*first, StartsWith("postgresql://postgres@127.0.0.1:"));
  EXPECT_EQ(*first, (*postgres)->Url("first"));

  pqxx::connection a(*first);
  pqxx::connection b(*second);
  {
    pqxx::work tx(a);
    tx.exec("CREATE TABLE t (x int)");
    tx.commit();
  }
  pqxx::work tx(b);
  EXPECT_EQ(tx.exec("SELECT count(*) FROM pg_tables WHERE tablename = 't'")[0][0].as<int>(), 0);
  EXPECT_THAT(tx.exec("SELECT version()")[0][0].as<std::string>(), HasSubstr("PostgreSQL"));
}

TEST(PostgresTest, RejectsADuplicateDatabase) {
  absl::StatusOr<PostgresServer*> postgres = SharedPostgres();
  ASSERT_TRUE(postgres.ok()) << postgres.status();
  ASSERT_TRUE((*postgres)->CreateDatabase("twice").ok());
  EXPECT_FALSE((*postgres)->CreateDatabase("twice").ok());
}

TEST(PostgresTest, RestartKeepsPortAndData) {
  absl::StatusOr<std::unique_ptr<PostgresServer>> postgres = PostgresServer::Start();
  ASSERT_TRUE(postgres.ok()) << postgres.status();
  PostgresServer& server = **postgres;
  absl::StatusOr<std::string> url = server.CreateDatabase("kept");
  ASSERT_TRUE(url.ok()) << url.status();
  {
    pqxx::connection connection(*url);
    pqxx::work tx(connection);
    tx.exec("CREATE TABLE t (x int); INSERT INTO t VALUES (7)");
    tx.commit();
  }
  int port = server.port();

  ASSERT_TRUE(server.Stop().ok()) << server.LogTail();
  EXPECT_FALSE(server.IsRunning());
  EXPECT_THROW(pqxx::connection{*url}, pqxx::broken_connection);

  ASSERT_TRUE(server.Restart().ok()) << server.LogTail();
  EXPECT_TRUE(server.IsRunning());
  EXPECT_EQ(server.port(), port);
  pqxx::connection connection(*url);
  pqxx::work tx(connection);
  EXPECT_EQ(tx.exec("SELECT x FROM t")[0][0].as<int>(), 7);
}

}  // namespace
}  // namespace syncd::testing
