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

/// Rows written while events are applied; reads see the rows written earlier in the same batch.
/// Writes are buffered and handed to the batch by finish() in key order, the last write of a key
/// only: RocksDB's memtable inserts keys in order far faster than scattered ones, and a row
/// rewritten by several events of a batch is inserted once.
class ViewWriter {
 public:
  // A write's key and value are in arena, at key_at, the value right after the key.
  struct Write {
    TableId table;
    bool erase;
    uint32_t key_size, value_size;
    size_t key_at;
  };
  /// The writes of a batch, their keys and values end to end: kept by the caller from batch to
  /// batch (and cleared by finish), not two strings a row allocated while a batch is applied and
  /// freed together after it (the frees, and the consolidation they set off in malloc, were
  /// about a tenth of a rebuild).
  struct Buffers {
    std::vector<Write> writes;  // in the order made
    std::string arena;
  };
  ViewWriter(const TableStore& store, TableStore::Batch& batch, Buffers& buffers)
      : store_(store), batch_(batch), writes_(buffers.writes), arena_(buffers.arena) {
    writes_.clear();  // what a failed batch left
    arena_.clear();
  }

  /// `tables` are the physical ids of the projection being applied, in its tables() order.
  void bind(const std::vector<TableId>* tables) { tables_ = tables; }

  std::optional<std::string> get(size_t table, std::string_view key);
  void put(size_t table, std::string_view key, std::string_view value);
  void erase(size_t table, std::string_view key);
  /// For tables the projection never reads while applying (indexes, rows it keeps in memory):
  /// the row goes into the batch only, not into the read-back overlay.
  void put_blind(size_t table, std::string_view key, std::string_view value);
  void erase_blind(size_t table, std::string_view key);

  /// Moves the buffered writes into the batch.
  void finish();

  /// A read that failed; the runner then writes nothing of this batch.
  const std::optional<eventstore::error>& failure() const { return failure_; }

 private:
  std::string overlay_key(size_t table, std::string_view key) const;
  void add(size_t table, std::string_view key, std::optional<std::string_view> value);

  const TableStore& store_;
  TableStore::Batch& batch_;
  const std::vector<TableId>* tables_ = nullptr;
  std::vector<Write>& writes_;
  std::string& arena_;
  // Rows written in this batch that the projection reads back, by table id (4 bytes) + key.
  std::unordered_map<std::string, std::optional<std::string>> overlay_;
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
  /// keeps rows in memory while a batch is applied writes them here. Called for a batch that
  /// fails too (then they are dropped with it), so nothing kept outlives its batch.
  virtual void flush(ViewWriter& /*out*/) {}
};

}  // namespace crm::projections
