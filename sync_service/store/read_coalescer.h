// ReadCoalescer: reads of single rows by key, answered in batches by a few reader threads of its own. A
// read that finds a reader idle is taken at once, alone (no timer: a lone read is never delayed); reads
// that arrive while every reader is busy queue up and go together as the next batch, one query for all of
// them. Under load this trades many round trips, wakeups and per-statement costs for one per batch.
//
//   ReadCoalescer<std::string, Integration> reads(2, [&](const std::vector<std::string>& ids) {
//     return ReadIntegrations(ids);  // one result per id, in order: a value, NOT_FOUND, or an error
//   });
//   reads.Get(id, [](absl::StatusOr<Integration> i) { ... });  // runs on a reader thread; never blocks
//   absl::StatusOr<Integration> integration = reads.Get(id);   // blocks until answered
//
// A batch starts after each of its reads was queued, so every caller sees a state committed after its
// call began, as with a read of its own. Pure logic: the batch function is the only I/O.
#pragma once

#include <functional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"

namespace syncd::store {

template <typename Key, typename Value>
class ReadCoalescer {
 public:
  // Reads distinct keys; returns one result per key, in the keys' order. May block; must not throw.
  using ReadBatch = std::function<std::vector<absl::StatusOr<Value>>(const std::vector<Key>& keys)>;
  // Receives a read's result, on a reader thread: it must not block for long (it holds up the batches).
  using Done = std::function<void(absl::StatusOr<Value>)>;

  // Starts `readers` threads: at most that many batches run at once.
  ReadCoalescer(int readers, ReadBatch read) : read_(std::move(read)) {
    for (int i = 0; i < std::max(1, readers); ++i) threads_.emplace_back([this] { ReadLoop(); });
  }
  // Answers the reads still queued, then stops the readers.
  ~ReadCoalescer() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    for (std::thread& t : threads_) t.join();
  }
  ReadCoalescer(const ReadCoalescer&) = delete;
  ReadCoalescer& operator=(const ReadCoalescer&) = delete;

  // Queues a read of `key`; `done` gets its result.
  void Get(Key key, Done done) {
    absl::MutexLock lock(&mu_);
    queue_.push_back(Pending{std::move(key), std::move(done)});
  }

  // Reads `key`, waiting for its batch.
  absl::StatusOr<Value> Get(Key key) {
    absl::StatusOr<Value> result;
    absl::Notification answered;
    Get(std::move(key), [&](absl::StatusOr<Value> r) {
      result = std::move(r);
      answered.Notify();
    });
    answered.WaitForNotification();
    return result;
  }

  // Batches answered so far, and reads queued for the next batch (for tests and curiosity).
  int64_t batches() const {
    absl::MutexLock lock(&mu_);
    return batches_;
  }
  size_t queued() const {
    absl::MutexLock lock(&mu_);
    return queue_.size();
  }

 private:
  struct Pending {
    Key key;
    Done done;
  };

  void ReadLoop() {
    std::vector<Pending> batch;
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(this, &ReadCoalescer::HasWork));
        if (queue_.empty()) return;  // stopping, and nothing left to answer
        batch.swap(queue_);
      }
      Answer(batch);
      batch.clear();
    }
  }

  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !queue_.empty() || stopping_; }

  // Runs one batch and hands each read its result.
  void Answer(std::vector<Pending>& batch) {
    std::vector<Key> keys;
    absl::flat_hash_map<Key, size_t> index;  // key -> position in `keys`: a key read twice is read once
    std::vector<int> readers;                // reads of each key still to answer
    keys.reserve(batch.size());
    for (const Pending& p : batch) {
      auto [it, added] = index.emplace(p.key, keys.size());
      if (added) {
        keys.push_back(p.key);
        readers.push_back(0);
      }
      ++readers[it->second];
    }
    std::vector<absl::StatusOr<Value>> results = read_(keys);
    if (results.size() != keys.size()) {
      results.assign(keys.size(), absl::InternalError("batched read returned the wrong number of results"));
    }
    {
      absl::MutexLock lock(&mu_);
      ++batches_;
    }
    for (Pending& p : batch) {
      const size_t i = index.at(p.key);
      // The last reader of a key takes the result; earlier ones (same key, same batch) get copies.
      p.done(--readers[i] == 0 ? std::move(results[i]) : results[i]);
    }
  }

  const ReadBatch read_;
  mutable absl::Mutex mu_;
  std::vector<Pending> queue_ ABSL_GUARDED_BY(mu_);  // in arrival order
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t batches_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::thread> threads_;  // last: started once the rest is ready
};

}  // namespace syncd::store
