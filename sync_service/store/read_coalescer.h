// ReadCoalescer: concurrent reads of single rows by key, answered in batches. A read that finds fewer than
// `max_batches` batches in flight runs at once, alone (no timer: a lone read is never delayed); reads that
// arrive while the limit is reached wait together and go as the next batch, one query for all of them.
// Under load this trades many round trips, wakeups and per-statement costs for one per batch.
//
//   ReadCoalescer<std::string, Integration> reads(2, [&](const std::vector<std::string>& ids) {
//     return ReadIntegrations(ids);  // one result per id, in order: a value, NOT_FOUND, or an error
//   });
//   absl::StatusOr<Integration> integration = reads.Get(id);  // blocks until its batch is answered
//
// Each read's batch starts after the read began, so every caller sees a state committed after its call
// began, as with a read of its own. Pure logic: the batch function is the only I/O.
#pragma once

#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace syncd::store {

template <typename Key, typename Value>
class ReadCoalescer {
 public:
  // Reads distinct keys; returns one result per key, in the keys' order. May block; must not throw.
  using ReadBatch = std::function<std::vector<absl::StatusOr<Value>>(const std::vector<Key>& keys)>;

  ReadCoalescer(int max_batches, ReadBatch read)
      : max_batches_(max_batches < 1 ? 1 : max_batches), read_(std::move(read)) {}
  ReadCoalescer(const ReadCoalescer&) = delete;
  ReadCoalescer& operator=(const ReadCoalescer&) = delete;

  // Reads one key, in a batch with the reads waiting beside it.
  absl::StatusOr<Value> Get(Key key) {
    Read self{std::move(key)};
    std::vector<Read*> batch;
    {
      absl::MutexLock lock(&mu_);
      if (in_flight_ < max_batches_) {
        ++in_flight_;
        batch.push_back(&self);
      } else {
        waiting_.push_back(&self);
        while (!self.result.has_value() && !self.leads) self.wake.Wait(&mu_);
        if (self.result.has_value()) return *std::move(self.result);
        // This read leads the next batch: everything that waited until now (itself included) goes.
        batch.swap(waiting_);
      }
    }
    Answer(batch);
    // Answer() filled `self` before handing on; no one else touches it any more.
    return *std::move(self.result);
  }

  // Batches answered so far, and reads waiting for the next batch (for tests and curiosity).
  int64_t batches() const {
    absl::MutexLock lock(&mu_);
    return batches_;
  }
  size_t waiting() const {
    absl::MutexLock lock(&mu_);
    return waiting_.size();
  }

 private:
  struct Read {
    explicit Read(Key k) : key(std::move(k)) {}
    const Key key;
    std::optional<absl::StatusOr<Value>> result;
    bool leads = false;
    absl::CondVar wake;
  };

  // Runs one batch (outside the lock), hands each read its result, and wakes the next batch's leader.
  void Answer(const std::vector<Read*>& batch) {
    std::vector<Key> keys;
    absl::flat_hash_map<Key, size_t> index;  // key -> position in `keys`: a key read twice is read once
    std::vector<int> readers;                // reads of each key still to answer
    keys.reserve(batch.size());
    for (const Read* r : batch) {
      auto [it, added] = index.emplace(r->key, keys.size());
      if (added) {
        keys.push_back(r->key);
        readers.push_back(0);
      }
      ++readers[it->second];
    }
    std::vector<absl::StatusOr<Value>> results = read_(keys);
    if (results.size() != keys.size()) {
      results.assign(keys.size(), absl::InternalError("batched read returned the wrong number of results"));
    }
    absl::MutexLock lock(&mu_);
    ++batches_;
    for (Read* r : batch) {
      const size_t i = index.at(r->key);
      // The last reader of a key takes the result; earlier ones (same key, same batch) get copies.
      r->result = --readers[i] == 0 ? std::move(results[i]) : results[i];
      r->wake.Signal();
    }
    --in_flight_;
    if (!waiting_.empty() && in_flight_ < max_batches_) {
      ++in_flight_;
      Read* leader = waiting_.front();
      leader->leads = true;
      leader->wake.Signal();
    }
  }

  const int max_batches_;
  const ReadBatch read_;
  mutable absl::Mutex mu_;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  // Reads waiting for the next batch, oldest first; the oldest leads it.
  std::vector<Read*> waiting_ ABSL_GUARDED_BY(mu_);
  int64_t batches_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace syncd::store
