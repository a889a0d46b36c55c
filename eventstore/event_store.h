#pragma once
// The append-only event log on RocksDB.
//
// Guarantees:
//  - Positions are dense (1, 2, 3, ...) and each stream's versions are dense (1, 2, 3, ...).
//  - An append is atomic (all its events, across all its streams, or none) and is acknowledged
//    only once its RocksDB WriteBatch is durable (WAL synced) unless Options::sync is false.
//  - Commit order is log order: one writer thread (the sequencer) batches concurrent appends
//    into one WriteBatch and one WAL sync (group commit).
//  - Every event is chained to the previous one by a BLAKE2b hash; verify() finds the first break.
//
// Thread safety: every member function may be called from any thread concurrently.
// Lifetime: Subscriptions must be destroyed before the EventStore that created them.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eventstore/types.h"

namespace crm::eventstore {

class Subscription;

struct Options {
  /// Sync the WAL before acknowledging an append. Off only for tests and benchmarks.
  bool sync = true;
  /// Shared block cache for all column families.
  size_t block_cache_bytes = size_t{256} << 20;
  /// Upper bound of events in one group-commit batch.
  size_t max_batch_events = 8192;
  /// Microseconds since the epoch, stamped on each event as its recorded time. Empty: system clock.
  std::function<int64_t()> clock;
};

class EventStore {
 public:
  /// Opens (creating if missing) the store in `path` for reading and writing. One writer process
  /// per directory (RocksDB's LOCK file enforces it). Errors: io_error, corruption.
  static result<std::unique_ptr<EventStore>> open(const std::string& path, Options options = {});

  /// Opens a read-only follower of a store another process may be writing, using a RocksDB
  /// secondary instance whose private files live in `secondary_path`. Call refresh() to see
  /// newer events. append() returns errc::read_only.
  static result<std::unique_ptr<EventStore>> open_follower(const std::string& primary_path,
                                                           const std::string& secondary_path,
                                                           Options options = {});

  ~EventStore();
  EventStore(const EventStore&) = delete;
  EventStore& operator=(const EventStore&) = delete;

  /// Appends `events` to one stream if its version matches `expected`.
  /// Errors: version_conflict (nothing appended), invalid_argument, io_error, read_only, closed.
  /// With a non-empty metadata.command_id a repeat returns the first result (duplicate = true)
  /// and appends nothing, also after a restart.
  result<AppendResult> append(std::string stream, ExpectedVersion expected,
                              std::vector<EventData> events, Metadata metadata = {});

  /// Atomic append across several distinct streams, each with its own expected version. If any
  /// check fails nothing is appended and the error names the stream.
  result<AppendResult> append(std::vector<StreamAppend> streams, Metadata metadata = {});

  /// append() without waiting: returns at once, and `done` gets the result once the append is
  /// durable (or refused, or failed), on the store's writer or sync thread, in log order. `done`
  /// must be quick and must not block or append and wait (hand the result to another thread).
  /// Every accepted append is answered, also when the store closes.
  using AppendDone = std::function<void(result<AppendResult>)>;
  void append_async(std::vector<StreamAppend> streams, Metadata metadata, AppendDone done);

  /// Last durable (acknowledged) position; 0 for an empty store.
  uint64_t head() const noexcept;

  /// Blocks until head() >= position or the timeout passes. True if reached.
  bool wait_for(uint64_t position, std::chrono::milliseconds timeout) const;

  /// Current version of a stream (0 if it does not exist).
  result<uint64_t> stream_version(std::string_view stream) const;
  /// stream_version() > 0, told by one point read.
  result<bool> stream_exists(std::string_view stream) const;

  /// Reads of the log. Each visits at most `max_count` events in order, up to head(), and returns
  /// how many it visited. Errors: corruption, io_error.
  result<uint64_t> read_all(uint64_t from_position, uint64_t max_count, const Visitor& visit) const;
  /// The events at `positions` (up to head()), in the order given: one batched point read rather
  /// than a scan each (an audit history's page of old events). Positions without one are passed
  /// over.
  result<uint64_t> read_at(const std::vector<uint64_t>& positions, const Visitor& visit) const;
  result<uint64_t> read_stream(std::string_view stream, uint64_t from_version, Direction direction,
                               uint64_t max_count, const Visitor& visit) const;
  /// Events whose stream category (part of the stream id before the first '-') is `category`.
  result<uint64_t> read_category(std::string_view category, uint64_t from_position,
                                 uint64_t max_count, const Visitor& visit) const;
  result<uint64_t> read_event_type(std::string_view type, uint64_t from_position,
                                   uint64_t max_count, const Visitor& visit) const;

  /// Looks up the result of an earlier append by its command id.
  result<std::optional<AppendResult>> find_command(std::string_view command_id) const;

  /// Walks the hash chain over [from, to] (to = 0: up to head) and reports the first break: a
  /// missing position, a record that does not decode, a position that does not match its key,
  /// or a hash that does not match.
  result<VerifyReport> verify(uint64_t from = 1, uint64_t to = 0) const;

  /// Catch-up from `from_position` (the first $all position of interest), then live. See
  /// subscription.h.
  std::unique_ptr<Subscription> subscribe(StreamFilter filter, uint64_t from_position) const;

  /// Makes everything acknowledged so far durable (syncs the WAL). For bulk loads run with
  /// Options::sync = false. Errors: io_error, read_only.
  result<void> flush();

  /// Compacts every column family fully, down to the bottom level (ZSTD): what a long-lived log
  /// settles to on disk. Errors: io_error, read_only.
  result<void> compact();

  /// Follower only: reads what the primary wrote since the last refresh. Errors: io_error.
  result<void> refresh();

  bool read_only() const noexcept;

  /// Test and benchmark aid: the RocksDB directory.
  const std::string& path() const noexcept;

  struct Impl;

 private:
  explicit EventStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace crm::eventstore
