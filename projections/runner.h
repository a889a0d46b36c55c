#pragma once
// Runs projections continuously over the event log.
//
// - Projections are grouped in lanes (Projection::lane()); lanes run side by side, each with its
//   own pass over the log, which feeds every projection of the lane (each event is read and
//   decoded once per lane). A lane's rows and the checkpoints of its projections go into one
//   TableStore batch, so a crash can neither apply an event twice nor skip one. A restart resumes
//   from the checkpoints; nothing is replayed.
// - Versions: a projection's tables are "<name>.v<version>.<table>". When the code's version
//   differs from the stored one, the new version is built from position 0 by a second pass
//   beside the old one; queries keep reading the old tables until the new version has caught up,
//   then the runner switches and drops the old tables.
// - Lag = head − checkpoint, per projection. wait_for() gives queries read-your-writes.
//
// Thread safety: all public member functions may be called from any thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"
#include "eventstore/event_store.h"
#include "projections/projection.h"

namespace crm::projections {

struct Status {
  std::string name;
  uint32_t version = 0;           // the version queries read
  uint64_t checkpoint = 0;        // last log position applied to it
  uint64_t lag = 0;               // head − checkpoint
  uint32_t building_version = 0;  // non-zero while a new version is being built
  uint64_t building_checkpoint = 0;
  uint64_t building_lag = 0;  // head − building_checkpoint, while it is built
  /// Why the projection is stuck (its lane's last batch failed: an event that does not decode, a
  /// storage error), empty when it is not. The batch is retried every second, never skipped.
  std::string failure;
};

class Runner {
 public:
  Runner(const eventstore::EventStore& log, TableStore& views,
         std::vector<std::unique_ptr<Projection>> projections);
  ~Runner();

  /// Prepares tables and checkpoints (scheduling rebuilds of changed versions) and starts the
  /// threads. Errors: the stores' errors.
  eventstore::result<void> start();
  /// Stops the threads after the batch in progress.
  void stop();

  /// Without start(): applies everything up to the log's head, including rebuilds, and returns
  /// (tests, the offline rebuild command, benchmarks). Lanes catch up side by side, the first on
  /// the caller's thread.
  eventstore::result<void> catch_up();

  /// Blocks until every projection queries read has applied `position`, or the timeout passes,
  /// or one of those still behind it is stuck (Status::failure): then false at once.
  bool wait_for(uint64_t position, std::chrono::milliseconds timeout) const;

  /// The physical tables of the version queries read, in the projection's tables() order, and
  /// that version in `version` if given (0: no such projection).
  std::vector<TableId> tables(std::string_view projection, uint32_t* version = nullptr) const;

  std::vector<Status> status() const;

  /// Offline rebuild: forgets every version of `projection` (tables and checkpoints), so the next
  /// start builds it from position 0.
  static eventstore::result<void> reset(TableStore& views, std::string_view projection);

 private:
  struct Slot;
  struct Pass;
  struct Lane;
  eventstore::result<void> prepare();
  eventstore::result<bool> step(Lane& lane, Pass& pass, std::chrono::milliseconds wait);
  eventstore::result<bool> switch_if_caught_up(const Lane& lane, Slot& slot);
  void run(Lane& lane, Pass& pass);
  Slot* find_slot(std::string_view name) const;

  const eventstore::EventStore& log_;
  TableStore& views_;
  TableId meta_ = 0;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<std::unique_ptr<Lane>> lanes_;

  mutable std::mutex progress_mu_;  // with progressed_: wait_for(); guards Pass::failure
  // Guards which tables and versions queries read (Slot live/building versions and tables).
  // Taken briefly, and never for a whole batch, so queries never wait behind the projecting.
  mutable std::shared_mutex tables_mu_;
  mutable std::condition_variable progressed_;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
};

}  // namespace crm::projections
