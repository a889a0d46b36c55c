#pragma once
// A projection turns the event log into a read model (a view): it is given every event in log
// order, once, and writes rows into its tables through a ViewWriter. The runner (runner.h) writes
// those rows and the projection's checkpoint in one batch.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "domain/record.h"
#include "eventstore/table_store.h"
#include "eventstore/types.h"

namespace crm::projections {

using eventstore::TableStore;
using TableId = TableStore::TableId;

/// One event as projections see it: the stored envelope and the decoded domain event.
struct Event {
  const eventstore::RecordedEvent& raw;
  const domain::DomainEvent& domain;
  domain::EntityKind kind;  // from the stream category
  std::string_view id;      // the record id (the stream id after the category)
};

/// Rows written while events are applied; reads see the rows written earlier.
///
/// - Batch mode (the usual): writes are buffered and handed to the batch by finish() in key
///   order, the last write of a key only: RocksDB's memtable inserts keys in order far faster
///   than scattered ones, and a row rewritten by several events of a batch is inserted once.
/// - Bulk mode (a pass far behind the log, such as a rebuild from position 0): rows stay in
///   memory across batches, the last value of each key only, until the runner writes them all
///   at once with TableStore::ingest().
class ViewWriter {
 public:
  /// Batch mode.
  ViewWriter(const TableStore& store, TableStore::Batch& batch) : store_(store), batch_(&batch) {}
  /// Bulk mode.
  explicit ViewWriter(const TableStore& store) : store_(store) {}

  /// `tables` are the physical ids of the projection being applied, in its tables() order.
  void bind(const std::vector<TableId>* tables) { tables_ = tables; }

  std::optional<std::string> get(size_t table, std::string_view key);
  void put(size_t table, std::string key, std::string value);
  void erase(size_t table, std::string key);
  /// For tables the projection never reads while applying (indexes, rows it keeps in memory):
  /// in batch mode the row goes into the batch only, not into the read-back overlay.
  void put_blind(size_t table, std::string key, std::string value);
  void erase_blind(size_t table, std::string key);

  /// Batch mode: moves the buffered writes into the batch.
  void finish();

  /// Bulk mode: a row of any table (the runner's checkpoints).
  void put_row(TableId table, std::string_view key, std::string value);
  /// Bulk mode: about how much memory the kept rows take.
  size_t bytes() const { return bytes_; }
  /// Bulk mode: the kept rows, sorted by table and key, for TableStore::ingest(); they view this
  /// writer's memory until clear().
  std::vector<TableStore::Row> rows() const;
  void clear();

  /// A read that failed; the runner then writes nothing of this batch.
  const std::optional<eventstore::error>& failure() const { return failure_; }

 private:
  struct Write {
    TableId table;
    std::string key;
    std::optional<std::string> value;
  };
  static std::string overlay_key(TableId table, std::string_view key);
  void keep(std::string key, std::optional<std::string> value);  // bulk mode

  const TableStore& store_;
  TableStore::Batch* batch_ = nullptr;  // null: bulk mode
  const std::vector<TableId>* tables_ = nullptr;
  std::vector<Write> writes_;  // batch mode, in the order made
  // By table id (4 bytes) + key. Batch mode: the rows of this batch the projection reads back.
  // Bulk mode: every row written since the last clear().
  std::unordered_map<std::string, std::optional<std::string>> overlay_;
  size_t bytes_ = 0;
  std::optional<eventstore::error> failure_;
};

class Projection {
 public:
  virtual ~Projection() = default;
  virtual std::string name() const = 0;
  /// Bump when what the projection writes changes: the runner then builds the new version beside
  /// the old one and switches when it has caught up.
  virtual uint32_t version() const = 0;
  /// Logical names of the tables it writes; ViewWriter takes their index.
  virtual std::vector<std::string> tables() const = 0;
  /// Projections of different lanes are applied side by side, each lane reading the log itself:
  /// a projection that costs as much as the others together gets a lane of its own.
  virtual unsigned lane() const { return 0; }
  virtual void apply(const Event& event, ViewWriter& out) = 0;
  /// Called after the last event of a batch, before the batch is written: a projection that
  /// keeps rows in memory while a batch is applied writes them here.
  virtual void flush(ViewWriter& /*out*/) {}
};

}  // namespace crm::projections
