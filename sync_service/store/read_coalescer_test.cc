#include "sync_service/store/read_coalescer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"

namespace syncd::store {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

// A fake database: answers "value of <key>" for known keys and NOT_FOUND otherwise, records every batch,
// and can hold a batch until the test lets it go.
class FakeReads {
 public:
  std::vector<absl::StatusOr<std::string>> Read(const std::vector<std::string>& keys) {
    absl::Notification* gate = nullptr;
    {
      absl::MutexLock lock(&mu_);
      batches_.push_back(keys);
      if (!gates_.empty()) {
        gate = gates_.front();
        gates_.erase(gates_.begin());
      }
    }
    if (gate != nullptr) gate->WaitForNotification();
    absl::MutexLock lock(&mu_);
    if (!failure_.ok()) return std::vector<absl::StatusOr<std::string>>(keys.size(), failure_);
    std::vector<absl::StatusOr<std::string>> out;
    for (const std::string& k : keys) {
      if (k == "missing") {
        out.push_back(absl::NotFoundError("missing not found"));
      } else {
        out.push_back("value of " + k);
      }
    }
    if (short_answer_) out.pop_back();
    return out;
  }

  // The next batch blocks until `gate` is notified.
  void HoldNextBatch(absl::Notification* gate) {
    absl::MutexLock lock(&mu_);
    gates_.push_back(gate);
  }
  void FailWith(absl::Status s) {
    absl::MutexLock lock(&mu_);
    failure_ = std::move(s);
  }
  void AnswerShort() {
    absl::MutexLock lock(&mu_);
    short_answer_ = true;
  }
  // Blocks until `n` batches have started.
  void AwaitBatchesStarted(size_t n) {
    while (batches().size() < n) std::this_thread::yield();
  }
  std::vector<std::vector<std::string>> batches() {
    absl::MutexLock lock(&mu_);
    return batches_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::vector<std::string>> batches_ ABSL_GUARDED_BY(mu_);
  std::vector<absl::Notification*> gates_ ABSL_GUARDED_BY(mu_);
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
  bool short_answer_ ABSL_GUARDED_BY(mu_) = false;
};

using Coalescer = ReadCoalescer<std::string, std::string>;

Coalescer::ReadBatch ReadFrom(FakeReads& fake) {
  return [&fake](const std::vector<std::string>& keys) { return fake.Read(keys); };
}

// Blocks until `n` reads are queued for the next batch (the threads that start them cannot say when).
void AwaitQueued(const Coalescer& reads, size_t n) {
  while (reads.queued() < n) std::this_thread::yield();
}

TEST(ReadCoalescerTest, LoneReadRunsAtOnceAlone) {
  FakeReads fake;
  Coalescer reads(1, ReadFrom(fake));
  EXPECT_EQ(*reads.Get("a"), "value of a");
  EXPECT_EQ(*reads.Get("b"), "value of b");
  EXPECT_THAT(fake.batches(), ElementsAre(ElementsAre("a"), ElementsAre("b")));
}

TEST(ReadCoalescerTest, ReadsArrivingDuringABatchGoTogetherInTheNext) {
  FakeReads fake;
  Coalescer reads(1, ReadFrom(fake));
  absl::Notification release_first;
  fake.HoldNextBatch(&release_first);

  absl::StatusOr<std::string> first, b, missing, b_again;
  std::thread t1([&] { first = reads.Get("a"); });
  fake.AwaitBatchesStarted(1);
  std::thread t2([&] { b = reads.Get("b"); });
  std::thread t3([&] { missing = reads.Get("missing"); });
  std::thread t4([&] { b_again = reads.Get("b"); });
  AwaitQueued(reads, 3);
  release_first.Notify();
  for (std::thread* t : {&t1, &t2, &t3, &t4}) t->join();

  EXPECT_EQ(*first, "value of a");
  EXPECT_EQ(*b, "value of b");
  EXPECT_EQ(*b_again, "value of b");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  // One query for the three waiting reads; "b", asked twice, is read once.
  std::vector<std::vector<std::string>> batches = fake.batches();
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_THAT(batches[0], ElementsAre("a"));
  EXPECT_THAT(batches[1], UnorderedElementsAre("b", "missing"));
  EXPECT_EQ(reads.batches(), 2);
}

TEST(ReadCoalescerTest, UpToMaxBatchesRunSideBySide) {
  FakeReads fake;
  Coalescer reads(2, ReadFrom(fake));
  absl::Notification release;
  fake.HoldNextBatch(&release);
  fake.HoldNextBatch(&release);

  absl::StatusOr<std::string> a, b, c;
  std::thread ta([&] { a = reads.Get("a"); });
  fake.AwaitBatchesStarted(1);
  std::thread tb([&] { b = reads.Get("b"); });
  fake.AwaitBatchesStarted(2);  // the second reader takes it at once, alone
  std::thread tc([&] { c = reads.Get("c"); });
  AwaitQueued(reads, 1);  // the third waits for a free reader
  release.Notify();
  for (std::thread* t : {&ta, &tb, &tc}) t->join();

  EXPECT_EQ(*a, "value of a");
  EXPECT_EQ(*b, "value of b");
  EXPECT_EQ(*c, "value of c");
  std::vector<std::vector<std::string>> batches = fake.batches();
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_THAT(batches[2], ElementsAre("c"));
}

TEST(ReadCoalescerTest, AFailedBatchFailsEachOfItsReads) {
  FakeReads fake;
  Coalescer reads(1, ReadFrom(fake));
  absl::Notification release_first;
  fake.HoldNextBatch(&release_first);

  absl::StatusOr<std::string> first, b, c;
  std::thread t1([&] { first = reads.Get("a"); });
  fake.AwaitBatchesStarted(1);
  std::thread t2([&] { b = reads.Get("b"); });
  std::thread t3([&] { c = reads.Get("c"); });
  AwaitQueued(reads, 2);
  fake.FailWith(absl::UnavailableError("database unavailable"));
  release_first.Notify();
  for (std::thread* t : {&t1, &t2, &t3}) t->join();

  EXPECT_EQ(first.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(b.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(c.status().code(), absl::StatusCode::kUnavailable);

  // The failure does not stick: the next read is answered by the next query.
  fake.FailWith(absl::OkStatus());
  EXPECT_EQ(*reads.Get("d"), "value of d");
}

TEST(ReadCoalescerTest, CallbacksGetTheirResults) {
  FakeReads fake;
  Coalescer reads(1, ReadFrom(fake));
  absl::Notification held;
  fake.HoldNextBatch(&held);
  absl::StatusOr<std::string> first, second, third;
  absl::Notification done_first, done_second, done_third;
  reads.Get("a", [&](absl::StatusOr<std::string> r) {
    first = std::move(r);
    done_first.Notify();
  });
  fake.AwaitBatchesStarted(1);
  reads.Get("b", [&](absl::StatusOr<std::string> r) {
    second = std::move(r);
    done_second.Notify();
  });
  reads.Get("missing", [&](absl::StatusOr<std::string> r) {
    third = std::move(r);
    done_third.Notify();
  });
  held.Notify();
  done_first.WaitForNotification();
  done_second.WaitForNotification();
  done_third.WaitForNotification();
  EXPECT_EQ(*first, "value of a");
  EXPECT_EQ(*second, "value of b");
  EXPECT_EQ(third.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(fake.batches(), ElementsAre(ElementsAre("a"), ElementsAre("b", "missing")));
}

TEST(ReadCoalescerTest, ReadsQueuedAtDestructionAreAnswered) {
  FakeReads fake;
  absl::Notification held;
  fake.HoldNextBatch(&held);
  std::vector<std::string> answered;
  absl::Mutex mu;
  {
    Coalescer reads(1, ReadFrom(fake));
    auto record = [&](absl::StatusOr<std::string> r) {
      absl::MutexLock lock(&mu);
      answered.push_back(*r);
    };
    reads.Get("a", record);
    fake.AwaitBatchesStarted(1);
    reads.Get("b", record);
    held.Notify();
  }
  EXPECT_THAT(answered, ElementsAre("value of a", "value of b"));
}

TEST(ReadCoalescerTest, AnAnswerOfTheWrongSizeIsAnInternalError) {
  FakeReads fake;
  fake.AnswerShort();
  Coalescer reads(1, ReadFrom(fake));
  EXPECT_EQ(reads.Get("a").status().code(), absl::StatusCode::kInternal);
}

TEST(ReadCoalescerTest, ManyConcurrentReadersEachGetTheirOwnKey) {
  FakeReads fake;
  Coalescer reads(2, ReadFrom(fake));
  constexpr int kThreads = 16;
  constexpr int kReadsEach = 200;
  std::vector<int> wrong(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kReadsEach; ++i) {
        const std::string key = std::to_string(t * kReadsEach + i % 3);
        absl::StatusOr<std::string> got = reads.Get(key);
        if (!got.ok() || *got != "value of " + key) ++wrong[t];
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_THAT(wrong, ::testing::Each(0));
}

}  // namespace
}  // namespace syncd::store
