#include "worker_service/connectors/demo_connector.h"

#include <gtest/gtest.h>

#include "absl/time/clock.h"

namespace syncd::worker {
namespace {

class FakeContext final : public SyncContext {
 public:
  bool Stopped() const override { return stopped; }
  absl::Time Deadline() const override { return deadline; }
  bool Sleep(absl::Duration d) override {
    slept += d;
    return !stopped;
  }
  void Progress(int r, int) override { records = r; }

  bool stopped = false;
  absl::Time deadline = absl::InfiniteFuture();
  absl::Duration slept;
  int records = 0;
};

SyncJob Job(nlohmann::json config) {
  SyncJob job;
  job.run_id = "r";
  job.type = "DEMO";
  job.config = std::move(config);
  return job;
}

TEST(DemoConnectorTest, ReadsTheConfiguredRecordsInTheConfiguredTime) {
  auto demo = MakeDemoConnector([] { return 0.5; });
  FakeContext ctx;
  SyncOutcome out = demo->Run(Job({{"records", 7}, {"latencyMs", 250}}), ctx);
  EXPECT_TRUE(out.success);
  EXPECT_EQ(out.records_count, 7);
  EXPECT_EQ(ctx.slept, absl::Milliseconds(250));
  EXPECT_EQ(ctx.records, 7);
}

TEST(DemoConnectorTest, FailsWithTheConfiguredCodeAndASuggestion) {
  auto demo = MakeDemoConnector([] { return 0.2; });
  FakeContext ctx;
  SyncOutcome out = demo->Run(Job({{"failureRate", 0.5}, {"errorCode", "AUTH_FAILED"}}), ctx);
  EXPECT_FALSE(out.success);
  EXPECT_EQ(out.failure.code, "AUTH_FAILED");
  EXPECT_NE(out.failure.message.find("failureRate 0.5"), std::string::npos);
  EXPECT_EQ(out.failure.suggestion, SuggestionFor("AUTH_FAILED"));
  // The same draw above the rate succeeds.
  EXPECT_TRUE(MakeDemoConnector([] { return 0.7; })->Run(Job({{"failureRate", 0.5}}), ctx).success);
}

TEST(DemoConnectorTest, StoppedMidSyncReportsCancelled) {
  auto demo = MakeDemoConnector([] { return 0.0; });
  FakeContext ctx;
  ctx.stopped = true;
  SyncOutcome out = demo->Run(Job({{"latencyMs", 1000}}), ctx);
  EXPECT_FALSE(out.success);
  EXPECT_EQ(out.failure.code, "CANCELLED");
}

TEST(DemoConnectorTest, PastDeadlineReportsTimeout) {
  auto demo = MakeDemoConnector([] { return 0.0; });
  FakeContext ctx;
  ctx.stopped = true;
  ctx.deadline = absl::Now() - absl::Seconds(1);
  EXPECT_EQ(demo->Run(Job({{"latencyMs", 1000}}), ctx).failure.code, "TIMEOUT");
}

}  // namespace
}  // namespace syncd::worker
