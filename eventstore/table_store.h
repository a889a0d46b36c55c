#pragma once
// Named key-value tables on RocksDB, for read models: rows of several tables written in one
// atomic batch (so a view and its checkpoint never disagree), ordered scans, dropping a table.
// Generic: knows nothing of the CRM. Lives beside the event log, in its own RocksDB directory.
//
// Thread safety: all member functions may be called concurrently. A dropped table's id stays
// readable until the store closes (queries in flight finish), but takes no more writes.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "eventstore/types.h"

namespace crm::eventstore {

class TableStore {
 public:
  using TableId = uint32_t;

  /// Rows to write atomically, possibly across tables. Made by TableStore::batch().
  class Batch {
   public:
    ~Batch();
    Batch(Batch&&) noexcept;
    Batch& operator=(Batch&&) noexcept;
    void put(TableId table, std::string_view key, std::string_view value);
    void erase(TableId table, std::string_view key);
    size_t operations() const noexcept;
    size_t bytes() const noexcept;

   private:
    friend class TableStore;
    struct Rep;
    explicit Batch(std::unique_ptr<Rep> rep);
    std::unique_ptr<Rep> rep_;
  };

  Batch batch() const;

  /// Opens (creating if missing) the tables in `path`. Errors: io_error, corruption.
  static result<std::unique_ptr<TableStore>> open(const std::string& path,
                                                  size_t block_cache_bytes = size_t{128} << 20);
  ~TableStore();

  /// The table called `name`, created if missing. Errors: io_error.
  result<TableId> table(const std::string& name);
  /// The table called `name` if it exists.
  std::optional<TableId> find(const std::string& name) const;
  /// Names of all tables.
  std::vector<std::string> tables() const;
  /// Deletes a table and its rows. Errors: io_error.
  result<void> drop(const std::string& name);

  /// Applies a batch atomically. Without a write-ahead log: after a crash the tables come back
  /// as of one earlier batch, all of them alike (RocksDB atomic flush). Read models write their
  /// checkpoints in the same batch, so a crash loses progress, never consistency.
  result<void> write(Batch&& batch);
  /// Applies a batch atomically through the write-ahead log, synced: for rows that are not read
  /// models and cannot be rebuilt (sessions, feed keys), so that an acknowledged row survives a
  /// crash.
  result<void> write_durable(Batch&& batch);

  /// Writes the rows held in memory to files, all tables at once, and waits until it is done:
  /// what write() applied so far survives a crash from then on. Errors: io_error.
  result<void> flush();

  /// Compacts every table fully (after a bulk rebuild, so that queries neither read through
  /// piles of fresh files nor compete with background compaction). Errors: io_error.
  result<void> compact();

  /// A number that changes whenever the row `key` of `table` is written: write() bumps it after
  /// the batch is applied, before it returns. Taken before a read, it lets the reader keep what
  /// it read: the copy is current while the number stays the same. Rows share numbers (there are
  /// 65,536), so a write of another row may change it too; that only costs a read.
  uint64_t row_stamp(TableId table, std::string_view key) const;

  result<std::optional<std::string>> get(TableId table, std::string_view key) const;
  /// Several rows of one table at once (RocksDB MultiGet), in the order of `keys`.
  result<std::vector<std::optional<std::string>>> get_many(
      TableId table, const std::vector<std::string>& keys) const;

  /// Visits rows with from <= key < to (to empty: to the end) in key order, or in reverse order
  /// with Direction::backward (then from is the upper bound, exclusive when not empty, and to the
  /// lower bound, inclusive). At most max_count rows; the visitor returns false to stop.
  using RowVisitor = std::function<bool(std::string_view key, std::string_view value)>;
  result<uint64_t> scan(TableId table, std::string_view from, std::string_view to,
                        Direction direction, uint64_t max_count, const RowVisitor& visit) const;

  /// About how many rows have from <= key < to, as RocksDB estimates them without reading one
  /// (the range's bytes in the table's files and memtables, by the table's bytes per row): to
  /// tell a range of a hundred thousand rows from one of a few hundred, not to count (a range
  /// within one file block may count as 0).
  /// The sum over several ranges [first, second), the table's figures read once; a range whose
  /// end is not after its start counts none.
  uint64_t approximate_rows(TableId table,
                            const std::vector<std::pair<std::string, std::string>>& ranges) const;
  uint64_t approximate_rows(TableId table, std::string_view from, std::string_view to) const {
    return approximate_rows(table, {{std::string(from), std::string(to)}});
  }

  /// Seeks in one table's rows within bounds, keeping one RocksDB iterator between seeks: for
  /// walks that jump (a join of two indexes), where a scan per jump would open an iterator each
  /// time. Made by TableStore::seeker(); reads the table as of when it was made.
  class Seeker {
   public:
    ~Seeker();
    Seeker(Seeker&&) noexcept;
    Seeker& operator=(Seeker&&) noexcept;
    /// Forward: the first key >= `key`; backward: the last key < `key`; nullopt past the bounds.
    result<std::optional<std::string>> seek(std::string_view key);
    /// The row after the one the last seek (or next) found, in the seeker's direction; nullopt
    /// past the bounds. Only after a row was found: a step, cheaper than a seek.
    result<std::optional<std::string>> next();
    /// The value of the row the last seek (or next) found, valid until the next move.
    std::string_view value() const;

   private:
    friend class TableStore;
    struct Rep;
    explicit Seeker(std::unique_ptr<Rep> rep);
    result<std::optional<std::string>> found() const;  // the row the iterator is at
    std::unique_ptr<Rep> rep_;
  };
  /// A Seeker over the rows with lower <= key < upper (empty: unbounded) in `direction`.
  /// Errors: invalid_argument (no such table).
  result<Seeker> seeker(TableId table, std::string_view lower, std::string_view upper,
                        Direction direction) const;

  struct Impl;

 private:
  explicit TableStore(std::unique_ptr<Impl> impl);
  result<void> apply(Batch&& batch, bool durable);
  std::unique_ptr<Impl> impl_;
};

}  // namespace crm::eventstore
