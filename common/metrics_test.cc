#include "common/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include "prometheus/counter.h"

namespace syncd::metrics {
namespace {

using ::testing::HasSubstr;

TEST(MetricsTest, RendersRegisteredFamiliesAndScrapeTimeGauges) {
  Metrics metrics("sync_service", "1.2.3");
  prometheus::Counter& ok = prometheus::BuildCounter()
                                .Name("syncd_test_total")
                                .Help("test counter")
                                .Register(metrics.registry())
                                .Add({{"trigger", "MANUAL"}});
  double backlog = 7;
  metrics.AddGauge("syncd_test_backlog", "test gauge", [&]() -> std::optional<double> { return backlog; });
  metrics.AddGauge("syncd_test_missing", "left out", []() -> std::optional<double> { return std::nullopt; });
  ok.Increment();
  ok.Increment();

  std::string text = metrics.Render();
  EXPECT_THAT(text, HasSubstr("syncd_build_info{service=\"sync_service\",version=\"1.2.3\"} 1"));
  EXPECT_THAT(text, HasSubstr("syncd_test_total{trigger=\"MANUAL\"} 2"));
  EXPECT_THAT(text, HasSubstr("# TYPE syncd_test_backlog gauge\nsyncd_test_backlog 7"));
  EXPECT_EQ(text.find("syncd_test_missing"), std::string::npos);

  backlog = 3;
  EXPECT_THAT(metrics.Render(), HasSubstr("syncd_test_backlog 3"));
}

TEST(MetricsTest, BoundedCodeKeepsUpperSnakeCaseOnly) {
  EXPECT_EQ(BoundedCode("AUTH_FAILED"), "AUTH_FAILED");
  EXPECT_EQ(BoundedCode("HTTP_503"), "HTTP_503");
  EXPECT_EQ(BoundedCode(""), "OTHER");
  EXPECT_EQ(BoundedCode("lower"), "OTHER");
  EXPECT_EQ(BoundedCode("A\"}\nX"), "OTHER");
  EXPECT_EQ(BoundedCode(std::string(41, 'A')), "OTHER");
}

TEST(MetricsTest, SplitHostPort) {
  EXPECT_EQ(*SplitHostPort("0.0.0.0:9090", "metrics_listen"), std::make_pair(std::string("0.0.0.0"), 9090));
  EXPECT_EQ(*SplitHostPort("[::]:0", "metrics_listen"), std::make_pair(std::string("::"), 0));
  absl::StatusOr<std::pair<std::string, int>> bad = SplitHostPort("9090", "metrics_listen");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("--metrics_listen"));
  EXPECT_FALSE(SplitHostPort("host:70000", "x").ok());
}

TEST(MetricsServerTest, ServesMetricsOverHttp) {
  Metrics metrics("worker", "0.1.0");
  MetricsServer server(metrics);
  absl::StatusOr<int> port = server.Start("127.0.0.1", 0);
  ASSERT_TRUE(port.ok()) << port.status();
  httplib::Client client("127.0.0.1", *port);
  httplib::Result res = client.Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), kContentType);
  EXPECT_THAT(res->body, HasSubstr("syncd_build_info{service=\"worker\""));
  EXPECT_EQ(client.Get("/nope")->status, 404);
  server.Stop();
}

}  // namespace
}  // namespace syncd::metrics
