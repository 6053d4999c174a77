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
  absl::StatusOr<BatchCounts> EmitRecords(std::vector<SourceRecord> batch) override {
    for (auto& r : batch) emitted.push_back(std::move(r));
    return BatchCounts{static_cast<int>(emitted.size()), 0, 0};
  }

  bool stopped = false;
  absl::Time deadline = absl::InfiniteFuture();
  absl::Duration slept;
  int records = 0;
  std::vector<SourceRecord> emitted;
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
  ASSERT_EQ(ctx.emitted.size(), 7u);
  EXPECT_EQ(ctx.emitted[0].external_id, "1");
  EXPECT_EQ(nlohmann::json::parse(ctx.emitted[6].json)["value"], 7);
}

TEST(DemoConnectorTest, RecordsInBatchesAndContentFollowsTheVersion) {
  auto demo = MakeDemoConnector([] { return 0.5; });
  FakeContext v1_ctx, v2_ctx;
  ASSERT_TRUE(demo->Run(Job({{"records", 1200}}), v1_ctx).success);
  ASSERT_TRUE(demo->Run(Job({{"records", 1200}, {"version", 2}}), v2_ctx).success);
  ASSERT_EQ(v1_ctx.emitted.size(), 1200u);
  EXPECT_EQ(v1_ctx.emitted[1199].external_id, v2_ctx.emitted[1199].external_id);
  EXPECT_NE(v1_ctx.emitted[1199].json, v2_ctx.emitted[1199].json);
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
