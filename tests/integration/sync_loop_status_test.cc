// What the sync loop shows about itself, with a real sync_service, real workers and PostgreSQL:
// GetWorkerStatus lists the connected workers with their capacity and the runs they hold, whether
// scheduling runs and when the next sync is due; a worker's /healthz and /readyz tell whether it is alive
// and whether it can take work.

#include <string>
#include <vector>

#include "tests/integration/sync_loop_fixture.h"

namespace syncd::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class WorkerStatusTest : public SyncLoopTest {};

TEST_F(WorkerStatusTest, ListsConnectedWorkersWithCapacityAndTheRunsTheyHold) {
  ASSERT_NE(StartWorker("worker-big", /*capacity=*/2), nullptr);
  // An hourly integration that has synced once: the next scheduled sync is an hour after that.
  v1::Integration hourly = MustCreate(Demo("Hourly", {.latency_ms = 0}, 3600));
  ASSERT_TRUE(Eventually(kWait, [&] { return MustGet(hourly.id()).has_last_sync(); }))
      << Describe(RunsOf(hourly.id()));
  ASSERT_NE(StartWorker("worker-small", /*capacity=*/1), nullptr);

  // A slow manual sync, to be seen in flight (shorter than the lease: keeping longer ones alive is
  // WorkerRecoveryTest's business).
  v1::Integration slow = MustCreate(Demo("Slow", {.latency_ms = 2500}, std::nullopt));
  v1::TriggerSyncResponse triggered;
  ASSERT_THAT(Trigger(slow.id(), &triggered), IsOk());
  std::optional<v1::SyncRun> running;
  ASSERT_TRUE(Eventually(kWait, [&] {
    running = FindRun(slow.id(), triggered.run().id());
    return running.has_value() && running->status() == v1::SyncRun::RUNNING;
  }));
  const std::string holder = running->worker_id();
  ASSERT_TRUE(holder == "worker-big" || holder == "worker-small") << holder;

  const absl::Time asked_at = absl::Now();
  v1::GetWorkerStatusResponse status;
  ASSERT_THAT(WorkerStatus(&status), IsOk());
  EXPECT_TRUE(status.scheduler_running());
  EXPECT_EQ(status.due_backlog(), 0);
  ASSERT_TRUE(status.has_next_scheduled_sync_at());
  EXPECT_THAT(ToTime(status.next_scheduled_sync_at()),
              IsNear(ToTime(MustGet(hourly.id()).next_sync_at()), kExact));
  std::map<std::string, v1::Worker> workers;
  for (const v1::Worker& w : status.workers()) workers[w.id()] = w;
  ASSERT_EQ(workers.size(), 2u) << status.ShortDebugString();
  EXPECT_EQ(workers["worker-big"].name(), "worker-big");
  EXPECT_EQ(workers["worker-big"].capacity(), 2);
  EXPECT_EQ(workers["worker-small"].capacity(), 1);
  for (auto& [id, w] : workers) {
    SCOPED_TRACE(w.ShortDebugString());
    EXPECT_FALSE(w.draining());
    EXPECT_FALSE(w.version().empty());
    ASSERT_TRUE(w.has_last_heartbeat_at());
    EXPECT_THAT(ToTime(w.last_heartbeat_at()), IsNear(asked_at, kNowTolerance));
    if (id == holder) {
      EXPECT_THAT(w.running_run_ids(), ElementsAre(triggered.run().id()));
    } else {
      EXPECT_THAT(w.running_run_ids(), IsEmpty());
    }
  }

  // Once the sync is done, nobody holds it.
  std::optional<v1::SyncRun> done = AwaitEnded(slow.id(), triggered.run().id());
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->status(), v1::SyncRun::SUCCESS);
  workers = ListedWorkers();
  ASSERT_EQ(workers.count(holder), 1u);
  EXPECT_THAT(workers[holder].running_run_ids(), IsEmpty());
}

TEST_F(WorkerStatusTest, ReadyOnlyWhileConnectedToSyncService) {
  WorkerProcess* worker = StartWorker("worker-a");  // waits for /readyz 200
  ASSERT_NE(worker, nullptr);
  absl::StatusOr<HttpResponse> health = worker->Get("/healthz");
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(health->status, 200);
  EXPECT_THAT(health->body, HasSubstr(R"("status":"ok")"));
  EXPECT_THAT(health->body, HasSubstr("worker-a"));
  absl::StatusOr<HttpResponse> ready = worker->Get("/readyz");
  ASSERT_TRUE(ready.ok()) << ready.status();
  EXPECT_EQ(ready->status, 200) << ready->body;

  // sync_service down: alive, but not ready.
  ExitStatus stopped = service().Stop();
  EXPECT_TRUE(stopped.success()) << stopped.ToString();
  EXPECT_TRUE(Eventually(kWait,
                         [&] {
                           ready = worker->Get("/readyz");
                           return ready.ok() && ready->status == 503;
                         }))
      << "still ready with sync_service stopped: " << (ready.ok() ? ready->body : ready.status().ToString());
  health = worker->Get("/healthz");
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(health->status, 200);

  // Back up on the same address: ready again, by itself.
  ASSERT_TRUE(service().Restart().ok()) << service().LogTail();
  EXPECT_TRUE(Eventually(kWait, [&] {
    ready = worker->Get("/readyz");
    return ready.ok() && ready->status == 200;
  })) << "not ready again after sync_service came back";
}

}  // namespace
}  // namespace syncd::testing
