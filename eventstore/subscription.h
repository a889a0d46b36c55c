#pragma once
// A catch-up-then-live subscription, pull-based.
//
// A subscription reads from the store itself, bounded by the store's head, and waits on the head
// when it has seen everything. There is no separate "live" queue, so the switch from catch-up to
// live cannot lose or repeat an event, and a slow consumer costs no memory: it simply reads older
// events from RocksDB when it asks for them.
//
// Thread safety: one thread at a time per Subscription. Lifetime: must not outlive its store.

#include <chrono>
#include <cstdint>
#include <vector>

#include "eventstore/types.h"

namespace crm::eventstore {

class EventStore;

class Subscription {
 public:
  /// Returns up to `max_count` matching events after the last one returned, in log order, waiting
  /// up to `timeout` for one to be appended when there is none. Empty on timeout.
  /// Errors: corruption, io_error.
  result<std::vector<RecordedEvent>> next(size_t max_count, std::chrono::milliseconds timeout);

  /// Every $all position below this one has been examined (delivered or filtered out). Never
  /// ahead of the store's head + 1.
  uint64_t next_position() const noexcept { return next_; }

  const StreamFilter& filter() const noexcept { return filter_; }

 private:
  friend class EventStore;
  Subscription(const EventStore& store, StreamFilter filter, uint64_t from_position);

  result<uint64_t> read_some(size_t max_count, std::vector<RecordedEvent>& out);

  const EventStore& store_;
  StreamFilter filter_;
  uint64_t next_;              // next $all position of interest
  uint64_t next_version_ = 1;  // stream filter: next stream version to read
};

}  // namespace crm::eventstore
